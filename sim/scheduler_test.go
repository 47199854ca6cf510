package sim

import (
	"slices"
	"testing"
)

// smallConfig is a deployment small enough to reason about step by step:
// kv tokens of cache in blocks of 16.
func smallConfig(maxBatch, budget, kv int) Config {
	cfg := DefaultConfig()
	cfg.MaxBatch, cfg.TokenBudget = maxBatch, budget
	cfg.MaxModelLen, cfg.KVCapacityTokens = kv, kv
	return cfg
}

func newTestScheduler(t *testing.T, cfg Config) *scheduler {
	t.Helper()
	d, err := cfg.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	return newScheduler(d)
}

func mustAdd(t *testing.T, s *scheduler, prompt, output int) seqID {
	t.Helper()
	id, err := s.add(seqRequest{prompt: prompt, output: output, reason: reasonLength, key: uint64(s.nextID + 1)}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func mustStep(t *testing.T, s *scheduler) step {
	t.Helper()
	st, ok := s.step(0)
	if !ok {
		t.Fatal("step: nothing to do")
	}
	return st
}

func emitted(st step) []seqID {
	var ids []seqID
	for _, e := range st.emits {
		ids = append(ids, e.id)
	}
	return ids
}

func TestChunkedPrefill(t *testing.T) {
	tests := []struct {
		name        string
		budget      int
		prompt      int
		wantChunks  []int // prefill tokens of each step until the first token
		wantContext []int
	}{
		{"fits one step", 8192, 512, []int{512}, []int{512}},
		{"exact budget", 1000, 1000, []int{1000}, []int{1000}},
		{"three chunks", 8192, 20000, []int{8192, 8192, 3616}, []int{8192, 16384, 20000}},
		{"empty prompt still runs", 64, 0, []int{1}, []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestScheduler(t, smallConfig(4, tt.budget, 32768))
			id := mustAdd(t, s, tt.prompt, 3)
			for i, want := range tt.wantChunks {
				st := mustStep(t, s)
				if st.prefillTokens != want || st.contextTokens != tt.wantContext[i] || st.decodeSeqs != 0 {
					t.Fatalf("step %d: prefill %d context %d decode %d, want prefill %d context %d decode 0",
						i+1, st.prefillTokens, st.contextTokens, st.decodeSeqs, want, tt.wantContext[i])
				}
				last := i == len(tt.wantChunks)-1
				if got := emitted(st); last != slices.Equal(got, []seqID{id}) {
					t.Fatalf("step %d emitted %v, want a first token only after the last chunk", i+1, got)
				}
			}
			if st := mustStep(t, s); st.prefillTokens != 0 || st.decodeSeqs != 1 {
				t.Fatalf("after prefill: prefill %d decode %d, want a decode step", st.prefillTokens, st.decodeSeqs)
			}
			if got := s.stats().promptTokens; got != uint64(tt.prompt) {
				t.Errorf("prompt tokens counter = %d, want %d", got, tt.prompt)
			}
		})
	}
}

func TestQueueingWhenBatchFull(t *testing.T) {
	s := newTestScheduler(t, smallConfig(2, 1024, 4096))
	a := mustAdd(t, s, 10, 1) // finishes at its first token
	b := mustAdd(t, s, 10, 5)
	c := mustAdd(t, s, 10, 5)
	mustAdd(t, s, 10, 5)

	st := mustStep(t, s)
	if got := emitted(st); !slices.Equal(got, []seqID{a, b}) {
		t.Fatalf("step 1 emitted %v, want the first two arrivals %v", got, []seqID{a, b})
	}
	// a finished in step 1, so step 2 decodes b and admits c; d still waits.
	if got := s.stats(); got.running != 1 || got.waiting != 2 {
		t.Fatalf("after step 1: running %d waiting %d, want 1 and 2", got.running, got.waiting)
	}
	st = mustStep(t, s)
	if got := emitted(st); !slices.Equal(got, []seqID{b, c}) {
		t.Fatalf("step 2 emitted %v, want %v (FIFO admission of c before d)", got, []seqID{b, c})
	}
	for !s.idle() {
		mustStep(t, s)
	}
	if got := s.stats(); got.generationTokens != 16 || got.finished["length"] != 4 || got.kvUsage != 0 {
		t.Errorf("at the end: %+v, want 16 tokens, 4 finished, empty KV", got)
	}
}

// TestKVGrowsAndPreempts: three sequences of 200 + 300 tokens share a cache
// of 1024 tokens. Blocks are allocated as they grow, so all three start;
// when the cache fills the newest is preempted, recomputed later, and every
// sequence still gets exactly its tokens, each once.
func TestKVGrowsAndPreempts(t *testing.T) {
	tests := []struct {
		name            string
		noEvict         bool
		wantRunning     int  // after the first step
		wantPreemptions bool // some
	}{
		{"incremental allocation preempts", false, 3, true},
		{"no-evict reserves and queues", true, 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := smallConfig(8, 4096, 1024)
			cfg.NoEvict = tt.noEvict
			s := newTestScheduler(t, cfg)
			ids := []seqID{mustAdd(t, s, 200, 300), mustAdd(t, s, 200, 300), mustAdd(t, s, 200, 300)}
			st := mustStep(t, s)
			if got := s.stats(); got.running != tt.wantRunning {
				t.Fatalf("after step 1: running %d, want %d", got.running, tt.wantRunning)
			}
			if want := float64(3*13) / 64; !tt.noEvict && s.kv.usage() != want {
				t.Errorf("KV usage after prefill = %v, want %v (13 blocks of prompt each)", s.kv.usage(), want)
			}
			last := map[seqID]int{}
			maxWaiting := 0
			for steps := 1; ; steps++ {
				for _, e := range st.emits {
					if e.n <= last[e.id] {
						t.Fatalf("sequence %d went from %d to %d tokens", e.id, last[e.id], e.n)
					}
					last[e.id] = e.n
				}
				maxWaiting = max(maxWaiting, s.stats().waiting)
				if s.idle() {
					break
				}
				if steps > 5000 {
					t.Fatal("no progress")
				}
				st = mustStep(t, s)
			}
			got := s.stats()
			t.Logf("preemptions %d, max waiting %d, generated %d", got.preemptions, maxWaiting, got.generationTokens)
			for _, id := range ids {
				if last[id] != 300 {
					t.Errorf("sequence %d ended with %d tokens, want 300", id, last[id])
				}
			}
			if got.generationTokens != 900 || got.kvUsage != 0 || got.finished[reasonLength] != 3 {
				t.Errorf("end stats %+v, want 900 tokens, an empty cache, 3 finished", got)
			}
			if (got.preemptions > 0) != tt.wantPreemptions || maxWaiting == 0 {
				t.Errorf("preemptions %d, max waiting %d; want preemptions %v and a queue", got.preemptions, maxWaiting, tt.wantPreemptions)
			}
		})
	}
}

