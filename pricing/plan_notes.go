package pricing

import (
	"fmt"
	"math"
)

// mixTolerance is how far the plan's mean lengths may stray from the
// sweep's before the plan says the token mix differs.
const mixTolerance = 0.2

// scaleNote says how the chosen point's rate became the replica rate.
func scaleNote(r SweepRun, o PlanOptions) string {
	measured := fmt.Sprintf("the sweep measured %s input and %s output tokens per request (%s req/s)",
		fmtShort(r.InputTokensPerRequest), fmtShort(r.OutputTokensPerRequest), fmtShort(r.RequestsPerS))
	switch o.ScaleBy {
	case ScaleByTotal:
		return fmt.Sprintf("by total tokens: %s (input + output) tokens/s measured / (%d + %d) tokens per planned request; %s",
			fmtShort(r.TotalTokensPerS), o.InputTokens, o.OutputTokens, measured)
	case ScaleByRequests:
		return fmt.Sprintf("not scaled: the measured requests/s, taking the plan's %d input and %d output tokens per request to cost what %s",
			o.InputTokens, o.OutputTokens, measured)
	}
	return fmt.Sprintf("by output tokens (decode is the bottleneck): %s output tokens/s measured / %d output tokens per planned request; %s",
		fmtShort(r.OutputTokensPerS), o.OutputTokens, measured)
}

// planNotes are the caveats a reader of the plan needs: what is assumed,
// and where the plan strays from what was measured.
func planNotes(r SweepRun, o PlanOptions, p Plan) []string {
	notes := []string{
		fmt.Sprintf("A replica is the endpoint the sweep measured (%d x %s); replicas behind a load balancer are taken to add capacity linearly.",
			o.GPUsPerReplica, p.GPU),
	}
	if in := r.InputTokensPerRequest; in > 0 && math.Abs(float64(o.InputTokens)-in)/in > mixTolerance {
		notes = append(notes, fmt.Sprintf("The plan's %d input tokens per request differ from the %s measured by %s: prefill time and TTFT change with it, and the SLO was judged on the TTFT measured.",
			o.InputTokens, fmtShort(in), pctString(math.Abs(float64(o.InputTokens)-in)/in)))
	}
	if out := r.OutputTokensPerRequest; out > 0 && math.Abs(float64(o.OutputTokens)-out)/out > mixTolerance {
		notes = append(notes, fmt.Sprintf("The plan's %d output tokens per request differ from the %s measured by %s: E2E latency changes with it.",
			o.OutputTokens, fmtShort(out), pctString(math.Abs(float64(o.OutputTokens)-out)/out)))
	}
	if p.Kind == "sweep" && p.Param == "concurrency" {
		notes = append(notes, "A concurrency sweep is closed loop: open-loop (bursty) arrivals at the same mean rate see longer queues; the headroom is what absorbs them.")
	}
	return notes
}
