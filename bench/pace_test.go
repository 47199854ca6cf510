package bench

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkPacer drives the pacing loop at the open-loop rates
// with senders that do nothing, and reports what the loop alone costs:
// lag (hand-over time - intended start) p50 and p99 in ms, the achieved
// share of the intended rate, the process's CPU time over the wall time
// (%: 100 is one core busy), and allocations per request. spin=0 sleeps on
// the timer alone, spin=1ms always yields the last millisecond, adaptive
// is what runs use.
func BenchmarkPacer(b *testing.B) {
	for _, rate := range []int{100, 2000, 5000} {
		for _, spin := range []time.Duration{0, maxSpin, -1} {
			name := fmt.Sprintf("rate=%d/spin=%v", rate, spin)
			if spin < 0 {
				name = fmt.Sprintf("rate=%d/spin=adaptive", rate)
			}
			b.Run(name, func(b *testing.B) {
				benchPacer(b, rate, spin)
			})
		}
	}
}

func benchPacer(b *testing.B, rate int, spin time.Duration) {
	p := newPacer()
	if spin >= 0 {
		p.spin, p.fixed = spin, true
	}
	var ran atomic.Int64
	s := newSenders(func(sendJob) { ran.Add(1) })
	lags := make([]float64, b.N)
	gap := time.Second / time.Duration(rate)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := ProcessCPU()
	start := time.Now()
	for n := range b.N {
		sched := start.Add(time.Duration(n) * gap)
		if !p.wait(context.Background(), sched) {
			b.Fatal("wait failed")
		}
		s.send(sendJob{sched: sched})
		lags[n] = Ms(time.Since(sched))
	}
	elapsed := time.Since(start)
	cpu := ProcessCPU() - cpu0
	b.StopTimer()
	s.close()
	if ran.Load() != int64(b.N) {
		b.Fatalf("%d jobs ran of %d", ran.Load(), b.N)
	}
	slices.Sort(lags)
	b.ReportMetric(lags[len(lags)/2], "lag-p50-ms")
	b.ReportMetric(lags[len(lags)*99/100], "lag-p99-ms")
	// Achieved: the requests over the time their schedule spanned plus the
	// last one's lag, as a share of the rate.
	if cpu0 >= 0 {
		b.ReportMetric(float64(cpu)/float64(elapsed)*100, "cpu-%")
	}
	intended := time.Duration(b.N-1) * gap
	b.ReportMetric(100*float64(intended)/float64(max(elapsed, intended)), "achieved-%")
}

// TestPacerWaitsForEachStart: wait returns no earlier than the intended
// start, and at once for a start already past; a cancelled context ends a
// wait.
func TestPacerWaitsForEachStart(t *testing.T) {
	p := newPacer()
	start := time.Now()
	for k := range 5 {
		at := start.Add(time.Duration(k) * 2 * time.Millisecond)
		if !p.wait(context.Background(), at) {
			t.Fatal("wait failed")
		}
		if now := time.Now(); now.Before(at) {
			t.Fatalf("start %d: returned %v before its time", k, at.Sub(now))
		}
	}
	if !p.wait(context.Background(), start.Add(-time.Hour)) {
		t.Fatal("a past start must not wait")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if p.wait(ctx, time.Now().Add(time.Hour)) {
		t.Fatal("a cancelled wait reported its start reached")
	}
}

// TestSendersGrowAndReuse: jobs handed out while every sender is busy
// start new senders; once they are idle, later jobs reuse them, and close
// waits for all.
func TestSendersGrowAndReuse(t *testing.T) {
	release := make(chan struct{})
	var ran, live, peak atomic.Int64
	s := newSenders(func(j sendJob) {
		n := live.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		if j.id == "hold" {
			<-release
		}
		live.Add(-1)
		ran.Add(1)
	})
	for range 4 {
		s.send(sendJob{id: "hold"})
	}
	for peak.Load() < 4 { // all four run at once: none waited for another
		time.Sleep(time.Millisecond)
	}
	close(release)
	for ran.Load() < 4 {
		time.Sleep(time.Millisecond)
	}
	for range 100 {
		s.send(sendJob{})
	}
	s.close()
	if ran.Load() != 104 {
		t.Fatalf("%d jobs ran, want 104", ran.Load())
	}
}
