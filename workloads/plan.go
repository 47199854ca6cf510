package workloads

import "time"

// DefaultSeed is the seed of every random choice when none is given: run,
// inspect and convert share it, so a converted file sends the words a run
// of the same trace sends.
const DefaultSeed uint64 = 1

// Plan is what a finite workload holds, known before anything is sent
// (every finite kind is read and validated when it is opened).
type Plan struct {
	// Items is how many items the source yields before ErrExhausted: trace
	// requests in the window, or sessions (each counts as its first turn).
	Items int `json:"items"`
	// Sessions is true when each item is a session (its first turn).
	Sessions bool `json:"sessions,omitempty"`
	// Timed is true when the items carry offsets on the trace's clock.
	Timed bool `json:"timed"`
	// Span is the offset of the last item (after the time scale).
	Span time.Duration `json:"-"`
	// TimeScale, WindowStart and WindowDuration are the trace clock's
	// settings (timed plans only; WindowDuration 0: to the end).
	TimeScale      float64       `json:"time_scale,omitempty"`
	WindowStart    time.Duration `json:"-"`
	WindowDuration time.Duration `json:"-"`
}

// Planner is implemented by finite sources.
type Planner interface {
	Plan() Plan
}

// PlanOf returns the plan of src, looking through wrappers that expose
// their source with Unwrap; false for an endless source (synthetic prompts,
// a dataset that cycles).
func PlanOf(src Source) (Plan, bool) {
	for src != nil {
		if p, ok := src.(Planner); ok {
			return p.Plan(), true
		}
		u, ok := src.(interface{ Unwrap() Source })
		if !ok {
			break
		}
		src = u.Unwrap()
	}
	return Plan{}, false
}

// Plan implements Planner: the window's requests on the trace's clock.
func (t *traceSource[T]) Plan() Plan {
	p := Plan{Items: len(t.recs), Timed: true, TimeScale: t.clock.scale,
		WindowStart: t.clock.start, WindowDuration: t.clock.duration}
	if n := len(t.recs); n > 0 {
		p.Span = t.clock.offset(t.recs[n-1].traceNS() - t.t0)
	}
	return p
}
