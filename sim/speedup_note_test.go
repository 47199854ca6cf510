package sim

import (
	"strings"
	"testing"
)

func TestSpeedupNote(t *testing.T) {
	for _, tt := range []struct {
		scale float64
		want  string
	}{
		{0, ""}, {1, ""},
		{0.1, "runs 10x as fast as the GPUs it models: latencies in these results are wall time (multiply by 10"},
		{0.25, "divide by 4"},
		{2, "runs 0.5x as fast"},
	} {
		c := DefaultConfig()
		c.TimeScale = tt.scale
		got := SpeedupNote(c)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("scale %v: %q, want %q", tt.scale, got, tt.want)
		}
	}
}
