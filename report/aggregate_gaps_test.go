package report

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestGapStatsHistogramError checks the error docs/METRICS.md states for
// ITL once the gaps outnumber the samples kept: count, min and max exact,
// mean and std to rounding, each percentile within 1/2048 of its value
// plus half a nanosecond of the exact interpolated percentile.
func TestGapStatsHistogramError(t *testing.T) {
	tests := []struct {
		name string
		gen  func(*rand.Rand) float64
	}{
		{"decode gaps around 6 ms", func(r *rand.Rand) float64 { return 5 + r.ExpFloat64()*1.5 }},
		{"lognormal over four decades", func(r *rand.Rand) float64 { return math.Exp(r.NormFloat64() * 2) }},
		{"sub-microsecond bursts and stalls", func(r *rand.Rand) float64 {
			if r.IntN(10) == 0 {
				return 1000 + r.Float64()*5000
			}
			return r.Float64() * 0.002
		}},
		{"one value", func(*rand.Rand) float64 { return 7.25 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 4))
			g := gapStats{limit: 1000}
			var all []float64
			for range 50_000 {
				v := tt.gen(rng)
				all = append(all, v)
				g.add(v)
			}
			if g.exactSamples() {
				t.Fatal("50,000 gaps kept exactly with a limit of 1,000")
			}
			got, want := g.distribution(), newDistribution(slices.Clone(all))
			if got.Count != want.Count || got.Min != want.Min || got.Max != want.Max {
				t.Errorf("count/min/max %d %v %v, want %d %v %v", got.Count, got.Min, got.Max, want.Count, want.Min, want.Max)
			}
			if math.Abs(got.Mean-want.Mean) > 1e-9*math.Abs(want.Mean) || math.Abs(got.Std-want.Std) > 1e-9*want.Std+1e-12 {
				t.Errorf("mean/std %v %v, want %v %v", got.Mean, got.Std, want.Mean, want.Std)
			}
			for _, p := range []struct {
				name      string
				got, want float64
			}{{"p50", got.P50, want.P50}, {"p90", got.P90, want.P90}, {"p95", got.P95, want.P95},
				{"p99", got.P99, want.P99}, {"p999", got.P999, want.P999}} {
				if bound := math.Abs(p.want)/2048 + 0.5e-6; math.Abs(p.got-p.want) > bound {
					t.Errorf("%s = %v, exact %v: error %v over the bound %v", p.name, p.got, p.want, math.Abs(p.got-p.want), bound)
				}
			}
			plot, weight := g.plotSamples()
			if !slices.IsSorted(plot) || math.Abs(float64(len(plot))*weight-50_000) > 1e-6 || plot[0] != want.Min || plot[len(plot)-1] != want.Max {
				t.Errorf("plot samples: %d sorted=%v weight %v, ends %v %v", len(plot), slices.IsSorted(plot), weight, plot[0], plot[len(plot)-1])
			}
		})
	}
}

// TestGapStatsExactBelowLimit: up to the limit the figures are those of
// the plain samples, bit for bit.
func TestGapStatsExactBelowLimit(t *testing.T) {
	g := gapStats{limit: 10}
	vals := []float64{3, 1, 4, 1, 5, 9, 2, 6, 5, 3}
	for _, v := range vals {
		g.add(v)
	}
	if !g.exactSamples() {
		t.Fatal("10 gaps not kept with a limit of 10")
	}
	if got, want := *g.distribution(), *newDistribution(slices.Clone(vals)); got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if plot, w := g.plotSamples(); w != 1 || len(plot) != len(vals) {
		t.Fatalf("plot samples %v weight %v", plot, w)
	}
	g.add(8)
	if g.exactSamples() {
		t.Fatal("11th gap kept with a limit of 10")
	}
}
