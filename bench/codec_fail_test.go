package bench

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/tokenbench/tokenbench/internal/faults"
)

func TestJSONLWriterFullDisk(t *testing.T) {
	path := filepath.Join(t.TempDir(), RecordsFile)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// One record from an earlier writer: the cut goes back to the file's
	// last whole line, not to zero.
	if err := NewJSONLWriter(f).Write(Record{RequestID: "before", OK: true}); err != nil {
		t.Fatal(err)
	}
	w := NewJSONLWriter(&faults.FullDisk{File: f, OK: 3})
	var firstErr error
	for i := 0; i < 6; i++ {
		err := w.Write(Record{RequestID: "r" + string(rune('0'+i)), OK: true, EventsMS: []float64{1, 2, 3}})
		if i < 3 && err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		if i == 3 {
			firstErr = err
		}
		if i > 3 && !errors.Is(err, firstErr) && err != firstErr {
			t.Errorf("write %d after the failure: %v, want the first error again", i, err)
		}
	}
	if firstErr == nil || !errors.Is(firstErr, syscall.ENOSPC) || !strings.Contains(firstErr.Error(), "holds the 3 records written before") ||
		!strings.Contains(firstErr.Error(), "cut back to its last whole line") {
		t.Fatalf("error %v", firstErr)
	}
	if w.Written() != 3 || w.Lost() != 2 {
		t.Errorf("written %d lost %d, want 3 and 2", w.Written(), w.Lost())
	}
	b, _ := os.ReadFile(path)
	if !bytes.HasSuffix(b, []byte("\n")) || bytes.Count(b, []byte("\n")) != 4 {
		t.Fatalf("file after the failure:\n%s", b)
	}
	var ids []string
	warns, err := ReadRecordsFile(path, func(r Record) error { ids = append(ids, r.RequestID); return nil })
	if err != nil || len(warns) != 0 || strings.Join(ids, ",") != "before,r0,r1,r2" {
		t.Errorf("read back %v, warnings %v, err %v", ids, warns, err)
	}
}

// notTruncatable fails its second write and cannot be cut back.
type notTruncatable struct {
	bytes.Buffer
	n int
}

func (w *notTruncatable) Write(b []byte) (int, error) {
	if w.n++; w.n > 1 {
		w.Buffer.Write(b[:3])
		return 3, errors.New("disk gone")
	}
	return w.Buffer.Write(b)
}

func TestJSONLWriterFailureWithoutTruncate(t *testing.T) {
	var buf notTruncatable
	w := NewJSONLWriter(&buf)
	if err := w.Write(Record{RequestID: "a"}); err != nil {
		t.Fatal(err)
	}
	err := w.Write(Record{RequestID: "b"})
	if err == nil || !strings.Contains(err.Error(), "readers skip it") {
		t.Fatalf("error %v", err)
	}
	// The torn tail is skipped by the reader, with a warning.
	var n int
	warns, rerr := ReadRecords(strings.NewReader(buf.String()), func(Record) error { n++; return nil })
	if rerr != nil || n != 1 || len(warns) != 1 {
		t.Errorf("records %d warnings %v err %v", n, warns, rerr)
	}
}

func TestWriteFileAtomicAndStaleTemp(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "summary.json.tmp"), []byte("{half"), 0o644)
	removed, err := RemoveStaleTemp(dir)
	if err != nil || len(removed) != 1 || removed[0] != "summary.json.tmp" {
		t.Errorf("removed %v err %v", removed, err)
	}
	if err := WriteFileAtomic(filepath.Join(dir, "x.json"), []byte("{}\n")); err != nil {
		t.Fatal(err)
	}
	// A failed rename (the target is a directory) leaves no temporary file.
	os.Mkdir(filepath.Join(dir, "d.json"), 0o755)
	os.WriteFile(filepath.Join(dir, "d.json", "keep"), nil, 0o644)
	if err := WriteFileAtomic(filepath.Join(dir, "d.json"), []byte("{}")); err == nil {
		t.Error("rename onto a non-empty directory succeeded")
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(m) != 0 {
		t.Errorf("temporary files left: %v", m)
	}
}

// FuzzReadRecords: any bytes give records and warnings or an error, never a
// panic, and every line is either read or named in a warning.
func FuzzReadRecords(f *testing.F) {
	f.Add([]byte(`{"request_id":"a","ok":true}` + "\n" + `{"request_id":"b","ok":tr` + "\n" + `{"request_id":"c"}`))
	f.Add([]byte("\n\n{}\n"))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, b []byte) {
		n := 0
		warns, err := ReadRecords(bytes.NewReader(b), func(Record) error { n++; return nil })
		if err != nil {
			return
		}
		lines := 0
		for _, l := range bytes.Split(b, []byte("\n")) {
			if len(bytes.TrimSpace(l)) > 0 {
				lines++
			}
		}
		if n+SkippedLines(warns) != lines {
			t.Errorf("%d records + %d skipped != %d non-blank lines", n, SkippedLines(warns), lines)
		}
	})
}
