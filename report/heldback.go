package report

import (
	"fmt"

	"github.com/tokenbench/tokenbench/bench"
)

// HeldBack is summary.json's held_back: what a cap or a stop condition
// held back of a finite workload ({"requests": N, "of": M, "by": ...}).
type HeldBack = bench.HeldBack

// SetHeldBack records what a cap or a stop condition held back of the
// workload (nil: nothing).
func (s *Summary) SetHeldBack(h *HeldBack) {
	if h != nil && h.Requests == 0 && h.Delayed == 0 {
		h = nil
	}
	s.HeldBack = h
}

// HeldBackText says in words what was held back and by what, for the
// terminal.
func HeldBackText(h *HeldBack) string {
	var msg string
	if h.Requests > 0 {
		unit := "requests"
		if h.Sessions {
			unit = "sessions"
		}
		msg = fmt.Sprintf("%d of the workload's %d %s were not sent: ", h.Requests, h.Of, unit)
		switch h.By {
		case bench.StopRequests:
			msg += "--requests stopped the run first"
		case bench.StopDuration:
			msg += "--duration stopped the run first"
		case bench.StopInterrupt:
			msg += "the run was interrupted"
		default:
			msg += "the run stopped on an error"
		}
	}
	if h.Delayed > 0 {
		if msg != "" {
			msg += "; "
		}
		msg += fmt.Sprintf("%d requests waited for a --concurrency slot past their intended start (see schedule lag)", h.Delayed)
	}
	return msg
}
