package sim

import "time"

// The pipeline terms of Timing (FrontendOverhead, OutputLag,
// AsyncScheduling) are what vLLM does outside the GPU loop. Both drivers of
// the scheduler apply them through the helpers below, so that the HTTP
// engine on the real clock and VirtualEngine on a virtual clock predict the
// same latencies for the same profile.

// frontendOverhead is the time from a request's arrival to its entry in the
// scheduler's queue, scaled by TimeScale like the steps.
func (c Config) frontendOverhead() time.Duration {
	return c.scale(c.Timing.FrontendOverhead.Seconds())
}

// outputAt is when the tokens of step st reach a stream whose earlier
// tokens reach it at last: OutputLag step durations after the step ends,
// never before the stream's earlier tokens (a short step's tokens wait
// behind a long step's still in output processing).
func outputAt(st *step, lag float64, last time.Duration) time.Duration {
	end := st.start + st.duration
	return max(end+time.Duration(lag*float64(st.duration)), last)
}

// asyncHold is asynchronous scheduling (Timing.AsyncScheduling): vLLM plans
// step k+1 while step k runs, so a sequence that arrives while a step runs
// is held until the next step has been planned and joins the one after it;
// an idle engine takes an arrival at once.
type asyncHold[T arrived] struct {
	on   bool
	held []T // in arrival order
}

// arrived is a sequence on its way to the scheduler.
type arrived interface {
	arrival() time.Duration
}

// hold keeps x back when asynchronous scheduling is on and a step runs, and
// reports whether it did.
func (h *asyncHold[T]) hold(running bool, x T) bool {
	if !h.on || !running {
		return false
	}
	h.held = append(h.held, x)
	return true
}

// release returns the sequences held that arrived by at, when the step
// starting at at has been planned: they join the step after it. Later ones
// (which a real-time driver behind its schedule sees early) wait for the
// next step.
func (h *asyncHold[T]) release(at time.Duration) []T {
	n := 0
	for n < len(h.held) && h.held[n].arrival() <= at {
		n++
	}
	out := h.held[:n:n]
	h.held = h.held[n:]
	if len(h.held) == 0 {
		h.held = nil
	}
	return out
}
