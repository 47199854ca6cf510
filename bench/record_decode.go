package bench

import (
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// DecodeRecord decodes one JSON line of requests.jsonl into r. It is
// json.Unmarshal(line, r) on a zeroed r, in result and in error, only
// faster: summarize and report read millions of records, and
// encoding/json's reflection spent most of their time (docs/BENCHMARKS.md).
//
// The fast path handles the records tokenbench writes: exact lower-case
// field names, strings without escapes, plain numbers. Anything else (an
// escape, a key that differs from a field name only in case, a type
// mismatch, a duplicate field, a syntax error) hands the whole line to
// encoding/json, so every answer, error or not, is encoding/json's.
func DecodeRecord(line []byte, r *Record) error {
	*r = Record{}
	d := recordDecoder{b: line}
	if d.record(r) == nil {
		return nil
	}
	*r = Record{}
	return json.Unmarshal(line, r)
}

// errSlow sends a line to encoding/json; the fast path never reports it.
var errSlow = errors.New("bench: record needs encoding/json")

type recordDecoder struct {
	b []byte
	i int
	// ptrFloats backs the record's *float64 fields, one allocation for all
	// of them instead of one each.
	ptrFloats []float64
}

func (d *recordDecoder) ws() { d.i = skipWS(d.b, d.i) }

// expect skips white space and consumes c.
func (d *recordDecoder) expect(c byte) error {
	d.ws()
	if d.i >= len(d.b) || d.b[d.i] != c {
		return errSlow
	}
	d.i++
	return nil
}

// peek skips white space and returns the next byte, 0 at the end.
func (d *recordDecoder) peek() byte {
	d.ws()
	if d.i >= len(d.b) {
		return 0
	}
	return d.b[d.i]
}

// object calls field for each key of an object; field must consume the
// value. A key with an escape or a non-ASCII byte goes the slow way.
func (d *recordDecoder) object(field func(key []byte) error) error {
	if err := d.expect('{'); err != nil {
		return err
	}
	if d.peek() == '}' {
		d.i++
		return nil
	}
	for {
		key, err := d.rawString()
		if err != nil {
			return err
		}
		for _, c := range key {
			if c >= utf8.RuneSelf {
				return errSlow
			}
		}
		if err := d.expect(':'); err != nil {
			return err
		}
		if err := field(key); err != nil {
			return err
		}
		switch d.peek() {
		case ',':
			d.i++
		case '}':
			d.i++
			return nil
		default:
			return errSlow
		}
	}
}

// array calls elem for each element of an array; elem must consume it.
func (d *recordDecoder) array(elem func() error) error {
	if d.peek() != '[' {
		return errSlow
	}
	d.i++
	if d.peek() == ']' {
		d.i++
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		switch d.peek() {
		case ',':
			d.i++
		case ']':
			d.i++
			return nil
		default:
			return errSlow
		}
	}
}

// rawString returns the bytes of a string without escapes, valid UTF-8
// and no control characters; anything else is slow.
func (d *recordDecoder) rawString() ([]byte, error) {
	if err := d.expect('"'); err != nil {
		return nil, err
	}
	start, ascii := d.i, true
	for d.i < len(d.b) {
		c := d.b[d.i]
		if plain[c] {
			d.i++
			continue
		}
		switch {
		case c == '"':
			s := d.b[start:d.i]
			d.i++
			if !ascii && !utf8.Valid(s) {
				return nil, errSlow
			}
			return s, nil
		case c == '\\' || c < 0x20:
			return nil, errSlow
		}
		ascii = false
		d.i++
	}
	return nil, errSlow
}

func (d *recordDecoder) isNull() bool {
	if d.peek() == 'n' && len(d.b)-d.i >= 4 && string(d.b[d.i:d.i+4]) == "null" {
		d.i += 4
		return true
	}
	return false
}

// str decodes a string into *s; null leaves it unchanged, as encoding/json does.
func (d *recordDecoder) str(s *string) error {
	if d.isNull() {
		return nil
	}
	b, err := d.rawString()
	if err != nil {
		return err
	}
	*s = intern(b)
	return nil
}

// intern returns the values every record repeats without allocating.
func intern(b []byte) string {
	switch string(b) {
	case "":
		return ""
	case TokensFromUsage:
		return TokensFromUsage
	case TokensFromEstimate:
		return TokensFromEstimate
	case "stop":
		return "stop"
	case "length":
		return "length"
	case "tool_calls":
		return "tool_calls"
	}
	return string(b)
}

func (d *recordDecoder) boolean(v *bool) error {
	if d.isNull() {
		return nil
	}
	rest := d.b[d.i:]
	switch {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		*v, d.i = true, d.i+4
	case len(rest) >= 5 && string(rest[:5]) == "false":
		*v, d.i = false, d.i+5
	default:
		return errSlow
	}
	return nil
}

// skip consumes one JSON value of any kind, checking its syntax, and
// returns its bytes.
func (d *recordDecoder) skip(depth int) ([]byte, error) {
	if depth > 100 {
		return nil, errSlow
	}
	start := d.i
	switch c := d.peek(); {
	case c == '{':
		start = d.i
		err := d.object(func([]byte) error { _, err := d.skip(depth + 1); return err })
		if err != nil {
			return nil, err
		}
	case c == '[':
		start = d.i
		err := d.array(func() error { _, err := d.skip(depth + 1); return err })
		if err != nil {
			return nil, err
		}
	case c == '"':
		start = d.i
		if _, err := d.rawString(); err != nil {
			return nil, err
		}
	case c == 't' || c == 'f':
		start = d.i
		var b bool
		if err := d.boolean(&b); err != nil {
			return nil, err
		}
	case c == 'n':
		start = d.i
		if !d.isNull() {
			return nil, errSlow
		}
	default:
		start = d.i
		if _, err := d.number(); err != nil {
			return nil, err
		}
	}
	return d.b[start:d.i], nil
}
