package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http/httptest"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/workloads"
)

// p50s are the medians of TTFT and TPOT (ms) of successful measured records.
func p50s(t testing.TB, recs []bench.Record) (ttft, tpot float64) {
	t.Helper()
	var a, b []float64
	for _, r := range recs {
		if !r.OK {
			t.Fatalf("%s failed: %s", r.RequestID, r.Error)
		}
		if r.Warmup {
			continue
		}
		a = append(a, *r.TTFTMS)
		if r.TPOTMS != nil {
			b = append(b, *r.TPOTMS)
		}
	}
	med := func(x []float64) float64 { slices.Sort(x); return x[len(x)/2] }
	return med(a), med(b)
}

// realRun runs spec under load against the engine over loopback HTTP on the
// real clock, as `tokenbench run` does.
func realRun(t testing.TB, cfg Config, spec workloads.Spec, load bench.Load) ([]bench.Record, Lateness) {
	t.Helper()
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	defer srv.Close()
	defer e.Close()
	c, err := bench.NewClient(bench.Target{BaseURL: srv.URL + "/v1", Model: e.served})
	if err != nil {
		t.Fatal(err)
	}
	src, err := workloads.Open(spec)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var recs []bench.Record
	if _, err := bench.Run(context.Background(), load, src, c, bench.SinkFunc(func(r bench.Record) error {
		mu.Lock()
		defer mu.Unlock()
		recs = append(recs, r)
		return nil
	})); err != nil {
		t.Fatal(err)
	}
	return recs, e.Lateness()
}

// compareClocks runs the same 200-request closed loop on both clocks and
// returns the relative differences of the virtual p50s from the real ones.
func compareClocks(t testing.TB, timeScale float64, output int) (dTTFT, dTPOT float64, late Lateness) {
	cfg := DefaultConfig()
	cfg.TimeScale = timeScale
	spec := workloads.Spec{Kind: "synthetic", Seed: 3, Synthetic: workloads.Synthetic{InputTokens: 512, InputStddev: 128, OutputTokens: output, OutputStddev: float64(output) / 3, ForceLength: true}}
	load := bench.Load{Concurrency: 8, Requests: 200}
	recs, late := realRun(t, cfg, spec, load)
	rt, rp := p50s(t, recs)
	_, vrecs, _ := virtualRun(t, cfg, spec, load)
	vt, vp := p50s(t, vrecs)
	t.Logf("TimeScale %g, %d output tokens: TTFT p50 real %.3f ms, virtual %.3f ms; TPOT p50 real %.3f ms, virtual %.3f ms; real engine lateness p99 %v max %v",
		timeScale, output, rt, vt, rp, vp, late.P99, late.Max)
	return vt/rt - 1, vp/rp - 1, late
}

// TestVirtualMatchesRealClock: the same closed-loop run on the real clock
// (loopback HTTP, short answers so that it is short) and on the virtual one
// gives the same TTFT and TPOT medians. The tolerance
// covers a loaded 2-core host: over HTTP each request starts a little after
// the previous one ended (client and loopback overhead), which the virtual
// run does not model, and its steps may be late. BenchmarkVirtualVsReal
// measures the difference at the modelled times.
func TestVirtualMatchesRealClock(t *testing.T) {
	if testing.Short() {
		t.Skip("real-clock run")
	}
	// A real run can only be disturbed (late steps, late client
	// goroutines), so up to three are tried; when none agrees, the host
	// did not keep up if its engine was late, and the comparison says
	// nothing.
	var dTTFT, dTPOT float64
	var late Lateness
	for range 3 {
		if dTTFT, dTPOT, late = compareClocks(t, 1, 16); math.Abs(dTTFT) <= 0.10 && math.Abs(dTPOT) <= 0.05 {
			return
		}
	}
	msg := fmt.Sprintf("virtual differs from real by %+.1f%% (TTFT p50), %+.1f%% (TPOT p50); want within 10%% and 5%%", 100*dTTFT, 100*dTPOT)
	if late.P99 > LatenessBound {
		t.Skipf("%s, but the real run's engine was late (p99 %v): the host did not keep up", msg, late.P99)
	}
	t.Error(msg)
}

// BenchmarkVirtualVsReal reports how far the virtual clock's TTFT and TPOT
// medians are from the real clock's on a 200-request closed loop at the
// modelled times (TimeScale 1), in percent.
func BenchmarkVirtualVsReal(b *testing.B) {
	for b.Loop() {
		dTTFT, dTPOT, _ := compareClocks(b, 1, 64)
		b.ReportMetric(100*dTTFT, "ttft_p50_diff_%")
		b.ReportMetric(100*dTPOT, "tpot_p50_diff_%")
	}
}

// TestVirtualRecordsMatchHTTP: request by request, a virtual run records
// what bench.Client records over HTTP, but for the times. (The answer's
// seed differs: over HTTP it is the body's bytes, on the virtual clock the
// request's fields and prompt tokens; so natural lengths, words and
// speculative acceptance draws differ request by request, not in
// distribution. Forced lengths without speculation are equal.)
func TestVirtualRecordsMatchHTTP(t *testing.T) {
	cfg := DefaultConfig()
	cfg.TimeScale = 0.02
	spec := workloads.Spec{Kind: "synthetic", Seed: 5, PrefixTokens: 64, PrefixGroups: 1,
		Synthetic: workloads.Synthetic{InputTokens: 100, OutputTokens: 12, ForceLength: true}}
	load := bench.Load{Concurrency: 1, Requests: 6}
	real, _ := realRun(t, cfg, spec, load)
	_, virt, _ := virtualRun(t, cfg, spec, load)
	if len(real) != len(virt) {
		t.Fatalf("%d records over HTTP, %d virtual", len(real), len(virt))
	}
	for i := range real {
		r, v := real[i], virt[i]
		timings := func(b bench.Record) (m map[string]float64) {
			json.Unmarshal(b.Engine["timings"], &m)
			return map[string]float64{"cache_n": m["cache_n"], "prompt_n": m["prompt_n"], "predicted_n": m["predicted_n"]}
		}
		type same struct {
			ID, Resp, Finish, Source string
			OK, Done                 bool
			Status, In, Out, Cached  int
			Events                   int
			Timings                  map[string]float64
		}
		got := func(b bench.Record) same {
			return same{b.RequestID, b.ResponseID, b.FinishReason, b.TokensSource, b.OK, b.DoneMarker, b.Status,
				b.InputTokens, b.OutputTokens, *b.CachedTokens, len(b.EventsMS), timings(b)}
		}
		if g, w := got(v), got(r); !reflect.DeepEqual(g, w) {
			t.Errorf("request %d: virtual %+v, HTTP %+v", i, g, w)
		}
	}
}
