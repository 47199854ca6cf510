package bench

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"
)

// Why tokenbench reads SSE itself instead of go-openai's ChatCompletionStream:
//   - go-openai's reader returns io.EOF both for "data: [DONE]" and for a body
//     that simply ends, so a truncated stream cannot be told from a finished one;
//   - it reads through a bufio.Reader, which hides when the bytes of an event
//     arrived: several events decoded from one socket read get whatever time
//     the caller happens to take afterwards;
//   - it counts comment and keep-alive lines against an "empty messages"
//     limit and fails long streams that send them; it runs a regexp per line.
// This reader takes its timestamp when the Read that completes an event
// returns, before any JSON decoding, and follows the WHATWG event-stream
// rules (data lines joined by "\n", comments ignored, CR, LF or CRLF line
// ends, dispatch on a blank line). go-openai is still used for request
// types and for the non-streaming calls.

// maxEventBytes bounds one event's data so that a garbage stream cannot make
// the client buffer without limit.
const maxEventBytes = 16 << 20

// errUnterminated marks data returned at end of body without the blank line
// that dispatches an event.
var errUnterminated = errors.New("event not terminated before end of stream")

// errOversize marks a line or event over maxEventBytes.
var errOversize = errors.New("SSE frame too large")

// Buffer sizes of a stream: it starts small, since most events are a few
// hundred bytes and thousands of streams may be open, and grows on demand
// (up to maxEventBytes) with the growth reserved from the run's
// BufferBudget; after a large event it shrinks back.
const (
	initialReadBuf = 4 << 10
	shrinkAbove    = 64 << 10
)

// sseReader splits an event stream into events, timestamping each with the
// arrival of the read that completed it.
type sseReader struct {
	r        io.Reader
	now      func() time.Time
	buf      []byte
	pos, end int
	at       time.Time // when the last Read returned bytes
	data     []byte    // data of the event being assembled
	hasData  bool
	skipLF   bool // previous line ended in CR: a leading LF belongs to it
	readErr  error
	budget   *BufferBudget
	reserved int64 // bytes taken from budget: buf beyond its initial size, and data
}

func newSSEReader(r io.Reader, now func() time.Time) *sseReader {
	return &sseReader{r: r, now: now, buf: make([]byte, initialReadBuf)}
}

// release returns every reserved byte to the budget; the reader is done.
func (s *sseReader) release() {
	s.budget.release(s.reserved)
	s.reserved = 0
}

// take reserves n more bytes from the budget for this reader.
func (s *sseReader) take(n int) error {
	if err := s.budget.reserve(int64(n)); err != nil {
		return err
	}
	s.reserved += int64(n)
	return nil
}

// give returns n of the reader's reserved bytes to the budget.
func (s *sseReader) give(n int) {
	s.budget.release(int64(n))
	s.reserved -= int64(n)
}

// shrink drops buffers a large event left behind, between events.
func (s *sseReader) shrink() {
	if cap(s.data) > shrinkAbove {
		s.give(cap(s.data))
		s.data = nil
	}
	if len(s.buf) > shrinkAbove && s.end-s.pos <= initialReadBuf {
		nb := make([]byte, initialReadBuf)
		n := copy(nb, s.buf[s.pos:s.end])
		s.give(len(s.buf) - initialReadBuf)
		s.buf, s.pos, s.end = nb, 0, n
	}
}

// appendData appends value to the event's data, reserving any growth.
func (s *sseReader) appendData(value []byte) error {
	need := len(s.data) + len(value)
	if need > cap(s.data) {
		c := max(2*cap(s.data), need, 512)
		if err := s.take(c - cap(s.data)); err != nil {
			return err
		}
		nd := make([]byte, len(s.data), c)
		copy(nd, s.data)
		s.data = nd
	}
	s.data = append(s.data, value...)
	return nil
}

// Next returns the data of the next event and the time its last byte
// arrived. The data is valid until the following call. At end of stream it
// returns io.EOF; a pending event cut off by the end comes first, with
// errUnterminated; a failed Read is returned as is, even with part of an
// event buffered (its cause, a timeout or a reset, is what failed).
func (s *sseReader) Next() ([]byte, time.Time, error) {
	s.shrink()
	for {
		line, ok := s.line()
		if !ok {
			if s.readErr != nil {
				if s.readErr != io.EOF {
					return nil, s.at, s.readErr
				}
				if s.hasData {
					s.hasData = false
					return s.data, s.at, errUnterminated
				}
				return nil, s.at, s.readErr
			}
			if err := s.fill(); err != nil {
				return nil, s.at, err
			}
			continue
		}
		if len(line) == 0 {
			if s.hasData {
				s.hasData = false
				return s.data, s.at, nil
			}
			continue
		}
		if line[0] == ':' {
			continue // comment, e.g. ": keep-alive"
		}
		field, value := line, []byte(nil)
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			field, value = line[:i], line[i+1:]
			if len(value) > 0 && value[0] == ' ' {
				value = value[1:]
			}
		}
		if string(field) != "data" {
			continue // event, id, retry: not used by OpenAI-style streams
		}
		if s.hasData {
			value = append([]byte{'\n'}, value...) // rare: multi-line data
		} else {
			s.data = s.data[:0]
		}
		if len(s.data)+len(value) > maxEventBytes {
			return nil, s.at, fmt.Errorf("%w: event larger than %d bytes", errOversize, maxEventBytes)
		}
		if err := s.appendData(value); err != nil {
			return nil, s.at, err
		}
		s.hasData = true
	}
}

// line returns the next complete line without its terminator, or false when
// the buffer holds no complete line. At end of body the rest is one line.
func (s *sseReader) line() ([]byte, bool) {
	if s.skipLF && s.pos < s.end {
		if s.buf[s.pos] == '\n' {
			s.pos++
		}
		s.skipLF = false
	}
	rest := s.buf[s.pos:s.end]
	// The first CR or LF: two vectorised scans cost less than IndexAny's
	// byte-by-byte one.
	i := bytes.IndexByte(rest, '\n')
	head := rest
	if i >= 0 {
		head = rest[:i]
	}
	if j := bytes.IndexByte(head, '\r'); j >= 0 {
		i = j
	}
	if i < 0 {
		if s.readErr == io.EOF && len(rest) > 0 {
			s.pos = s.end
			return rest, true
		}
		return nil, false
	}
	if rest[i] == '\r' {
		if i+1 < len(rest) {
			if rest[i+1] == '\n' {
				s.pos += i + 2
				return rest[:i], true
			}
		} else {
			s.skipLF = true
		}
	}
	s.pos += i + 1
	return rest[:i], true
}

// fill reads more bytes, compacting or growing the buffer as needed.
func (s *sseReader) fill() error {
	if s.pos > 0 {
		n := copy(s.buf, s.buf[s.pos:s.end])
		s.pos, s.end = 0, n
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= maxEventBytes {
			return fmt.Errorf("%w: line longer than %d bytes", errOversize, maxEventBytes)
		}
		grow := len(s.buf)
		if err := s.take(grow); err != nil {
			return err
		}
		nb := make([]byte, len(s.buf)+grow)
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	n, err := s.r.Read(s.buf[s.end:])
	if n > 0 {
		s.at = s.now()
		s.end += n
	}
	if err != nil {
		s.readErr = err
	}
	return nil
}
