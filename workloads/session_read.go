package workloads

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

// SessionReader yields the sessions of a file in order.
type SessionReader interface {
	// Next returns the next valid session, or io.EOF after the last one.
	// Other errors name the file, line and field.
	Next() (*Session, error)
	// Close releases the file.
	Close() error
}

// ReadSessions reads session JSONL (see Session) from r; name is the file
// name used in errors. Blank lines are skipped, unknown fields are errors
// (a misspelt think_ms would otherwise silently become 0), and session ids
// must be unique.
func ReadSessions(r io.Reader, name string) SessionReader {
	return &sessionJSONL{br: bufio.NewReaderSize(r, 1<<16), name: name, seen: map[string]int{}}
}

type sessionJSONL struct {
	br     *bufio.Reader
	name   string
	line   int
	seen   map[string]int // session id -> line
	closer io.Closer
	err    error
}

func (r *sessionJSONL) Next() (*Session, error) {
	for r.err == nil {
		b, err := r.br.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			r.err = fmt.Errorf("workloads: %s: %w", r.name, err)
			break
		}
		if len(b) > 0 {
			r.line++
		}
		if len(bytes.TrimSpace(b)) > 0 {
			s, derr := decodeSessionLine(b)
			if derr == nil {
				derr = s.Validate()
			}
			if derr == nil {
				if prev, dup := r.seen[s.ID]; dup {
					derr = sessFieldErr("session_id", "%q already used on line %d", s.ID, prev)
				}
			}
			if derr != nil {
				r.err = fmt.Errorf("workloads: %s line %d: %w", r.name, r.line, derr)
				break
			}
			r.seen[s.ID] = r.line
			s.where = fmt.Sprintf("%s line %d", r.name, r.line)
			return s, nil
		}
		if err != nil {
			r.err = io.EOF
		}
	}
	return nil, r.err
}

func (r *sessionJSONL) Close() error {
	if r.closer != nil {
		return r.closer.Close()
	}
	return nil
}

// sessionWire defers turns and tools so that their errors carry an index.
type sessionWire struct {
	ID      string            `json:"session_id"`
	StartMS *float64          `json:"start_ms"`
	System  string            `json:"system"`
	Tools   []json.RawMessage `json:"tools"`
	Hints   *Hints            `json:"hints"`
	Turns   []json.RawMessage `json:"turns"`
}

func decodeSessionLine(b []byte) (*Session, error) {
	var w sessionWire
	if err := sessStrict(b, &w, ""); err != nil {
		return nil, err
	}
	s := &Session{ID: w.ID, StartMS: w.StartMS, System: w.System, Hints: w.Hints}
	for i, raw := range w.Tools {
		var t openai.Tool
		if err := sessStrict(raw, &t, fmt.Sprintf("tools[%d]", i)); err != nil {
			return nil, err
		}
		s.Tools = append(s.Tools, t)
	}
	s.Turns = make([]Turn, len(w.Turns))
	for i, raw := range w.Turns {
		if err := sessStrict(raw, &s.Turns[i], fmt.Sprintf("turns[%d]", i)); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// sessStrict decodes one JSON value into v, rejecting unknown fields and
// trailing data; errors name the field under prefix.
func sessStrict(b []byte, v any, prefix string) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return sessJSONErr(prefix, err)
	}
	if dec.More() {
		return sessFieldErr(sessJoin(prefix, ""), "unexpected data after the JSON value")
	}
	return nil
}

// sessJSONErr turns an encoding/json error into a field error.
func sessJSONErr(prefix string, err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		want := te.Type.Kind().String()
		switch want {
		case "struct", "map", "interface":
			want = "an object"
		case "slice":
			want = "an array"
		case "float64", "int":
			want = "a number"
		}
		return sessFieldErr(sessJoin(prefix, te.Field), "want %s, got %s", want, te.Value)
	case errors.As(err, &se):
		return sessFieldErr(sessJoin(prefix, ""), "invalid JSON at byte %d: %v", se.Offset, se)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return sessFieldErr(sessJoin(prefix, ""), "truncated JSON")
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, `json: unknown field `); ok {
		// encoding/json does not say how deep the field is
		return sessFieldErr(sessJoin(prefix, ""), "unknown field %s", f)
	}
	return sessFieldErr(sessJoin(prefix, ""), "%s", strings.TrimPrefix(msg, "json: "))
}

func sessJoin(prefix, field string) string {
	switch {
	case prefix == "" && field == "":
		return "session"
	case prefix == "":
		return field
	case field == "":
		return prefix
	}
	return prefix + "." + field
}

// WriteSession writes s as one line of session JSONL.
func WriteSession(w io.Writer, s *Session) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // tool output is full of <, > and &
	return enc.Encode(s)
}
