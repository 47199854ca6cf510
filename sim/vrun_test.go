package sim

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/workloads"
)

// virtualRun runs spec under load on a fresh clock and engine and returns
// requests.jsonl as written and the records.
func virtualRun(t testing.TB, cfg Config, spec workloads.Spec, load bench.Load) ([]byte, []bench.Record, bench.Outcome) {
	t.Helper()
	src, err := workloads.Open(spec)
	if err != nil {
		t.Fatal(err)
	}
	clock := NewVirtualClock()
	eng, err := NewVirtualEngine(cfg, clock)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	var recs []bench.Record
	w := bench.NewJSONLWriter(&buf)
	sink := bench.SinkFunc(func(r bench.Record) error {
		recs = append(recs, r)
		return w.Write(r)
	})
	load.Epoch = time.Unix(0, 0)
	out, err := RunVirtual(context.Background(), clock, load, src, VirtualClient{Engine: eng, Target: bench.Target{Model: eng.Model()}}, sink)
	if err != nil {
		t.Fatal(err)
	}
	if !eng.Idle() {
		t.Error("engine not idle after the run")
	}
	return buf.Bytes(), recs, out
}

func syntheticSpec(n int) workloads.Spec {
	return workloads.Spec{Kind: "synthetic", Seed: 7, Synthetic: workloads.Synthetic{InputTokens: 256, OutputTokens: 32, ForceLength: true}}
}

func TestVirtualRunClosedLoop(t *testing.T) {
	_, recs, out := virtualRun(t, DefaultConfig(), syntheticSpec(0), bench.Load{Concurrency: 4, Requests: 20, Warmup: 2})
	if len(recs) != 22 || out.Issued != 20 {
		t.Fatalf("records %d issued %d, want 22 and 20", len(recs), out.Issued)
	}
	inflight := map[float64]int{}
	for _, r := range recs {
		if !r.OK || r.OutputTokens != 32 || r.InputTokens != 256 || r.TTFTMS == nil || r.TPOTMS == nil || len(r.EventsMS) != 32 || !r.DoneMarker {
			t.Fatalf("record %+v", r)
		}
		if r.TStartMS != r.TSchedMS {
			t.Errorf("%s: t_start %v != t_sched %v in a closed loop without overhead", r.RequestID, r.TStartMS, r.TSchedMS)
		}
		if _, ok := r.Engine["timings"]; !ok {
			t.Errorf("%s: no engine timings", r.RequestID)
		}
		if !r.Warmup {
			inflight[r.TStartMS]++
		}
	}
	// The measured phase starts after the warm-up has ended, with 4 requests at once.
	if got := inflight[bench.Ms(out.PhaseStart.Sub(out.Epoch))]; got != 4 {
		t.Errorf("%d requests at the phase start, want 4", got)
	}
}

func TestVirtualRunDeterministic(t *testing.T) {
	load := bench.Load{Concurrency: 8, Requests: 40}
	a, _, _ := virtualRun(t, DefaultConfig(), syntheticSpec(0), load)
	b, _, _ := virtualRun(t, DefaultConfig(), syntheticSpec(0), load)
	if !bytes.Equal(a, b) {
		t.Fatal("two virtual runs of the same seed differ")
	}
	cfg := DefaultConfig()
	cfg.Seed = 2
	spec := syntheticSpec(0)
	spec.Synthetic.ForceLength = false
	c, _, _ := virtualRun(t, cfg, spec, load)
	if bytes.Equal(a, c) {
		t.Fatal("another seed gave the same records")
	}
}

func mooncakeSpec(t testing.TB, path string) workloads.Spec {
	if _, err := os.Stat(path); err != nil {
		t.Skipf("no %s: %v", path, err)
	}
	return workloads.Spec{Kind: "mooncake", Path: path, Seed: 1}
}

func TestVirtualRunTrace(t *testing.T) {
	spec := mooncakeSpec(t, filepath.Join("..", "examples", "data", "mooncake_conversation_200.jsonl"))
	_, recs, out := virtualRun(t, DefaultConfig(), spec, traceLoad(t))
	if len(recs) != 200 || out.Issued != 200 {
		t.Fatalf("%d records, %d issued, want 200", len(recs), out.Issued)
	}
	cached := 0
	for _, r := range recs {
		if !r.OK {
			t.Fatalf("%s failed: %s", r.RequestID, r.Error)
		}
		cached += *r.CachedTokens
	}
	if cached == 0 {
		t.Error("no prefix-cache hit over a conversation trace")
	}
}

