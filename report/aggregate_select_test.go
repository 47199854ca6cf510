package report

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSelectPercentileMatchesSorted: selection gives percentile's value
// over the sorted samples, for every size, ties and percentile.
func TestSelectPercentileMatchesSorted(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for n := 1; n <= 70; n++ {
		for _, ties := range []bool{false, true} {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = rng.Float64() * 10
				if ties {
					xs[i] = float64(rng.IntN(3))
				}
			}
			sorted := slices.Sorted(slices.Values(xs))
			for _, p := range []float64{0, 1, 50, 90, 99.9, 100} {
				if got, want := selectPercentile(slices.Clone(xs), p), percentile(sorted, p); got != want {
					t.Fatalf("n=%d ties=%v p%v: %v, want %v (%v)", n, ties, p, got, want, xs)
				}
			}
		}
	}
}

// TestMayHoldKey: never false where encoding/json would find the key.
func TestMayHoldKey(t *testing.T) {
	tests := []struct {
		raw  string
		want bool
	}{
		{`{"draft_n":4}`, true},
		{`{"DRAFT_N":4}`, true},
		{`{"dr\u0061ft_n":4}`, true},
		{`{"cache_n":0,"prompt_n":512,"predicted_n":64}`, false},
		{`{}`, false},
		{`{"d":1}`, false},
	}
	for _, tt := range tests {
		if got := mayHoldKey([]byte(tt.raw), "draft_n"); got != tt.want {
			t.Errorf("mayHoldKey(%s) = %v, want %v", tt.raw, got, tt.want)
		}
		var v struct {
			DraftN *float64 `json:"draft_n"`
		}
		if err := json.Unmarshal([]byte(tt.raw), &v); err != nil || (v.DraftN != nil) != tt.want {
			t.Errorf("%s: encoding/json found draft_n: %v (%v), the table says %v", tt.raw, v.DraftN != nil, err, tt.want)
		}
	}
}
