package projection

import (
	"testing"

	"github.com/tokenbench/tokenbench/sim"
)

// The model check is the source's modelled throughput per replica, put
// back on the run's clock (divided by the engine's time scale), over the
// measured throughput per replica.
func TestModelCheck(t *testing.T) {
	tests := []struct {
		name            string
		modelled, scale float64
		measured        float64
		replicas        int
		want            float64
	}{
		{"exact fit", 1000, 1, 1000, 1, 1},
		{"model 10% high", 1100, 1, 1000, 1, 1.1},
		{"two replicas share the measurement", 1000, 1, 2000, 2, 1},
		{"time scale slows the run's clock", 1000, 2, 500, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from := sim.Side{OutputTokensPerS: tt.modelled}
			from.Deployment.Config.TimeScale = tt.scale
			r := &Report{replicas: tt.replicas, projections: []sim.Projection{{From: from}},
				measured: sim.OperatingPoint{OutputTokensPerS: tt.measured}}
			if got := r.modelCheck(); got != tt.want {
				t.Errorf("modelCheck = %v, want %v", got, tt.want)
			}
		})
	}
}

// The roofline table's shares are bandwidth-bound / compute-bound / other
// over the phase's modelled time, in percent with one decimal.
func TestProjShares(t *testing.T) {
	tests := []struct {
		name string
		s    sim.StepTime
		want string
	}{
		{"split", sim.StepTime{Seconds: 0.010, BandwidthBoundSeconds: 0.006, ComputeBoundSeconds: 0.003, OtherSeconds: 0.001}, "60.0% / 30.0% / 10.0%"},
		{"no time", sim.StepTime{}, "0.0% / 0.0% / 0.0%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := projShares(tt.s); got != tt.want {
				t.Errorf("projShares = %q, want %q", got, tt.want)
			}
		})
	}
}
