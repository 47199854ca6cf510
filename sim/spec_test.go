package sim

import (
	"math"
	"testing"
)

// expectedAcceptanceLength is 1 + sum of p^i for i = 1..k: the tokens a
// verification step emits when each draft position is accepted with
// probability p given the ones before it.
func expectedAcceptanceLength(k int, p float64) float64 {
	al := 1.0
	for i := 1; i <= k; i++ {
		al += math.Pow(p, float64(i))
	}
	return al
}

func TestExpectedAcceptanceLength(t *testing.T) {
	if got := expectedAcceptanceLength(4, 0.7); math.Abs(got-2.7731) > 1e-9 {
		t.Errorf("AL(4, 0.7) = %v, want 2.7731", got)
	}
}

// TestSpeculativeAcceptance runs requests with speculative decoding in
// virtual time and measures the acceptance length three ways: from the
// counters, from the per-response draft counts, and from the tokens of each
// event (step) except each request's last, which the output cap may cut.
func TestSpeculativeAcceptance(t *testing.T) {
	tests := []struct {
		k int
		p float64
	}{
		{4, 0.7},
		{2, 0.5},
		{5, 0.9},
		{3, 0},
	}
	for _, tt := range tests {
		cfg := DefaultConfig()
		cfg.Spec = Spec{Tokens: tt.k, Acceptance: tt.p}
		r := simulate(t, cfg, burst(200, 256, 300))
		s := r.stats
		want := expectedAcceptanceLength(tt.k, tt.p)
		counters := 1 + float64(s.specAccepted)/float64(s.specDrafts)
		var draftTokens, accepted, steps, eventTokens, events int
		for _, o := range r.out {
			if o.tokens != 300 {
				t.Fatalf("k=%d p=%v: %d tokens, want 300", tt.k, tt.p, o.tokens)
			}
			draftTokens += o.result.draftTokens
			accepted += o.result.accepted
			steps += o.result.drafts
			for _, n := range o.events[1 : len(o.events)-1] { // not the prefill's token, not the capped last
				eventTokens += n
				events++
			}
		}
		response := 1 + float64(accepted)/float64(draftTokens/tt.k)
		perEvent := float64(eventTokens) / float64(events)
		// Standard error of the mean of the per-step accepted count.
		var mean, sq float64
		for i := 0; i <= tt.k; i++ {
			pi := math.Pow(tt.p, float64(i))
			if i < tt.k {
				pi *= 1 - tt.p
			}
			mean += float64(i) * pi
			sq += float64(i*i) * pi
		}
		se := math.Sqrt((sq-mean*mean)/float64(s.specDrafts)) + 1e-9
		t.Logf("k=%d p=%.1f: AL want %.4f; counters %.4f, responses %.4f, events %.4f (%d steps, SE %.4f); per position %v",
			tt.k, tt.p, want, counters, response, perEvent, s.specDrafts, se, s.acceptedPerPos)
		for name, got := range map[string]float64{"counters": counters, "responses": response, "events": perEvent} {
			if math.Abs(got-want) > 4*se+0.002 {
				t.Errorf("k=%d p=%v: %s acceptance length %.4f, want %.4f within 4 SE (%.4f)", tt.k, tt.p, name, got, want, se)
			}
		}
		if s.specDraftTokens != uint64(tt.k)*s.specDrafts || uint64(draftTokens) != s.specDraftTokens || uint64(accepted) != s.specAccepted {
			t.Errorf("k=%d: draft tokens %d (responses %d), drafts %d, accepted %d (responses %d): inconsistent",
				tt.k, s.specDraftTokens, draftTokens, s.specDrafts, s.specAccepted, accepted)
		}
		for i, n := range s.acceptedPerPos {
			rate, want := float64(n)/float64(s.specDrafts), math.Pow(tt.p, float64(i+1))
			if math.Abs(rate-want) > 4*math.Sqrt(want*(1-want)/float64(s.specDrafts))+0.002 {
				t.Errorf("k=%d p=%v: position %d accepted at %.4f, want %.4f", tt.k, tt.p, i, rate, want)
			}
		}
	}
}

// TestSpeculativeSpeedsDecode: at batch 1 a decode step is memory-bound, so
// verifying drafts is nearly free and the time per output token falls by
// about the acceptance length, less the draft cost.
func TestSpeculativeSpeedsDecode(t *testing.T) {
	plain := simulate(t, DefaultConfig(), burst(1, 512, 512)).out[0].tpot()
	cfg := DefaultConfig()
	cfg.Spec = Spec{Tokens: 4, Acceptance: 0.7}
	spec := simulate(t, cfg, burst(1, 512, 512)).out[0].tpot()
	speedup := float64(plain) / float64(spec)
	t.Logf("batch 1: TPOT %v plain, %v with k=4 p=0.7: %.2fx", plain, spec, speedup)
	if speedup < 1.8 || speedup > 2.8 {
		t.Errorf("speed-up %.2f, want 1.8-2.8 (AL 2.77 less 4 drafts at %.0f%% of a step)", speedup, 100*DefaultDraftCost)
	}
}
