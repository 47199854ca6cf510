package pricing

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// sweep is a concurrency sweep shaped like InferenceX's curves: throughput
// per GPU falls as interactivity rises, with a few dominated points.
var sweep = []Point{
	{Interactivity: 120, ThroughputPerGPU: 300, Label: "c4"},
	{Interactivity: 95, ThroughputPerGPU: 900, Label: "c16"},
	{Interactivity: 110, ThroughputPerGPU: 520, Label: "c8"},
	{Interactivity: 70, ThroughputPerGPU: 1800, Label: "c64"},
	{Interactivity: 80, ThroughputPerGPU: 1200, Label: "c32"},
	{Interactivity: 40, ThroughputPerGPU: 2600, Label: "c256"},
	{Interactivity: 55, ThroughputPerGPU: 2300, Label: "c128"},
	{Interactivity: 50, ThroughputPerGPU: 2100, Label: "dominated by c128"},
	{Interactivity: 30, ThroughputPerGPU: 2500, Label: "dominated by c256"},
	{Interactivity: 40, ThroughputPerGPU: 2000, Label: "tie on x, lower y"},
}

func labels(ps []Point) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Label
	}
	return out
}

func TestParetoFront(t *testing.T) {
	tests := []struct {
		name   string
		points []Point
		want   []string
	}{
		{name: "sweep", points: sweep, want: []string{"c256", "c128", "c64", "c32", "c16", "c8", "c4"}},
		{name: "empty", points: nil, want: []string{}},
		{name: "one point", points: []Point{{1, 1, "a"}}, want: []string{"a"}},
		{name: "one dominates all", points: []Point{{1, 1, "a"}, {2, 2, "b"}, {1.5, 0.5, "c"}}, want: []string{"b"}},
		{name: "equal points keep the first", points: []Point{{1, 2, "a"}, {1, 2, "b"}}, want: []string{"a"}},
		{name: "same throughput, more interactive wins", points: []Point{{1, 2, "a"}, {3, 2, "b"}}, want: []string{"b"}},
		{name: "non-measurements dropped", points: []Point{{math.NaN(), 5, "nan"}, {math.Inf(1), 5, "inf"}, {0, 9, "zero"}, {2, -1, "neg"}, {1, 1, "ok"}}, want: []string{"ok"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			front := ParetoFront(tt.points)
			if got := labels(front); !slices.Equal(got, tt.want) {
				t.Errorf("front %q, want %q", got, tt.want)
			}
			for i := 1; i < len(front); i++ {
				if front[i].Interactivity <= front[i-1].Interactivity || front[i].ThroughputPerGPU >= front[i-1].ThroughputPerGPU {
					t.Errorf("front not strictly monotone at %d: %+v", i, front)
				}
			}
		})
	}
}

func TestThroughputAt(t *testing.T) {
	front := ParetoFront(sweep)
	t.Run("exact at every knot", func(t *testing.T) {
		for _, p := range front {
			got, err := ThroughputAt(front, p.Interactivity)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-p.ThroughputPerGPU) > 1e-9 {
				t.Errorf("at %v: %v, want %v", p.Interactivity, got, p.ThroughputPerGPU)
			}
		}
	})
	t.Run("monotone and bounded between knots", func(t *testing.T) {
		lo, hi := front[0].Interactivity, front[len(front)-1].Interactivity
		prev := math.Inf(1)
		for i := 0; i <= 2000; i++ {
			x := lo + (hi-lo)*float64(i)/2000
			y, err := ThroughputAt(front, x)
			if err != nil {
				t.Fatal(err)
			}
			if y > prev+1e-9 {
				t.Fatalf("not monotone: %v at %v after %v", y, x, prev)
			}
			// No overshoot: y stays within the bracketing knots.
			k, _ := slices.BinarySearchFunc(front, x, func(p Point, x float64) int {
				switch {
				case p.Interactivity < x:
					return -1
				case p.Interactivity > x:
					return 1
				}
				return 0
			})
			if k > 0 && k < len(front) && (y > front[k-1].ThroughputPerGPU+1e-9 || y < front[k].ThroughputPerGPU-1e-9) {
				t.Fatalf("overshoot at %v: %v outside [%v, %v]", x, y, front[k].ThroughputPerGPU, front[k-1].ThroughputPerGPU)
			}
			prev = y
		}
	})
	t.Run("two points interpolate linearly", func(t *testing.T) {
		got, err := ThroughputAt([]Point{{10, 1000, ""}, {20, 500, ""}}, 15)
		if err != nil || math.Abs(got-750) > 1e-9 {
			t.Errorf("got %v, %v; want 750", got, err)
		}
	})
	t.Run("cost at a target", func(t *testing.T) {
		// The InferenceX use: throughput per GPU at 50 tokens/s/user, priced.
		tps, err := ThroughputAt(front, 50)
		if err != nil {
			t.Fatal(err)
		}
		if tps <= 2300 || tps >= 2600 {
			t.Errorf("throughput at 50 = %v, want between the knots 2300 and 2600", tps)
		}
		if _, err := CostPerMTok(1.95, 1, tps); err != nil {
			t.Error(err)
		}
	})

	errs := []struct {
		name   string
		front  []Point
		x      float64
		substr string
	}{
		{"below range", front, 39.9, "outside the measured range 40 to 120"},
		{"above range", front, 121, "outside the measured range 40 to 120"},
		{"empty front", nil, 50, "no measured points"},
		{"one point elsewhere", []Point{{50, 1, ""}}, 60, "outside the measured range 50 to 50"},
		{"NaN target", front, math.NaN(), "target interactivity NaN"},
		{"zero target", front, 0, "target interactivity 0"},
		{"unsorted front", []Point{{20, 1, ""}, {10, 2, ""}}, 15, "strictly increasing interactivity"},
		{"duplicate x", []Point{{10, 2, ""}, {10, 1, ""}}, 10, "strictly increasing interactivity"},
		{"non-finite point", []Point{{10, math.Inf(1), ""}, {20, 1, ""}}, 15, "not a measurement"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ThroughputAt(tt.front, tt.x)
			if err == nil || !strings.Contains(err.Error(), tt.substr) {
				t.Errorf("error %v, want %q", err, tt.substr)
			}
		})
	}
	t.Run("one point at its own x", func(t *testing.T) {
		if got, err := ThroughputAt([]Point{{50, 7, ""}}, 50); err != nil || got != 7 {
			t.Errorf("got %v, %v", got, err)
		}
	})
}
