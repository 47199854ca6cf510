package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/tokenbench/tokenbench/bench"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden with the current output")

// checkGolden compares got with testdata/name.golden, or rewrites it under -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s (go test ./report -update to accept):\n--- got\n%s\n--- want\n%s",
			name, path, got, want)
	}
}

func TestRenderGolden(t *testing.T) {
	runs := []struct {
		name string
		recs []bench.Record
	}{
		{"fixture", fixtureRecords()},
		{"all_failed", allFailedRecords()},
		{"empty", nil},
	}
	renderers := []struct {
		name   string
		render func(*Summary, *bytes.Buffer) error
	}{
		{"table", func(s *Summary, b *bytes.Buffer) error { return s.WriteTable(b) }},
		{"json", func(s *Summary, b *bytes.Buffer) error { return s.WriteJSON(b) }},
	}
	for _, run := range runs {
		for _, r := range renderers {
			name := run.name + "_" + r.name
			t.Run(name, func(t *testing.T) {
				var b bytes.Buffer
				if err := r.render(summarize(run.recs), &b); err != nil {
					t.Fatal(err)
				}
				for i, c := range b.Bytes() {
					if c > 0x7e || (c < 0x20 && c != '\n') {
						t.Fatalf("non-ASCII or control byte %#x at %d", c, i)
					}
				}
				checkGolden(t, name, b.Bytes())
			})
		}
	}
}
