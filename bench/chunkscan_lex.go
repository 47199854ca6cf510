package bench

import (
	"encoding/json"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// The chunk scanner's lexical layer: JSON (RFC 8259) as encoding/json's
// scanner accepts it, over s.data from s.pos.

// view is b as a string without copying: valid while b's bytes are.
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// ws skips JSON white space.
func (s *chunkScanner) ws() { s.pos = skipWS(s.data, s.pos) }

// skipWS returns the index of the first byte from b[i] on that is not JSON
// white space (the chunk scanner's and the record decoder's).
func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// null consumes the literal null.
func (s *chunkScanner) null() bool { return s.lit("null") }

func (s *chunkScanner) lit(w string) bool {
	if len(s.data)-s.pos < len(w) || view(s.data[s.pos:s.pos+len(w)]) != w {
		return false
	}
	s.pos += len(w)
	return true
}

// plain marks the bytes a string holds as is: printable ASCII but the
// quote and the backslash (the chunk scanner's and the record decoder's).
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// skipString consumes a string at s.pos (its opening quote) and reports
// whether it holds escapes or bytes past ASCII.
func (s *chunkScanner) skipString() (special, ok bool) {
	i := s.pos + 1
	d := s.data
	for {
		for i < len(d) && plain[d[i]] {
			i++
		}
		if i >= len(d) {
			return false, false
		}
		switch c := d[i]; {
		case c == '"':
			s.pos = i + 1
			return special, true
		case c == '\\':
			special = true
			if i+1 >= len(d) {
				return false, false
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d) || hex4(d[i+2:i+6]) < 0 {
					return false, false
				}
				i += 6
			default:
				return false, false
			}
		case c < 0x20:
			return false, false
		default: // past ASCII: any byte, as encoding/json's scanner
			special = true
			i++
		}
	}
}

// hex4 is the value of four hex digits, or -1.
func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// str decodes a string or null (which leaves dst) into dst.
func (s *chunkScanner) str(dst *string) bool {
	if s.pos >= len(s.data) || s.data[s.pos] != '"' {
		return s.null()
	}
	start := s.pos + 1
	special, ok := s.skipString()
	if !ok {
		return false
	}
	raw := s.data[start : s.pos-1]
	if !special {
		*dst = view(raw)
		return true
	}
	*dst = s.unquote(raw)
	return true
}

// unquote decodes the inside of a valid JSON string as encoding/json does:
// escapes resolved, invalid UTF-8 and lone surrogates replaced by U+FFFD.
// The result is in s.scratch, or raw itself when nothing changes.
func (s *chunkScanner) unquote(raw []byte) string {
	r := 0
	for r < len(raw) && raw[r] != '\\' {
		if raw[r] < utf8.RuneSelf {
			r++
			continue
		}
		c, size := utf8.DecodeRune(raw[r:])
		if c == utf8.RuneError && size == 1 {
			break
		}
		r += size
	}
	if r == len(raw) {
		return view(raw)
	}
	from := len(s.scratch)
	b := append(s.scratch, raw[:r]...)
	for r < len(raw) {
		c := raw[r]
		switch {
		case c == '\\':
			switch e := raw[r+1]; e {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				u := hex4(raw[r+2:])
				r += 6
				if utf16.IsSurrogate(u) {
					if r+6 <= len(raw) && raw[r] == '\\' && raw[r+1] == 'u' {
						if dec := utf16.DecodeRune(u, hex4(raw[r+2:])); dec != unicode.ReplacementChar {
							b = utf8.AppendRune(b, dec)
							r += 6
							continue
						}
					}
					u = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, u)
				continue
			default: // '"', '\\', '/'
				b = append(b, e)
			}
			r += 2
		case c < utf8.RuneSelf:
			b = append(b, c)
			r++
		default:
			u, size := utf8.DecodeRune(raw[r:])
			b = utf8.AppendRune(b, u)
			r += size
		}
	}
	s.scratch = b
	return view(b[from:])
}

// raw consumes any value into dst, as json.RawMessage holds it.
func (s *chunkScanner) raw(dst *json.RawMessage) bool {
	start := s.pos
	if !s.skip(1) {
		return false
	}
	*dst = s.data[start:s.pos]
	return true
}

// intVal decodes an integer or null (which leaves dst) into dst. A
// fraction, an exponent or 19 digits and more go to encoding/json (which
// refuses the first two for an int and may overflow on the last).
func (s *chunkScanner) intVal(dst *int) bool {
	if s.pos < len(s.data) && s.data[s.pos] == 'n' {
		return s.null()
	}
	start := s.pos
	if !s.number() {
		return false
	}
	b := s.data[start:s.pos]
	neg := b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) > 18 {
		return false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	*dst = n
	return true
}

// intPtr decodes an integer into storage of the scanner's, or null into a
// nil pointer.
func (s *chunkScanner) intPtr(dst **int) bool {
	if s.pos < len(s.data) && s.data[s.pos] == 'n' {
		*dst = nil
		return s.null()
	}
	var n int
	if !s.intVal(&n) {
		return false
	}
	if s.ints == nil {
		s.ints = make([]int, 0, 4)
	}
	s.ints = append(s.ints, n)
	*dst = &s.ints[len(s.ints)-1]
	return true
}

// number consumes a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *chunkScanner) number() bool {
	d, i := s.data, s.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && '1' <= d[i] && d[i] <= '9':
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(d) && d[i] == '.' {
		i++
		j := i
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
		if i == j {
			return false
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		j := i
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
		if i == j {
			return false
		}
	}
	s.pos = i
	return true
}

// skip consumes any valid value; depth counts the levels above it.
func (s *chunkScanner) skip(depth int) bool {
	if s.pos >= len(s.data) || depth > maxScanDepth {
		return false
	}
	switch c := s.data[s.pos]; {
	case c == '"':
		_, ok := s.skipString()
		return ok
	case c == '{':
		s.pos++
		var f fields
		for {
			_, more, ok := s.member(&f)
			if !ok {
				return false
			}
			if !more {
				return true
			}
			if !s.skip(depth + 1) {
				return false
			}
		}
	case c == '[':
		s.pos++
		for n := 0; ; n++ {
			more, ok := s.element(n)
			if !ok {
				return false
			}
			if !more {
				return true
			}
			if !s.skip(depth + 1) {
				return false
			}
		}
	case c == 't':
		return s.lit("true")
	case c == 'f':
		return s.lit("false")
	case c == 'n':
		return s.null()
	default:
		return s.number()
	}
}
