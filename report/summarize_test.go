package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/bench"
)

func writeRecords(t *testing.T, dir string, recs []bench.Record, tail string) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, bench.RecordsFile))
	if err != nil {
		t.Fatal(err)
	}
	w := bench.NewJSONLWriter(f)
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.WriteString(tail); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestSummarize(t *testing.T) {
	tests := []struct {
		name      string
		tail      string // appended after the fixture's records
		wantWarns int
	}{
		{"clean file", "", 0},
		{"torn last line", `{"request_id":"r7","ok":true,"t_sta`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeRecords(t, dir, fixtureRecords(), tt.tail)
			s, warns, err := Summarize(dir)
			if err != nil {
				t.Fatalf("Summarize: %v", err)
			}
			if len(warns) != tt.wantWarns {
				t.Errorf("warnings = %v, want %d", warns, tt.wantWarns)
			}
			// The file gives the same summary as the records in memory.
			var got, want strings.Builder
			if err := s.WriteJSON(&got); err != nil {
				t.Fatal(err)
			}
			if err := summarize(fixtureRecords()).WriteJSON(&want); err != nil {
				t.Fatal(err)
			}
			wantJSON := want.String()
			if tt.wantWarns > 0 {
				wantJSON = strings.Replace(wantJSON, `"warmup_excluded"`, `"skipped_lines": 1,
    "warmup_excluded"`, 1)
			}
			if got.String() != wantJSON {
				t.Errorf("summary from file:\n%s\nwant:\n%s", got.String(), wantJSON)
			}
		})
	}
}

// TestSummarizeSkipsCorruptLinesAnywhere: a corrupt line in the middle (a
// write torn by a full disk, then more records) costs that line only.
func TestSummarizeSkipsCorruptLinesAnywhere(t *testing.T) {
	recs := fixtureRecords()
	half := len(recs) / 2
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, bench.RecordsFile))
	if err != nil {
		t.Fatal(err)
	}
	w := bench.NewJSONLWriter(f)
	for i, r := range recs {
		if i == half {
			f.WriteString(`{"request_id":"torn","ok":tr` + "\n")
		}
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	s, warns, err := Summarize(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 1 || warns[0].Line != half+1 || !strings.Contains(warns[0].Msg, "skipped corrupt record") {
		t.Fatalf("warnings %v, want one naming line %d", warns, half+1)
	}
	want := summarize(recs)
	if s.Requests.Total != want.Requests.Total || s.Requests.OK != want.Requests.OK || s.Requests.SkippedLines != 1 {
		t.Errorf("requests %+v, want %+v and one skipped line", s.Requests, want.Requests)
	}
}

func TestSummarizeErrors(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, dir string)
		wantSub string
	}{
		{"missing file", func(*testing.T, string) {}, bench.RecordsFile},
		{"no line is a record", func(t *testing.T, dir string) {
			writeRecords(t, dir, nil, "{not json}\n<html>\n")
		}, "no line decodes as a record (2 skipped, first line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.setup(t, dir)
			s, _, err := Summarize(dir)
			if err == nil || s != nil {
				t.Fatalf("Summarize = %v, %v; want an error", s, err)
			}
			if !strings.HasPrefix(err.Error(), "report: ") || !strings.Contains(err.Error(), tt.wantSub) {
				t.Errorf("error %q should start with report: and mention %q", err, tt.wantSub)
			}
		})
	}
}
