package report

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/tokenbench/tokenbench/internal/golden"

	"github.com/tokenbench/tokenbench/bench"
)

// checkGolden compares got with testdata/name.golden, or rewrites it under -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name+".golden"), got)
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
