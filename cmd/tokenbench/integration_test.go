package main

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/tokenbench/tokenbench/report"
)

// runOK runs tokenbench with args and fails the test on a non-zero exit.
func runOK(t *testing.T, args ...string) {
	t.Helper()
	f, _, errb, _ := testFactory(nil)
	if code := Main(f, args); code != 0 {
		t.Fatalf("tokenbench %v: exit %d: %s", args, code, errb.String())
	}
}

// TestSpeculativeAcceptanceThreeSources runs the built-in engine with 4
// draft tokens accepted with probability 0.7 each: all three sources of
// METRICS.md must measure the acceptance length 1 + sum 0.7^i, i=1..4.
func TestSpeculativeAcceptanceThreeSources(t *testing.T) {
	if testing.Short() {
		t.Skip("a few seconds of streaming")
	}
	dir := filepath.Join(t.TempDir(), "spec")
	runOK(t, "run", "--spec-tokens", "4", "--spec-acceptance", "0.7", "--logprobs", "--requests", "40",
		"--concurrency", "8", "--input-tokens", "128", "--output-tokens", "200", "--metrics-interval", "200ms", "--out", dir, "-q")
	sum, _, err := report.Summarize(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := 1 + 0.7 + 0.49 + 0.343 + 0.2401 // 2.7731
	sp := sum.Engine.Spec
	if sp == nil || sp.Metrics == nil || sp.Response == nil || sp.Events == nil {
		t.Fatalf("spec sources missing: %+v", sp)
	}
	for _, s := range []struct {
		name string
		al   *float64
	}{{"metrics", sp.Metrics.AcceptanceLength}, {"response", sp.Response.AcceptanceLength}, {"events", sp.Events.AcceptanceLength}} {
		// 40 requests of ~72 verification steps: the standard error of the
		// mean tokens per step is about 0.02.
		if s.al == nil || math.Abs(*s.al-want) > 0.12 {
			t.Errorf("%s acceptance length %v, want %.4f +- 0.12", s.name, s.al, want)
		} else {
			t.Logf("%s acceptance length %.4f (want %.4f)", s.name, *s.al, want)
		}
	}
	if r := sp.Metrics.AcceptanceRate; r == nil || math.Abs(*r-(want-1)/4) > 0.03 {
		t.Errorf("metrics acceptance rate %v, want %.4f", r, (want-1)/4)
	}
	if len(sp.Disagreement) != 0 {
		t.Errorf("sources disagree: %v", sp.Disagreement)
	}
}

// TestTraceTimingReproduced replays a Mooncake slice twice as fast: the
// intended starts (t_sched) must keep the trace's gaps, halved, exactly.
func TestTraceTimingReproduced(t *testing.T) {
	trace := "../../examples/data/mooncake_conversation_200.jsonl"
	fh, err := os.Open(trace)
	if err != nil {
		t.Fatal(err)
	}
	var stamps []float64
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() && len(stamps) < 12 {
		var line struct {
			Timestamp float64 `json:"timestamp"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatal(err)
		}
		stamps = append(stamps, line.Timestamp)
	}
	fh.Close()
	dir := filepath.Join(t.TempDir(), "trace")
	runOK(t, "run", "--workload", "mooncake:"+trace, "--time-scale", "2", "--requests", "12",
		"--output-tokens", "8", "--no-metrics", "--sim-speedup", "20", "--out", dir, "-q")
	var sched []float64
	for _, r := range readRecords(t, dir) {
		sched = append(sched, r.TSchedMS)
	}
	sort.Float64s(sched)
	if len(sched) != len(stamps) {
		t.Fatalf("%d records for %d trace lines", len(sched), len(stamps))
	}
	for i := 1; i < len(sched); i++ {
		got, want := sched[i]-sched[0], (stamps[i]-stamps[0])/2
		if math.Abs(got-want) > 1e-3 {
			t.Errorf("request %d scheduled %.4f ms after the first, want %.4f (trace gap / 2)", i, got, want)
		}
	}
}

// TestSweepAndGoodputSearch runs a concurrency sweep and a max-goodput
// search on a small built-in engine (at most 4 sequences at once, so
// queueing sets in at a few requests per second).
func TestSweepAndGoodputSearch(t *testing.T) {
	if testing.Short() {
		t.Skip("several sub-runs")
	}
	base := t.TempDir()
	sweep := filepath.Join(base, "sweep")
	runOK(t, "run", "--sweep", "concurrency=1,4", "--requests", "8", "--input-tokens", "128", "--output-tokens", "16", "--out", sweep, "-q")
	var idx SweepIndex
	b, err := os.ReadFile(filepath.Join(sweep, SweepFile))
	if err != nil || json.Unmarshal(b, &idx) != nil || len(idx.Points) != 2 {
		t.Fatalf("sweep index %s: %v", b, err)
	}
	if idx.Points[1].RequestsPerS <= idx.Points[0].RequestsPerS {
		t.Errorf("4 streams gave %.2f req/s, 1 stream %.2f: no gain from batching", idx.Points[1].RequestsPerS, idx.Points[0].RequestsPerS)
	}

	search := filepath.Join(base, "search")
	runOK(t, "run", "--search-max-goodput", "--slo", "ttft=150ms", "--rate", "4", "--search-steps", "2", "--duration", "2s",
		"--max-batch", "4", "--input-tokens", "256", "--output-tokens", "32", "--no-metrics", "--out", search, "-q")
	b, err = os.ReadFile(filepath.Join(search, SweepFile))
	if err != nil || json.Unmarshal(b, &idx) != nil {
		t.Fatalf("search index %s: %v", b, err)
	}
	if idx.Kind != "search" || idx.MaxGoodputRate == nil || len(idx.Points) < 3 {
		t.Fatalf("search index %+v", idx)
	}
	best := *idx.MaxGoodputRate
	for _, p := range idx.Points {
		met := p.SLOAttainment != nil && *p.SLOAttainment >= 0.9
		if p.Value == best && !met {
			t.Errorf("the answer, rate %g, did not meet the target: %v", best, p.SLOAttainment)
		}
		if p.Value > best && met && p.Value < 2*best {
			t.Logf("rate %s met the target above the answer %g (noise between sub-runs)", strconv.FormatFloat(p.Value, 'g', -1, 64), best)
		}
	}
	t.Logf("max goodput rate %g req/s over %d sub-runs", best, len(idx.Points))
}
