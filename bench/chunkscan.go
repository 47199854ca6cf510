package bench

import (
	"encoding/json"
	"strings"
)

// chunkScanner decodes the JSON of one streamed event into a chunk without
// allocating: it scans the bytes once, validating them as strictly as
// encoding/json, and keeps only the fields a chunk has. Whatever it does
// not recognise (a type encoding/json would refuse, a key that differs
// from a field's name only in case, a repeated field, escapes in a key,
// deep nesting, invalid JSON) it hands to json.Unmarshal, so that results
// and errors stay exactly encoding/json's (FuzzChunkScanner compares the
// two on every input the scanner accepts).
//
// Why not github.com/buger/jsonparser or github.com/valyala/fastjson: both
// are lenient (jsonparser validates only what it visits; fastjson accepts
// numbers such as "1-2" and strings with control characters), so keeping
// encoding/json's verdict on every event would take a second, validating
// pass (json.Valid alone costs more than this whole scan); see
// docs/BENCHMARKS.md.
//
// The strings and raw values of a decoded chunk point into the event's
// bytes (or the scanner's scratch buffer for unescaped strings): they are
// valid until the next event. Client.observe copies what it keeps.
type chunkScanner struct {
	data    []byte
	pos     int
	scratch []byte // unescaped strings of the current event

	// Storage the chunk's slices and pointers refer to, reused per event.
	choices []chunkChoice
	lps     []chunkLogprobs
	tools   []toolCallDelta
	ints    []int
	usage   usage
	pd      promptDetails
	cd      completionDetails
}

// maxScanDepth bounds the nesting the scanner follows; deeper values go to
// encoding/json (which allows 10,000 levels).
const maxScanDepth = 64

// decode decodes data, one event's JSON value, into ch; ch's strings are
// valid until the next call. The error is json.Unmarshal's.
func (s *chunkScanner) decode(data []byte, ch *chunk) error {
	if s.scan(data, ch) {
		return nil
	}
	*ch = chunk{}
	return json.Unmarshal(data, ch)
}

// scan decodes data into ch and reports whether it could; false means
// encoding/json must decode it.
func (s *chunkScanner) scan(data []byte, ch *chunk) bool {
	s.data, s.pos = data, 0
	s.scratch = s.scratch[:0]
	s.choices, s.lps, s.tools, s.ints = s.choices[:0], s.lps[:0], s.tools[:0], s.ints[:0]
	*ch = chunk{}
	s.ws()
	if !s.top(ch) {
		return false
	}
	s.ws()
	return s.pos == len(s.data)
}

// fields tracks the members of one object: which wanted keys were seen
// (a repeated one goes to encoding/json, which merges repeats).
type fields struct {
	n    int
	seen uint16
}

// once marks wanted key k seen, and reports false if it was already.
func (f *fields) once(k int) bool {
	if f.seen&(1<<k) != 0 {
		return false
	}
	f.seen |= 1 << k
	return true
}

// member moves to the next member of an object whose '{' was consumed:
// it returns its key (the value follows), or more == false at the '}'.
func (s *chunkScanner) member(f *fields) (key []byte, more, ok bool) {
	s.ws()
	if s.pos >= len(s.data) {
		return nil, false, false
	}
	if f.n > 0 {
		switch s.data[s.pos] {
		case '}':
			s.pos++
			return nil, false, true
		case ',':
			s.pos++
			s.ws()
		default:
			return nil, false, false
		}
	} else if s.data[s.pos] == '}' {
		s.pos++
		return nil, false, true
	}
	f.n++
	if s.pos >= len(s.data) || s.data[s.pos] != '"' {
		return nil, false, false
	}
	start := s.pos + 1
	esc, ok := s.skipString()
	if !ok || esc {
		return nil, false, false // a key with escapes may unescape to a field's name
	}
	key = s.data[start : s.pos-1]
	s.ws()
	if s.pos >= len(s.data) || s.data[s.pos] != ':' {
		return nil, false, false
	}
	s.pos++
	s.ws()
	return key, true, true
}

// other skips the value of a key that is none of wanted; a key that
// encoding/json would match to one of them (it ignores case) is not. Keys
// reach here in ASCII without escapes (member hands the others to
// encoding/json), so only one with an upper-case letter can match.
func (s *chunkScanner) other(key []byte, wanted []string, depth int) bool {
	for _, c := range key {
		if 'A' <= c && c <= 'Z' {
			for _, w := range wanted {
				if strings.EqualFold(view(key), w) {
					return false
				}
			}
			break
		}
	}
	return s.skip(depth)
}

// open consumes '{' (true) or null (false, with ok); anything else fails.
func (s *chunkScanner) open(c byte) (isOpen, ok bool) {
	if s.pos < len(s.data) && s.data[s.pos] == c {
		s.pos++
		return true, true
	}
	return false, s.null()
}

// members reads the members of an object whose '{' was consumed up to its
// '}'. A key that is keys[k] is wanted: value reads its value, once. Any
// other key goes to other, at depth.
func (s *chunkScanner) members(keys []string, depth int, value func(k int) bool) bool {
	var f fields
	for {
		key, more, ok := s.member(&f)
		if !ok || !more {
			return ok
		}
		if k := wanted(key, keys); k >= 0 {
			ok = f.once(k) && value(k)
		} else {
			ok = s.other(key, keys, depth)
		}
		if !ok {
			return false
		}
	}
}

// wanted is the index of key in keys, or -1. Keys are not empty; most
// differ in their first byte, which is compared before the rest.
func wanted(key []byte, keys []string) int {
	if len(key) == 0 {
		return -1
	}
	for k, w := range keys {
		if len(w) == len(key) && w[0] == key[0] && string(key) == w {
			return k
		}
	}
	return -1
}

// object reads an object through members, or null (present == false).
func (s *chunkScanner) object(keys []string, depth int, value func(k int) bool) (present, ok bool) {
	isOpen, ok := s.open('{')
	if !isOpen {
		return false, ok
	}
	return true, s.members(keys, depth, value)
}

// element moves to the next element of an array whose '[' was consumed;
// more == false at the ']'.
func (s *chunkScanner) element(n int) (more, ok bool) {
	s.ws()
	if s.pos >= len(s.data) {
		return false, false
	}
	if s.data[s.pos] == ']' {
		s.pos++
		return false, true
	}
	if n > 0 {
		if s.data[s.pos] != ',' {
			return false, false
		}
		s.pos++
		s.ws()
	}
	return true, true
}

// array reads an array, calling elem to read each of its n elements, or
// null (present == false, n == 0).
func (s *chunkScanner) array(elem func() bool) (n int, present, ok bool) {
	isOpen, ok := s.open('[')
	if !isOpen {
		return 0, false, ok
	}
	for ; ; n++ {
		more, ok := s.element(n)
		if !ok || !more {
			return n, true, ok
		}
		if !elem() {
			return n, true, false
		}
	}
}
