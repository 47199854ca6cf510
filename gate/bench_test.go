package gate

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkBootstrap is one baseline check's interval with the default
// 2000 resamples: two runs of 1,000 samples (request latencies), of 10,000
// (ITL gaps of a short run; at DrawBudget) and of 200,000 (ITL gaps of a
// long run: resamples lowered to MinResamples).
func BenchmarkBootstrap(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{1000, 10000, 200000} {
		cur, base := lognormal(rng, n, 20, 0.5), lognormal(rng, n, 20, 0.5)
		for _, stat := range []string{"p50", "p99", "mean"} {
			b.Run(fmt.Sprintf("n=%d/%s", n, stat), func(b *testing.B) {
				for b.Loop() {
					bootstrapRatio(cur, base, stat, 0.95, DefaultResamples, 1)
				}
			})
		}
	}
}

func TestResamplesWithin(t *testing.T) {
	for _, c := range []struct{ resamples, n, want int }{
		{2000, 400, 2000}, {2000, 20000, 2000}, {2000, 40000, 1000}, {2000, 400000, 200}, {2000, 0, 2000},
	} {
		if got := resamplesWithin(c.resamples, c.n); got != c.want {
			t.Errorf("resamplesWithin(%d, %d) = %d, want %d", c.resamples, c.n, got, c.want)
		}
	}
}
