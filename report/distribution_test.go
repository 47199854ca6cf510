package report

import (
	"math"
	"testing"
)

// Expected values were computed by hand with numpy's default ("linear")
// method: rank = p/100*(n-1), interpolate between the two neighbours; each
// matches numpy.percentile(data, p).
func TestPercentileMatchesNumpy(t *testing.T) {
	tests := []struct {
		name string
		data []float64
		p    float64
		want float64
	}{
		{"1..4 p50 between ranks", []float64{1, 2, 3, 4}, 50, 2.5},
		{"1..4 p90", []float64{1, 2, 3, 4}, 90, 3.7},
		{"1..4 p25", []float64{1, 2, 3, 4}, 25, 1.75},
		{"1..4 p99", []float64{1, 2, 3, 4}, 99, 3.97},
		{"1..4 p99.9", []float64{1, 2, 3, 4}, 99.9, 3.997},
		{"1..4 p0 is min", []float64{1, 2, 3, 4}, 0, 1},
		{"1..4 p100 is max", []float64{1, 2, 3, 4}, 100, 4},
		{"uneven gaps p40", []float64{15, 20, 35, 40, 50}, 40, 29},
		{"uneven gaps p99", []float64{15, 20, 35, 40, 50}, 99, 49.6},
		{"odd count p50 is the middle", []float64{15, 20, 35, 40, 50}, 50, 35},
		{"1..10 p95", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 95, 9.55},
		{"single sample", []float64{7}, 99, 7},
		{"ties", []float64{2, 2, 2, 9}, 50, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.data, tt.p); !near(got, tt.want) {
				t.Errorf("percentile(%v, %v) = %v, want %v", tt.data, tt.p, got, tt.want)
			}
		})
	}
}

func TestNewDistribution(t *testing.T) {
	if d := newDistribution(nil); d != nil {
		t.Fatalf("newDistribution(nil) = %+v, want nil", d)
	}
	// Unsorted input: newDistribution sorts it.
	d := newDistribution([]float64{4, 1, 3, 2})
	want := Distribution{
		Count: 4, Mean: 2.5, Std: math.Sqrt(1.25), Min: 1,
		P50: 2.5, P90: 3.7, P95: 3.85, P99: 3.97, P999: 3.997, Max: 4,
	}
	checkDist(t, "1..4", d, want)
}

// near compares floats built by different but equivalent arithmetic.
func near(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b))
}

func checkDist(t *testing.T, name string, got *Distribution, want Distribution) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: distribution is nil, want %+v", name, want)
		return
	}
	if got.Count != want.Count {
		t.Errorf("%s: count = %d, want %d", name, got.Count, want.Count)
	}
	fields := []struct {
		f         string
		got, want float64
	}{
		{"mean", got.Mean, want.Mean}, {"std", got.Std, want.Std},
		{"min", got.Min, want.Min}, {"p50", got.P50, want.P50},
		{"p90", got.P90, want.P90}, {"p95", got.P95, want.P95},
		{"p99", got.P99, want.P99}, {"p999", got.P999, want.P999},
		{"max", got.Max, want.Max},
	}
	for _, f := range fields {
		if !near(f.got, f.want) {
			t.Errorf("%s: %s = %v, want %v", name, f.f, f.got, f.want)
		}
	}
}
