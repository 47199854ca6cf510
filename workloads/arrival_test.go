package workloads

import (
	"math"
	"testing"
	"time"
)

func TestConstantArrival(t *testing.T) {
	a, err := NewArrival(ArrivalConstant, 4, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	for n, want := range []time.Duration{0, 250 * time.Millisecond, 500 * time.Millisecond, 750 * time.Millisecond} {
		if got := a.Offset(uint64(n)); got != want {
			t.Errorf("Offset(%d) = %v, want %v", n, got, want)
		}
	}
}

func TestPace(t *testing.T) {
	a, _ := NewArrival(ArrivalConstant, 10, 0, 1)
	tests := []struct {
		name    string
		elapsed time.Duration
		sent    uint64
		want    time.Duration
	}{
		{"first request starts at once", 0, 0, 0},
		{"early for the second", 40 * time.Millisecond, 1, 60 * time.Millisecond},
		{"on time", 200 * time.Millisecond, 2, 0},
		{"behind never waits negative", time.Second, 3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Pace(a, tt.elapsed, tt.sent); got != tt.want {
				t.Errorf("Pace = %v, want %v", got, tt.want)
			}
		})
	}
}

// gaps returns n inter-arrival gaps in seconds.
func gaps(a Arrival, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = (a.Offset(uint64(i+1)) - a.Offset(uint64(i))).Seconds()
	}
	return out
}

func meanCV(xs []float64) (mean, cv float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss/float64(len(xs))) / mean
}

func TestGapArrivalsMomentsAndDeterminism(t *testing.T) {
	const n = 20000
	tests := []struct {
		kind       string
		rate, k    float64
		wantCV     float64 // coefficient of variation of gaps: 1/sqrt(k)
		tolMean    float64 // relative
		tolCV      float64 // absolute
		burstiness float64
	}{
		{kind: ArrivalPoisson, rate: 50, k: 1, wantCV: 1, tolMean: 0.03, tolCV: 0.04},
		{kind: ArrivalGamma, rate: 50, burstiness: 0.25, wantCV: 2, tolMean: 0.06, tolCV: 0.15},
		{kind: ArrivalGamma, rate: 8, burstiness: 4, wantCV: 0.5, tolMean: 0.03, tolCV: 0.03},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			a, err := NewArrival(tt.kind, tt.rate, tt.burstiness, 42)
			if err != nil {
				t.Fatal(err)
			}
			mean, cv := meanCV(gaps(a, n))
			if math.Abs(mean*tt.rate-1) > tt.tolMean {
				t.Errorf("mean gap %.5fs, want %.5fs", mean, 1/tt.rate)
			}
			if math.Abs(cv-tt.wantCV) > tt.tolCV {
				t.Errorf("gap CV %.3f, want %.3f", cv, tt.wantCV)
			}
			b, _ := NewArrival(tt.kind, tt.rate, tt.burstiness, 42)
			// Asked out of order, the same seed gives the same schedule.
			if b.Offset(777) != a.Offset(777) || b.Offset(3) != a.Offset(3) {
				t.Error("same seed gave a different schedule")
			}
			c, _ := NewArrival(tt.kind, tt.rate, tt.burstiness, 43)
			if c.Offset(10) == a.Offset(10) {
				t.Error("different seeds gave the same schedule")
			}
			for i := uint64(1); i < 100; i++ {
				if a.Offset(i) < a.Offset(i-1) {
					t.Fatalf("offsets not monotone at %d", i)
				}
			}
		})
	}
}

func TestNewArrivalErrors(t *testing.T) {
	tests := []struct {
		name    string
		kind    string
		rate, k float64
	}{
		{"zero rate", ArrivalPoisson, 0, 1},
		{"negative rate", ArrivalConstant, -1, 1},
		{"NaN rate", ArrivalConstant, math.NaN(), 1},
		{"infinite rate", ArrivalConstant, math.Inf(1), 1},
		{"zero burstiness", ArrivalGamma, 1, 0},
		{"unknown kind", "uniform", 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewArrival(tt.kind, tt.rate, tt.k, 1); err == nil {
				t.Error("want an error")
			}
		})
	}
}
