package pricing

import (
	"fmt"
	"slices"

	"gonum.org/v1/gonum/interp"
)

// Point is one run of a sweep on InferenceX's chart: how fast each user is
// served against how much the endpoint yields per GPU.
type Point struct {
	// Interactivity is 1000 / TPOT in ms: output tokens/s seen by one user.
	Interactivity float64 `json:"interactivity_tokens_per_s"`
	// ThroughputPerGPU is output tokens/s of the endpoint / its GPUs.
	ThroughputPerGPU float64 `json:"output_tokens_per_s_per_gpu"`
	// Label names the run (a concurrency level, a directory).
	Label string `json:"label,omitempty"`
}

// ParetoFront returns the points no other point beats on both axes (both
// maximized), sorted by increasing interactivity; throughput per GPU then
// strictly decreases along the front. Of equal points the first is kept.
// Points with a non-finite or non-positive coordinate are not measurements
// and are left out.
func ParetoFront(points []Point) []Point {
	var ps []Point
	for _, p := range points {
		if p.Interactivity > 0 && finite(p.Interactivity) && p.ThroughputPerGPU > 0 && finite(p.ThroughputPerGPU) {
			ps = append(ps, p)
		}
	}
	// Most interactive first; among equals, most throughput first. A point
	// is on the front when it yields more than every more interactive one.
	slices.SortStableFunc(ps, func(a, b Point) int {
		if a.Interactivity != b.Interactivity {
			if a.Interactivity > b.Interactivity {
				return -1
			}
			return 1
		}
		switch {
		case a.ThroughputPerGPU > b.ThroughputPerGPU:
			return -1
		case a.ThroughputPerGPU < b.ThroughputPerGPU:
			return 1
		}
		return 0
	})
	var front []Point
	best := 0.0
	for _, p := range ps {
		if p.ThroughputPerGPU > best {
			front = append(front, p)
			best = p.ThroughputPerGPU
		}
	}
	slices.Reverse(front)
	return front
}

// ThroughputAt interpolates the throughput per GPU of a Pareto front (as
// ParetoFront returns it) at a target interactivity, with gonum's
// Fritsch–Butland monotone piecewise cubic: a PCHIP variant that keeps the
// curve monotone between measured points (no overshoot, so no invented
// capacity) and passes exactly through each one. InferenceX uses Steffen's
// spline, which shares both properties; the two differ only inside an
// interval and agree at the knots.
//
// A target outside the measured range is an error: extrapolating a
// throughput curve promises capacity nobody measured.
func ThroughputAt(front []Point, interactivity float64) (float64, error) {
	if len(front) == 0 {
		return 0, fmt.Errorf("pricing: no measured points to interpolate")
	}
	if !finite(interactivity) || interactivity <= 0 {
		return 0, fmt.Errorf("pricing: target interactivity %v tokens/s/user: want a finite number > 0", interactivity)
	}
	xs := make([]float64, len(front))
	ys := make([]float64, len(front))
	for i, p := range front {
		if !finite(p.Interactivity) || !finite(p.ThroughputPerGPU) || p.ThroughputPerGPU <= 0 {
			return 0, fmt.Errorf("pricing: front point %d (%v, %v) is not a measurement", i, p.Interactivity, p.ThroughputPerGPU)
		}
		if i > 0 && p.Interactivity <= xs[i-1] {
			return 0, fmt.Errorf("pricing: front points must have strictly increasing interactivity (point %d: %v after %v); build it with ParetoFront",
				i, p.Interactivity, xs[i-1])
		}
		xs[i], ys[i] = p.Interactivity, p.ThroughputPerGPU
	}
	lo, hi := xs[0], xs[len(xs)-1]
	if interactivity < lo || interactivity > hi {
		return 0, fmt.Errorf("pricing: target interactivity %g tokens/s/user is outside the measured range %g to %g; sweep further rather than extrapolate",
			interactivity, lo, hi)
	}
	if len(xs) == 1 {
		return ys[0], nil
	}
	var fb interp.FritschButland
	if err := fb.Fit(xs, ys); err != nil {
		return 0, fmt.Errorf("pricing: fit front: %w", err)
	}
	return fb.Predict(interactivity), nil
}
