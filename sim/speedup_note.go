package sim

import (
	"fmt"
	"strconv"
)

// SpeedupNote says, for an engine that runs faster or slower than the GPUs
// it models (TimeScale other than 1), that what a client measures against it
// is wall time and how to read it as the modelled GPUs' time; "" at
// TimeScale 1. Steps scale exactly; the client's and HTTP time (about a
// millisecond a request) does not, so short latencies read high once
// multiplied back. The replay on the virtual clock (Replay, `sim validate`)
// has no such error.
func SpeedupNote(c Config) string {
	if c.TimeScale == 0 || c.TimeScale == 1 {
		return ""
	}
	n := strconv.FormatFloat(1/c.TimeScale, 'g', 4, 64)
	return fmt.Sprintf("the built-in engine runs %sx as fast as the GPUs it models: latencies in these results are wall time "+
		"(multiply by %s for the modelled GPUs'; client and HTTP time, about 1 ms a request, is not scaled and is then "+
		"overstated %s times) and throughputs are %sx the modelled GPUs' (divide by %s)", n, n, n, n, n)
}
