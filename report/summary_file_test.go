package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/tokenbench/tokenbench/pricing"
)

// TestSummaryRoundTrip writes a summary with WriteJSON and reads it back
// with ParseSummary: the same JSON again.
func TestSummaryRoundTrip(t *testing.T) {
	s := summarize(fixtureRecords())
	var first bytes.Buffer
	if err := s.WriteJSON(&first); err != nil {
		t.Fatal(err)
	}
	back, err := ParseSummary("summary.json", first.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	var second bytes.Buffer
	if err := back.WriteJSON(&second); err != nil {
		t.Fatal(err)
	}
	if first.String() != second.String() {
		t.Errorf("round trip differs:\n%s\n---\n%s", first.String(), second.String())
	}
	if tp := back.PricingThroughput(); tp.OutputTokensPerS != s.Throughput.OutputTokensPerS || tp.TotalTokensPerS != s.Throughput.TotalTokensPerS {
		t.Errorf("pricing throughput %+v", tp)
	}
}

func TestParseSummaryErrors(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"not JSON names the line", "{\n\"requests\": {\"ok\": \"many\"}}", "s.json: line 2:"},
		{"sweep.json", `{"kind": "sweep", "points": []}`, "s.json: no requests or throughput field"},
		{"negative rate", `{"throughput": {"output_tokens_per_s": -1}}`, "throughput.output_tokens_per_s is negative (-1)"},
		{"negative count", `{"requests": {"total": 1, "ok": -1}}`, "requests.ok is negative"},
		{"more ok than total", `{"requests": {"total": 2, "ok": 2, "failed": 1}}`, "requests.ok 2 + failed 1 exceed requests.total 2"},
		{"attainment above 1", `{"requests": {"total": 1}, "goodput": {"slo_attainment": 1.5}}`, "goodput.slo_attainment 1.5 is not in [0, 1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseSummary("s.json", []byte(tt.body)); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// FuzzParseSummary feeds arbitrary bytes as summary.json: never a panic,
// every error names the file, and an accepted summary has no negative
// count or rate.
func FuzzParseSummary(f *testing.F) {
	var b bytes.Buffer
	_ = summarize(fixtureRecords()).WriteJSON(&b)
	f.Add(b.Bytes())
	f.Add([]byte(`{"requests": null, "throughput": {"output_tokens_per_s": 1e999}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSummary("summary.json", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "summary.json: ") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if s.Requests.OK < 0 || s.Requests.Failed < 0 || s.Throughput.OutputTokensPerS < 0 || s.Requests.Errors == nil {
			t.Fatalf("accepted %+v", s.Requests)
		}
	})
}

// TestReadSweepRun reads pricing's sweep fixture through report's reader,
// the one cmd uses: every point is read, in order, with its percentiles,
// lengths per request and goodput.
func TestReadSweepRun(t *testing.T) {
	const dir = "../pricing/testdata/sweep-h100"
	s, err := pricing.ReadSweep(os.DirFS(dir), dir, ReadSweepRun)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Runs) < 2 {
		t.Fatalf("%d runs", len(s.Runs))
	}
	for _, r := range s.Runs {
		sum, err := ReadSummary(filepath.Join(dir, r.Dir, SummaryFile))
		if err != nil {
			t.Fatal(err)
		}
		if r.TPOTMS == nil || r.TPOTMS.P99 != sum.TPOTMS.P99 || r.OutputTokensPerS != sum.Throughput.OutputTokensPerS ||
			r.OutputTokensPerRequest != float64(sum.Tokens.Output)/float64(sum.Requests.OK) || r.Label == "" {
			t.Errorf("point %s: %+v", r.Dir, r)
		}
		if (r.Goodput == nil) != (sum.Goodput == nil) {
			t.Errorf("point %s: goodput %v, summary's %v", r.Dir, r.Goodput, sum.Goodput)
		}
	}
	tests := []struct{ name, body, want string }{
		{"negative percentile", `{"requests": {"total": 1, "ok": 1}, "tpot_ms": {"count": 1, "p99": -23}}`, "a/summary.json: tpot_ms.p99 is negative (-23)"},
		{"zero SLO bound", `{"requests": {"total": 1, "ok": 1}, "goodput": {"slo": {"ttft_ms": 0}, "slo_attainment": 1}}`, "goodput.slo has a bound of 0 ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := pricing.ReadSweep(fstest.MapFS{"a/summary.json": {Data: []byte(tt.body)}}, "sw", ReadSweepRun)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "pricing: ") {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestWriteSummaryFile: DIR/summary.json reads back as the summary written,
// with no temporary file left; a directory that is not there is an error
// naming the file, never a half-written summary.
func TestWriteSummaryFile(t *testing.T) {
	s := summarize(fixtureRecords())
	dir := t.TempDir()
	if err := WriteSummaryFile(dir, s); err != nil {
		t.Fatal(err)
	}
	back, err := ReadSummary(filepath.Join(dir, SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	var want, got bytes.Buffer
	if err := s.WriteJSON(&want); err != nil {
		t.Fatal(err)
	}
	if err := back.WriteJSON(&got); err != nil {
		t.Fatal(err)
	}
	if want.String() != got.String() {
		t.Errorf("summary.json reads back otherwise:\n%s\n---\n%s", want.String(), got.String())
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("directory holds %d entries, want summary.json alone", len(ents))
	}
	missing := filepath.Join(dir, "missing")
	if err := WriteSummaryFile(missing, s); err == nil || !strings.Contains(err.Error(), filepath.Join(missing, SummaryFile)) {
		t.Errorf("writing into a missing directory: %v, want an error naming the file", err)
	}
}
