package sim

import (
	"slices"
	"testing"
)

// smallConfig is a deployment small enough to reason about step by step.
func smallConfig(maxBatch, budget, kv int) Config {
	cfg := DefaultConfig()
	cfg.MaxBatch, cfg.TokenBudget = maxBatch, budget
	cfg.MaxModelLen, cfg.KVCapacityTokens = kv, kv
	return cfg
}

func mustAdd(t *testing.T, s *scheduler, prompt, output int) seqID {
	t.Helper()
	id, err := s.add(prompt, output, "length")
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func mustStep(t *testing.T, s *scheduler) step {
	t.Helper()
	st, ok := s.step()
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
			s := newScheduler(smallConfig(4, tt.budget, 32768).withDefaults())
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
	s := newScheduler(smallConfig(2, 1024, 4096).withDefaults())
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
	if got := s.stats(); got.running != 2 || got.waiting != 1 {
		t.Errorf("after step 2: running %d waiting %d, want 2 and 1", got.running, got.waiting)
	}
	for !s.idle() {
		mustStep(t, s)
	}
	if got := s.stats(); got.generationTokens != 16 || got.finished["length"] != 4 || got.kvUsage != 0 {
		t.Errorf("at the end: %+v, want 16 tokens, 4 finished, empty KV", got)
	}
}

func TestKVCapacityLimitsAdmission(t *testing.T) {
	// Each sequence reserves 400+100 tokens: two fit in 1000, the third waits
	// although the batch has room, and so does the small one behind it (FIFO).
	s := newScheduler(smallConfig(8, 4096, 1000).withDefaults())
	for range 3 {
		mustAdd(t, s, 400, 100)
	}
	mustAdd(t, s, 1, 1)
	mustStep(t, s)
	got := s.stats()
	if got.running != 2 || got.waiting != 2 {
		t.Fatalf("running %d waiting %d, want 2 and 2", got.running, got.waiting)
	}
	if want := 802.0 / 1000; got.kvUsage != want {
		t.Errorf("KV usage = %v, want %v", got.kvUsage, want)
	}
	steps := 1 // steps taken so far
	for s.stats().waiting == 2 {
		mustStep(t, s)
		steps++
	}
	// The first two emit their 100th token at the end of step 100; their KV
	// is free for step 101.
	if steps != 101 {
		t.Errorf("third sequence admitted in step %d, want 101", steps)
	}
	if _, err := s.add(900, 101, "length"); err == nil {
		t.Error("add of a sequence larger than the KV cache: no error")
	}
}

func TestCancelFreesSlot(t *testing.T) {
	s := newScheduler(smallConfig(1, 1024, 4096).withDefaults())
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
	st, ok := s.plan()
	if !ok || st.decodeSeqs != 1 {
		t.Fatalf("plan: %v decode %d, want b decoding", ok, st.decodeSeqs)
	}
	if !s.cancel(b) || !s.idle() {
		t.Error("cancel of the last sequence: scheduler not idle")
	}
	if s.commit(&st); len(st.emits) != 0 {
		t.Errorf("commit after cancel emitted %v", st.emits)
	}
	if got := s.stats().finished[reasonAbort]; got != 2 {
		t.Errorf("aborted = %d, want 2", got)
	}
	if s.kvUsed != 0 {
		t.Errorf("KV reserved after cancelling all = %d, want 0", s.kvUsed)
	}
	if _, ok := s.step(); ok {
		t.Error("idle scheduler planned a step")
	}
}
