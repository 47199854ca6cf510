package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
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
//
// A failed write (a full disk) is not retried: the file is cut back to its
// last whole line (when w can Truncate), and every later Write returns the
// same error, so the run stops and nothing is appended to a torn line. A
// record is counted (Written) only once it is whole in w, so a summary
// built from the records Write accepted counts exactly what is on disk.
type JSONLWriter struct {
	mu  sync.Mutex
	w   io.Writer
	buf bytes.Buffer
	enc *json.Encoder

	base     int64 // size of w before the first record (an appended file)
	good     int64 // bytes of whole records written by this writer
	written  int   // records whole in w
	lost     int   // records refused after the failure
	failed   error // sticky
	truncErr error
}

// NewJSONLWriter returns a JSONLWriter appending to w.
func NewJSONLWriter(w io.Writer) *JSONLWriter {
	j := &JSONLWriter{w: w}
	j.enc = json.NewEncoder(&j.buf)
	j.enc.SetEscapeHTML(false)
	if st, ok := w.(interface{ Stat() (os.FileInfo, error) }); ok {
		if fi, err := st.Stat(); err == nil && fi.Mode().IsRegular() {
			j.base = fi.Size()
		}
	}
	return j
}

// Write encodes r as one line and writes it. After a failed write it
// refuses every record with the first failure's error.
func (j *JSONLWriter) Write(r Record) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.failed != nil {
		j.lost++
		return j.failed
	}
	j.buf.Reset()
	if err := j.enc.Encode(&r); err != nil {
		return fmt.Errorf("bench: encode record %s: %w", r.RequestID, err)
	}
	n, err := j.w.Write(j.buf.Bytes())
	if err == nil && n < j.buf.Len() {
		err = io.ErrShortWrite
	}
	if err != nil {
		j.failed = j.fail(r.RequestID, err)
		return j.failed
	}
	j.good += int64(n)
	j.written++
	return nil
}

// fail cuts w back to its last whole line and builds the error that stops
// the run.
func (j *JSONLWriter) fail(id string, err error) error {
	name := "the records file"
	if nm, ok := j.w.(interface{ Name() string }); ok {
		name = nm.Name()
	}
	cut := "cut back to its last whole line"
	if t, ok := j.w.(interface{ Truncate(int64) error }); ok {
		if terr := t.Truncate(j.base + j.good); terr != nil {
			j.truncErr = terr
			cut = fmt.Sprintf("could not be cut back (%v): its last line may be torn, and readers skip it", terr)
		}
	} else {
		cut = "not truncatable: its last line may be torn, and readers skip it"
	}
	return fmt.Errorf("bench: write record %s: %w; %s holds the %d records written before (%s); the run stops", id, err, name, j.written, cut)
}

// Written is the number of records whole in w.
func (j *JSONLWriter) Written() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.written
}

// Lost is the number of finished records refused after a failed write.
func (j *JSONLWriter) Lost() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.lost
}

// Warning reports a recoverable problem found while reading records.
type Warning struct {
	Line int
	Msg  string
}

func (w Warning) String() string { return fmt.Sprintf("line %d: %s", w.Line, w.Msg) }

// ReadRecords decodes JSON lines from r and calls fn for each record. A line
// that does not decode, anywhere in the file (a write torn by a crash or a
// full disk, a stray edit), is skipped and returned as a Warning naming its
// line; the lines after it are read as usual. Blank lines are ignored. A
// file where some lines are corrupt and none decodes is an error: it is not
// a records file.
func ReadRecords(r io.Reader, fn func(Record) error) ([]Warning, error) {
	var warns []Warning
	decoded := 0
	br := bufio.NewReaderSize(r, 64<<10)
	for line := 1; ; line++ {
		b, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(b)) > 0 {
			var rec Record
			if derr := DecodeRecord(b, &rec); derr != nil {
				what := "corrupt record"
				if errors.Is(err, io.EOF) {
					what = "torn last record"
				}
				warns = append(warns, Warning{line, fmt.Sprintf("skipped %s (%d bytes): %v", what, len(b), derr)})
			} else {
				decoded++
				if ferr := fn(rec); ferr != nil {
					return warns, ferr
				}
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				return warns, fmt.Errorf("bench: records line %d: %w", line, err)
			}
			if decoded == 0 && len(warns) > 0 {
				return warns, fmt.Errorf("bench: no line decodes as a record (%d skipped, first %s)", len(warns), warns[0])
			}
			return warns, nil
		}
	}
}

// SkippedLines counts the warnings of ReadRecords that are skipped lines.
func SkippedLines(warns []Warning) int {
	n := 0
	for _, w := range warns {
		if strings.HasPrefix(w.Msg, "skipped ") {
			n++
		}
	}
	return n
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
