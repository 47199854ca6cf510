package workloads

import (
	"math"
	"testing"
	"time"
)

func TestRampConstant(t *testing.T) {
	base, _ := NewArrival(ArrivalConstant, 10, 0, 1) // one request per 100 ms
	r := Ramp(base, 2*time.Second)
	tests := []struct {
		n    uint64
		want float64 // seconds
	}{
		{0, 0},
		{1, math.Sqrt(2 * 2 * 0.1)}, // operational 0.1 s
		{5, math.Sqrt(2 * 2 * 0.5)},
		{10, 2},       // operational 1 s = d/2: the ramp ends at d
		{11, 2.1},     // then full rate
		{30, 3 + 1.0}, // operational 3 s + d/2
	}
	for _, tt := range tests {
		got := r.Offset(tt.n).Seconds()
		if math.Abs(got-tt.want) > 1e-6 {
			t.Errorf("Offset(%d) = %.6f s, want %.6f", tt.n, got, tt.want)
		}
	}
	// During the ramp the count by time t is rate*t²/(2d): half the full
	// rate's count at t = d.
	if Ramp(base, 0) != base {
		t.Error("a zero ramp must leave the process unchanged")
	}
}

func TestRampKeepsOrderAndLongRunRate(t *testing.T) {
	base, _ := NewArrival(ArrivalPoisson, 50, 1, 9)
	r := Ramp(base, 10*time.Second)
	for n := uint64(1); n < 3000; n++ {
		if r.Offset(n) < r.Offset(n-1) {
			t.Fatalf("not monotone at %d", n)
		}
	}
	// After the ramp, 50 req/s: offsets 1000 apart span about 20 s.
	span := (r.Offset(2999) - r.Offset(1999)).Seconds()
	if math.Abs(span-20) > 2 {
		t.Errorf("1000 requests after the ramp span %.2f s, want about 20", span)
	}
}
