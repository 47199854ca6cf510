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
			if got.String() != want.String() {
				t.Errorf("summary from file:\n%s\nwant:\n%s", got.String(), want.String())
			}
		})
	}
}

func TestSummarizeErrors(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, dir string)
		wantSub string
	}{
		{"missing file", func(*testing.T, string) {}, bench.RecordsFile},
		{"bad line in the middle", func(t *testing.T, dir string) {
			writeRecords(t, dir, nil, "{not json}\n"+`{"request_id":"a"}`+"\n")
		}, "line 1"},
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