func TestSequenceLargerThanCache(t *testing.T) {
	s := newTestScheduler(t, smallConfig(8, 4096, 1024))
	if _, err := s.add(seqRequest{prompt: 900, output: 125}, 0); err == nil {
		t.Error("add of a sequence larger than the KV cache: no error")
	}
	if _, err := s.add(seqRequest{prompt: 900, output: 0}, 0); err == nil {
		t.Error("add of a sequence without output: no error")
	}
}

func TestCancelFreesSlot(t *testing.T) {
	s := newTestScheduler(t, smallConfig(1, 1024, 4096))
	a := mustAdd(t, s, 100, 50)
	b := mustAdd(t, s, 100, 50)
	mustStep(t, s)
	if got := s.stats(); got.running != 1 || got.waiting != 1 {
		t.Fatalf("running %d waiting %d, want 1 and 1", got.running, got.waiting)
	}
	if !s.cancel(a) {
		t.Fatal("cancel of a running sequence: not found")
	}
	if s.cancel(a) {
		t.Error("second cancel: found again")
	}
	st := mustStep(t, s)
	if got := emitted(st); !slices.Equal(got, []seqID{b}) || st.prefillTokens != 100 {
		t.Errorf("after cancel: emitted %v prefill %d, want b admitted and prefilled", got, st.prefillTokens)
	}
	// Cancelled between the plan and the end of a step: the step's work for
	// b is dropped and b emits nothing.
	st, ok := s.plan(0)
	if !ok || st.decodeSeqs != 1 {
		t.Fatalf("plan: %v decode %d, want b decoding", ok, st.decodeSeqs)
	}
	if !s.cancel(b) || !s.idle() {
		t.Error("cancel of the last sequence: scheduler not idle")
	}
	if s.commit(&st); len(st.emits) != 0 {
		t.Errorf("commit after cancel emitted %v", st.emits)
	}
	if got := s.stats(); got.finished[reasonAbort] != 2 || got.kvUsage != 0 {
		t.Errorf("aborted = %d, KV usage %v; want 2 and 0", got.finished[reasonAbort], got.kvUsage)
	}
	if _, ok := s.step(0); ok {
		t.Error("idle scheduler planned a step")
	}
}
