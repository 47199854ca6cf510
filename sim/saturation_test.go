package sim

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// TestKVSaturation runs Llama-3.1-70B in BF16 on two H100s, whose weights
// leave a few thousand tokens of KV cache per GPU, under a Poisson load of
// 1000/500-token requests. The cache fills, requests queue, running ones are
// preempted and recomputed, and every request still gets its tokens. The
// time series is what /metrics would show at each second.
func TestKVSaturation(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Model, cfg.TP = "llama-3.1-70b", 2
	d, err := cfg.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%v", d)
	s := newScheduler(d)
	rng := rand.New(rand.NewPCG(7, 7))
	const n, in, out = 120, 1000, 500
	arrivals := make([]time.Duration, n)
	at := time.Duration(0)
	for i := range arrivals {
		at += time.Duration(rng.ExpFloat64() / 2 * float64(time.Second)) // 2 requests/s
		arrivals[i] = at
	}
	var (
		now, nextSample time.Duration
		next            int
		series          strings.Builder
		maxWaiting      int
		maxKV           float64
		tokens          = map[seqID]int{}
	)
	fmt.Fprintf(&series, "\n%6s %8s %8s %6s %12s\n", "t_s", "running", "waiting", "kv", "preemptions")
	for {
		for ; next < n && arrivals[next] <= now; next++ {
			if _, err := s.add(seqRequest{prompt: in, output: out, reason: reasonLength, key: uint64(next + 1)}, arrivals[next]); err != nil {
				t.Fatal(err)
			}
		}
		st, ok := s.step(now)
		if !ok {
			if next == n {
				break
			}
			now = arrivals[next]
			continue
		}
		now += st.duration
		for _, e := range st.emits {
			tokens[e.id] = e.n
		}
		g := s.stats()
		maxWaiting, maxKV = max(maxWaiting, g.waiting), max(maxKV, g.kvUsage)
		for ; nextSample <= now; nextSample += 15 * time.Second {
			fmt.Fprintf(&series, "%6.0f %8d %8d %6.2f %12d\n", nextSample.Seconds(), g.running, g.waiting, g.kvUsage, g.preemptions)
		}
	}
	g := s.stats()
	t.Logf("KV cache of %d tokens; %d requests of %d/%d at 2/s: %d preemptions, max waiting %d, max KV usage %.2f, makespan %v%s",
		d.Config.KVCapacityTokens, n, in, out, g.preemptions, maxWaiting, maxKV, now.Round(time.Second), series.String())
	if d.Config.KVCapacityTokens > 32768 {
		t.Errorf("KV cache of %d tokens, want a small one (70B BF16 weights fill most of two H100s)", d.Config.KVCapacityTokens)
	}
	if g.preemptions == 0 || maxWaiting < 10 || maxKV < 0.95 {
		t.Errorf("preemptions %d, max waiting %d, max KV usage %.2f: want a saturated cache", g.preemptions, maxWaiting, maxKV)
	}
	for id, got := range tokens {
		if got != out {
			t.Errorf("sequence %d got %d tokens, want %d", id, got, out)
		}
	}
	if len(tokens) != n || g.kvUsage != 0 || g.generationTokens != n*out {
		t.Errorf("%d sequences finished, %d tokens, KV %v; want %d, %d, 0", len(tokens), g.generationTokens, g.kvUsage, n, n*out)
	}
}