// traceLoad is an open loop: a trace's timed items start at their offsets.
func traceLoad(t testing.TB) bench.Load {
	a, err := workloads.NewArrival(workloads.ArrivalConstant, 1, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	return bench.Load{Arrival: a}
}

// BenchmarkVirtualMooncake replays the whole Mooncake conversation trace of
// shared data (about 12,000 requests over an hour) on the virtual clock.
func BenchmarkVirtualMooncake(b *testing.B) {
	spec := mooncakeSpec(b, filepath.Join("..", "..", "shared", "data", "traces", "mooncake", "conversation_trace.jsonl"))
	for b.Loop() {
		_, recs, _ := virtualRun(b, DefaultConfig(), spec, traceLoad(b))
		b.ReportMetric(float64(len(recs)), "requests")
	}
}

func BenchmarkVirtualMooncake200(b *testing.B) {
	spec := mooncakeSpec(b, filepath.Join("..", "examples", "data", "mooncake_conversation_200.jsonl"))
	for b.Loop() {
		virtualRun(b, DefaultConfig(), spec, traceLoad(b))
	}
}

// TestVirtualRunHeldBack: the virtual clock counts what a stop or a cap
// held back of a trace as bench.Run does on the real clock.
func TestVirtualRunHeldBack(t *testing.T) {
	spec := mooncakeSpec(t, filepath.Join("..", "examples", "data", "mooncake_conversation_200.jsonl"))
	for _, tt := range []struct {
		name                 string
		load                 bench.Load
		held, delayedAtLeast int
		by                   string
	}{
		{"whole trace, no cap", bench.Load{Trace: true}, 0, 0, ""},
		{"--requests stops it", bench.Load{Trace: true, Requests: 10}, 190, 0, bench.StopRequests},
		{"a cap of 2 delays starts", bench.Load{Trace: true, Concurrency: 2}, 0, 1, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, out := virtualRun(t, DefaultConfig(), spec, tt.load)
			if out.HeldBack != tt.held || out.HeldBackBy != tt.by || out.Workload != 200 {
				t.Errorf("held back %d by %q of %d, want %d by %q of 200", out.HeldBack, out.HeldBackBy, out.Workload, tt.held, tt.by)
			}
			if out.Delayed < tt.delayedAtLeast || (tt.delayedAtLeast == 0 && out.Delayed != 0) {
				t.Errorf("delayed %d, want at least %d", out.Delayed, tt.delayedAtLeast)
			}
		})
	}
}

// TestVirtualEngineAppliesReplayTerms: the virtual clock of `run` applies
// the timing terms the sim-to-real replay fits (frontend overhead, output
// lag, asynchronous scheduling), so a profile validated by `sim validate`
// predicts the same first token when `run --clock virtual` uses it.
func TestVirtualEngineAppliesReplayTerms(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Timing.FrontendOverhead = 3 * time.Millisecond
	cfg.Timing.OutputLag = 0.5
	cfg.Timing.AsyncScheduling = true
	spec := syntheticSpec(1)
	_, recs, _ := virtualRun(t, cfg, spec, bench.Load{Concurrency: 1, Requests: 1})
	if len(recs) != 1 || !recs[0].OK {
		t.Fatalf("records %+v", recs)
	}
	r := recs[0]
	d, err := cfg.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	res, err := Replay(d, []ReplayRequest{{Prompt: r.InputTokens, Output: r.OutputTokens}})
	if err != nil || res[0].Err != nil {
		t.Fatal(err, res[0].Err)
	}
	want := bench.Ms(res[0].TTFT())
	if got := *r.TTFTMS; math.Abs(got-want) > 1e-6 {
		t.Errorf("TTFT %.6f ms on run's virtual clock, %.6f ms in the replay", got, want)
	}
	base := DefaultConfig()
	_, plain, _ := virtualRun(t, base, spec, bench.Load{Concurrency: 1, Requests: 1})
	if !(*r.TTFTMS > *plain[0].TTFTMS+3) {
		t.Errorf("TTFT %.3f ms with the terms, %.3f without: want the frontend overhead and output lag added", *r.TTFTMS, *plain[0].TTFTMS)
	}
	for i := 1; i < len(r.EventsMS); i++ {
		if r.EventsMS[i] < r.EventsMS[i-1] {
			t.Fatalf("events out of order: %v", r.EventsMS)
		}
	}
}

// TestVirtualEngineAsyncSchedulingDefers: at a light load (no queue),
// asynchronous scheduling makes requests that arrive during a step wait one
// more step, so first tokens come later; every request still completes.
// (Under saturation batches form differently and either may be faster.)
func TestVirtualEngineAsyncSchedulingDefers(t *testing.T) {
	a, err := workloads.NewArrival(workloads.ArrivalConstant, 20, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	load := bench.Load{Arrival: a, Requests: 60}
	meanTTFT := func(async bool) float64 {
		cfg := DefaultConfig()
		cfg.Timing.AsyncScheduling = async
		_, recs, _ := virtualRun(t, cfg, syntheticSpec(60), load)
		sum := 0.0
		for _, r := range recs {
			if !r.OK {
				t.Fatalf("async %v: %s failed: %s", async, r.RequestID, r.Error)
			}
			sum += *r.TTFTMS
		}
		if len(recs) != 60 {
			t.Fatalf("async %v: %d records", async, len(recs))
		}
		return sum / float64(len(recs))
	}
	sync, async := meanTTFT(false), meanTTFT(true)
	if !(async > sync) {
		t.Errorf("mean TTFT %.3f ms with asynchronous scheduling, %.3f without: want later first tokens", async, sync)
	}
}
