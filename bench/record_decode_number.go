package bench

import (
	"math"
	"strconv"
)

// The record decoder's numbers: JSON numbers checked against their
// grammar, parsed exactly as strconv (so as encoding/json) parses them.

// number returns the bytes of a JSON number, checked against its grammar.
func (d *recordDecoder) number() ([]byte, error) {
	d.ws()
	start, b := d.i, d.b
	i := d.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return nil, errSlow
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return nil, errSlow
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return nil, errSlow
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	d.i = i
	return b[start:i], nil
}

func (d *recordDecoder) float(v *float64) error { return scalar(d, v, parseFloat) }

func (d *recordDecoder) integer(v *int) error { return scalar(d, v, parseInt) }

// scalar decodes a number with parse into *v; null leaves *v, as
// encoding/json does.
func scalar[T any](d *recordDecoder, v *T, parse func([]byte) (T, bool)) error {
	if d.isNull() {
		return nil
	}
	b, err := d.number()
	if err != nil {
		return err
	}
	x, ok := parse(b)
	if !ok {
		return errSlow
	}
	*v = x
	return nil
}

// parseInt parses a JSON number that must be an integer in int's range.
func parseInt(b []byte) (int, bool) {
	n, err := strconv.ParseInt(string(b), 10, 0)
	return int(n), err == nil
}

func (d *recordDecoder) floatPtr(v **float64) error {
	return pointer(d, v, parseFloat, func(f float64) *float64 {
		if len(d.ptrFloats) == cap(d.ptrFloats) {
			d.ptrFloats = make([]float64, 0, 6)
		}
		d.ptrFloats = append(d.ptrFloats, f)
		return &d.ptrFloats[len(d.ptrFloats)-1]
	})
}

func (d *recordDecoder) intPtr(v **int) error {
	return pointer(d, v, parseInt, func(n int) *int { return &n })
}

// pointer decodes null into a nil *v, and a number with parse into a
// value that store keeps and *v then points to.
func pointer[T any](d *recordDecoder, v **T, parse func([]byte) (T, bool), store func(T) *T) error {
	if d.isNull() {
		*v = nil
		return nil
	}
	var x T
	if err := scalar(d, &x, parse); err != nil {
		return err
	}
	*v = store(x)
	return nil
}

// fastFloat parses, in one pass, a plain decimal (no exponent, at most 15
// significant digits) at d.i; ok is false, and d.i unmoved, for anything
// else, which then takes number and parseFloat. The value is exact as in
// parseFloat.
func (d *recordDecoder) fastFloat() (f float64, ok bool) {
	b, i := d.b, d.i
	neg := i < len(b) && b[i] == '-'
	if neg {
		i++
	}
	var mant uint64
	digits := 0
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			mant = mant*10 + uint64(b[i]-'0')
			digits++
		}
	default:
		return 0, false
	}
	frac := 0
	if i < len(b) && b[i] == '.' {
		i++
		j := i
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			mant = mant*10 + uint64(b[i]-'0')
			if mant != 0 {
				digits++
			}
		}
		frac = i - j
		if frac == 0 {
			return 0, false
		}
	}
	if digits > 15 || frac >= len(pow10) || (i < len(b) && (b[i] == 'e' || b[i] == 'E')) {
		return 0, false
	}
	f = float64(mant)
	if frac > 0 {
		f /= pow10[frac]
	}
	if neg {
		f = -f
	}
	d.i = i
	return f, true
}

func (d *recordDecoder) floats(v *[]float64) error {
	if d.isNull() {
		*v = nil
		return nil
	}
	// Parsed into a buffer on the stack, then copied once into a slice of
	// the right length: no growing, no counting pass.
	var stack [256]float64
	out := stack[:0]
	err := d.array(func() error {
		d.ws()
		f, ok := d.fastFloat()
		if !ok {
			if d.isNull() {
				f = 0 // encoding/json leaves a null element at its zero value
			} else if err := d.float(&f); err != nil {
				return err
			}
		}
		out = append(out, f)
		return nil
	})
	if err != nil {
		return err
	}
	*v = append(make([]float64, 0, len(out)), out...)
	return nil
}

func (d *recordDecoder) ints(v *[]int) error {
	if d.isNull() {
		*v = nil
		return nil
	}
	out := []int{}
	err := d.array(func() error {
		var n int
		err := d.integer(&n)
		out = append(out, n)
		return err
	})
	if err != nil {
		return err
	}
	*v = out
	return nil
}

// pow10 holds the powers of ten a float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseFloat parses a JSON number (already checked against the grammar).
// Plain decimals with at most 15 significant digits and no exponent take
// Clinger's fast path: the mantissa and the power of ten are exact in a
// float64, so one IEEE multiplication or division rounds correctly and the
// result equals strconv.ParseFloat's. Everything else is strconv's. ok is
// false when strconv fails (out of range), where encoding/json errs too.
func parseFloat(b []byte) (float64, bool) {
	var mant uint64
	digits, frac, neg, i := 0, -1, false, 0
	if len(b) > 0 && b[0] == '-' {
		neg, i = true, 1
	}
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			mant = mant*10 + uint64(c-'0')
			if mant != 0 {
				digits++
			}
			if frac >= 0 {
				frac++
			}
		case c == '.':
			frac = 0
		default:
			return slowFloat(b)
		}
	}
	if digits > 15 {
		return slowFloat(b)
	}
	f := float64(mant)
	if frac > 0 {
		if frac >= len(pow10) {
			return slowFloat(b)
		}
		f /= pow10[frac]
	}
	if neg {
		f = -f
	}
	return f, true
}

func slowFloat(b []byte) (float64, bool) {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}
