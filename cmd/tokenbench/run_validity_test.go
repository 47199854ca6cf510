package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/report"
)

// fakeHost is a HealthSource for a host tokenbench cannot trust (busy:
// every core used, the scheduler 50 ms late) or an idle one.
type fakeHost struct {
	mu   sync.Mutex
	n    int
	busy bool
}

func (h *fakeHost) Sample() bench.HealthSample {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.n++
	at := time.Unix(1000, 0).Add(time.Duration(h.n) * time.Second)
	cpu := time.Duration(h.n) * 10 * time.Millisecond
	lat := []uint64{uint64(h.n) * 1000, 0, 0}
	if h.busy {
		cpu = time.Duration(h.n) * time.Duration(runtime.GOMAXPROCS(0)) * time.Second
		lat = []uint64{0, 0, uint64(h.n) * 1000}
	}
	return bench.HealthSample{At: at, CPU: cpu, OpenFDs: 20,
		SchedLatency: &metrics.Float64Histogram{Counts: lat, Buckets: []float64{0, 0.0001, 0.01, 0.05}}}
}

// TestRunValidityFromItsOwnHealth: a run on an overloaded host (injected
// readings) is marked invalid with its reasons and warns on the terminal;
// on an idle host it is valid; summarize agrees with the run either way.
func TestRunValidityFromItsOwnHealth(t *testing.T) {
	for _, tt := range []struct {
		name string
		busy bool
		want []string
	}{
		{"idle host", false, nil},
		{"overloaded host", true, []string{"cpu_saturated", "scheduler_latency"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			f, out, errb, _ := testFactory(nil)
			f.Health = &fakeHost{busy: tt.busy}
			code := Main(f, []string{"run", "--requests", "12", "--concurrency", "4", "--input-tokens", "32", "--output-tokens", "4",
				"--no-metrics", "--out", dir, "--output", "json"})
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			var sum report.Summary
			if err := json.Unmarshal(out.Bytes(), &sum); err != nil || sum.Validity == nil {
				t.Fatalf("summary %s: %v", out, err)
			}
			var got []string
			late := false
			for _, r := range sum.Validity.Reasons {
				if r.Check == "engine_late" {
					late = true
					continue // the real in-process engine's lateness: the test host's load, not the injected one
				}
				got = append(got, r.Check)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") || (tt.want != nil && sum.Validity.Valid) {
				t.Errorf("validity %+v, want reasons %v", sum.Validity, tt.want)
			}
			warned := strings.Contains(errb.String(), "WARNING: these numbers may be shaped by the client")
			if warned != tt.busy && !(warned && late) {
				t.Errorf("warning shown %v, want %v: %s", warned, tt.busy, errb.String())
			}
			ri, err := bench.ReadRunInfo(dir)
			if err != nil || ri.Health == nil || ri.Health.EngineTimeScale != 1 {
				t.Fatalf("run.json health %+v err %v", ri.Health, err)
			}
			os.Remove(filepath.Join(dir, "summary.json"))
			f2, out2, errb2, _ := testFactory(nil)
			if code := Main(f2, []string{"summarize", dir, "--output", "json"}); code != 0 {
				t.Fatalf("summarize exit %d: %s", code, errb2.String())
			}
			if !bytes.Equal(out2.Bytes(), out.Bytes()) {
				t.Errorf("summarize gave\n%s\nrun printed\n%s", out2, out)
			}
		})
	}
}

// TestSweepExitsOneWhenAPointMostlyFailed: as a single run does, a sweep
// whose point failed on more than half of its requests exits 1 and names
// the point; its results are written all the same.
func TestSweepExitsOneWhenAPointMostlyFailed(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sweep")
	code, _, errs := mainCode("run", "--clock", "virtual", "--sweep", "concurrency=1,2", "--requests", "6", "--output-tokens", "4",
		"--max-tokens", "4", "--timeout", "1ms", "--no-metrics", "-q", "--out", dir)
	if code != ExitError || !strings.Contains(errs, "more than half of the requests failed at concurrency=1") {
		t.Fatalf("exit %d, want 1 naming the points\n%s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "sweep.json")); err != nil {
		t.Errorf("sweep index not written: %v", err)
	}
}
