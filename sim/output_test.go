package sim

import (
	"fmt"
	"slices"
	"testing"

	"github.com/tokenbench/tokenbench/workloads"
)

func TestPlanAnswer(t *testing.T) {
	body := []byte(`{"prompt":"x"}`)
	tests := []struct {
		name           string
		max, min       int
		ignoreEOS      bool
		wantTokens     int // 0: natural, checked against the bounds
		wantReason     string
		wantMin, bound int
	}{
		{"ignore_eos gives max_tokens", 37, 0, true, 37, reasonLength, 0, 0},
		{"cap below natural", 1, 0, false, 1, reasonLength, 0, 0},
		{"min_tokens equal to max", 50, 50, false, 50, reasonLength, 0, 0},
		{"natural within bounds", 100000, 10, false, 0, reasonStop, 10, 100000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := planAnswer(7, body, tt.max, tt.min, tt.ignoreEOS)
			if tt.wantTokens != 0 && a.tokens != tt.wantTokens {
				t.Errorf("tokens = %d, want %d", a.tokens, tt.wantTokens)
			}
			if tt.wantTokens == 0 && (a.tokens < tt.wantMin || a.tokens >= tt.bound) {
				t.Errorf("tokens = %d, want %d..%d", a.tokens, tt.wantMin, tt.bound)
			}
			if a.reason != tt.wantReason {
				t.Errorf("reason = %q, want %q", a.reason, tt.wantReason)
			}
			if got := workloads.ApproxTokens(a.text()); got != a.tokens {
				t.Errorf("text has %d tokens, want %d", got, a.tokens)
			}
		})
	}
}

// TestNaturalLengthDistribution checks the median of natural lengths over
// many bodies; it is deterministic for the seed.
func TestNaturalLengthDistribution(t *testing.T) {
	const n = 2001
	lengths := make([]int, n)
	for i := range lengths {
		body := []byte(fmt.Sprintf(`{"prompt":"request %d"}`, i))
		lengths[i] = planAnswer(1, body, 1<<20, 0, false).tokens
	}
	slices.Sort(lengths)
	if med := lengths[n/2]; med < 180 || med > 220 {
		t.Errorf("median natural length = %d, want about %d", med, naturalMedianTokens)
	}
	if lengths[0] < 1 {
		t.Errorf("shortest natural length = %d, want >= 1", lengths[0])
	}
}
