package pricing

import (
	"math"
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

// FuzzReadSweep feeds arbitrary bytes as a sweep.json and a point's
// summary.json: never a panic, every error names the package, and what is
// accepted has no negative figure and can be priced and planned without a
// panic or a non-finite result.
func FuzzReadSweep(f *testing.F) {
	index := `{"kind": "sweep", "param": "concurrency", "points": [{"param": "concurrency", "value": 64, "dir": "c64"}]}`
	sum, err := os.ReadFile("testdata/sweep-h100/concurrency-64/summary.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(index), sum)
	f.Add([]byte(index), []byte(summaryOK))
	f.Add([]byte(`{"points": [{"dir": "../x"}]}`), []byte(summaryOK))
	f.Add([]byte(`{"points": [{"dir": "c64"}]}`), []byte(`{"requests": {"total": 1, "ok": 1}, "throughput": {"output_tokens_per_s": 1e308}, "tpot_ms": {"p50": 1e-308}}`))
	f.Add([]byte(`{"points": [{"dir": "c64"}]}`), []byte(`{"requests": {"ok": 1, "total": 1}, "throughput": {}, "goodput": {"slo": {"ttft_ms": 5}, "slo_attainment": 1}}`))
	f.Add([]byte(`nope`), []byte(`{}`))
	cat, err := Load()
	if err != nil {
		f.Fatal(err)
	}
	qs, err := cat.Quotes(Options{GPU: "h100", GPUs: 8, Tier: "hyperscaler"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, idx, summary []byte) {
		s, err := ReadSweep(fstest.MapFS{"sweep.json": {Data: idx}, "c64/summary.json": {Data: summary}}, "sw", parseRunSummary)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "pricing: ") {
				t.Fatalf("error %q does not name the package", err)
			}
			return
		}
		for _, r := range s.Runs {
			if r.OK < 0 || r.OutputTokensPerS < 0 || r.TPOTMS == nil || !(r.TPOTMS.P50 > 0) {
				t.Fatalf("accepted a run it cannot use: %+v", r)
			}
		}
		if c, err := PriceSweep(s, 50, qs); err == nil {
			if !finite(c.ThroughputPerGPU) || c.ThroughputPerGPU <= 0 {
				t.Fatalf("throughput per GPU %v", c.ThroughputPerGPU)
			}
		}
		bound := 500.0
		o := PlanOptions{LoadRequestsPerS: 100, InputTokens: 1000, OutputTokens: 200, GPUsPerReplica: 8, Headroom: 0.2, SLO: SLO{TTFTMS: &bound}}
		if p, err := NewPlan(s, o, qs); err == nil {
			if p.Replicas < 1 || math.IsNaN(p.HeadroomLeft) {
				t.Fatalf("plan %+v", p)
			}
		}
	})
}
