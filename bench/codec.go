package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// RecordsFile is the name of the per-request records file in a results directory.
const RecordsFile = "requests.jsonl"

// Sink receives every finished Record. Runner calls Write from many
// goroutines; implementations serialise themselves.
type Sink interface {
	Write(Record) error
}

// SinkFunc adapts a function to a Sink.
type SinkFunc func(Record) error

// Write calls f(r).
func (f SinkFunc) Write(r Record) error { return f(r) }

// JSONLWriter appends records to w as JSON lines. Each record is encoded into
// a buffer and handed to w in a single Write, so that with an *os.File every
// finished request reaches the kernel at once and survives a crash of
// tokenbench; a torn line can only be the last one.
type JSONLWriter struct {
	mu  sync.Mutex
	w   io.Writer
	buf bytes.Buffer
	enc *json.Encoder
}

// NewJSONLWriter returns a JSONLWriter appending to w.
func NewJSONLWriter(w io.Writer) *JSONLWriter {
	j := &JSONLWriter{w: w}
	j.enc = json.NewEncoder(&j.buf)
	j.enc.SetEscapeHTML(false)
	return j
}

// Write encodes r as one line and writes it.
func (j *JSONLWriter) Write(r Record) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.buf.Reset()
	if err := j.enc.Encode(&r); err != nil {
		return fmt.Errorf("bench: encode record %s: %w", r.RequestID, err)
	}
	if _, err := j.w.Write(j.buf.Bytes()); err != nil {
		return fmt.Errorf("bench: write record %s: %w", r.RequestID, err)
	}
	return nil
}

// Warning reports a recoverable problem found while reading records.
type Warning struct {
	Line int
	Msg  string
}

func (w Warning) String() string { return fmt.Sprintf("line %d: %s", w.Line, w.Msg) }

// ReadRecords decodes JSON lines from r and calls fn for each record. A last
// line that is not terminated by a newline and does not decode (a write torn
// by a crash) is skipped with a Warning; any other undecodable line is an
// error naming its line number. Blank lines are ignored.
func ReadRecords(r io.Reader, fn func(Record) error) ([]Warning, error) {
	var warns []Warning
	br := bufio.NewReaderSize(r, 64<<10)
	for line := 1; ; line++ {
		b, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(b)) > 0 {
			var rec Record
			if derr := DecodeRecord(b, &rec); derr != nil {
				if errors.Is(err, io.EOF) {
					warns = append(warns, Warning{line, fmt.Sprintf("skipped torn last record (%d bytes): %v", len(b), derr)})
					return warns, nil
				}
				return warns, fmt.Errorf("bench: records line %d: %w", line, derr)
			}
			if ferr := fn(rec); ferr != nil {
				return warns, ferr
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return warns, nil
			}
			return warns, fmt.Errorf("bench: records line %d: %w", line, err)
		}
	}
}

// ReadRecordsFile is ReadRecords over a file; errors name the file.
func ReadRecordsFile(path string, fn func(Record) error) ([]Warning, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	warns, err := ReadRecords(f, fn)
	if err != nil {
		return warns, fmt.Errorf("%s: %w", path, err)
	}
	return warns, nil
}
