package bench

import (
	"context"
	"errors"
	"time"

	"github.com/tokenbench/tokenbench/workloads"
)

// Doer sends one request and measures it; *Client is the real one.
type Doer interface {
	Do(ctx context.Context, req workloads.Request, epoch, sched time.Time) (Record, workloads.Reply)
}

// Load says how requests are paced and when the run stops.
type Load struct {
	// Concurrency is the number of closed-loop workers, or with an Arrival
	// the cap on requests in flight (0: no cap). Requests that wait for a
	// slot keep their intended start t_sched.
	Concurrency int
	// Arrival paces an open loop; nil runs a closed loop.
	Arrival workloads.Arrival
	// Requests stops issuing after this many measured requests (0: no limit).
	Requests int
	// Duration stops issuing after this long from the start of the
	// measured phase (0: no limit). Requests in flight then finish.
	Duration time.Duration
	// RampUp, in a closed loop, opens the concurrency slots one by one,
	// evenly over this long, from 1 to Concurrency. (An open loop ramps its
	// rate instead: see workloads.Ramp.)
	RampUp time.Duration
	// Warmup requests are sent first, closed loop, and marked warmup.
	Warmup int
	// Grace is how long requests in flight may finish after the run's
	// context is cancelled (Ctrl-C) before they are cancelled themselves.
	Grace time.Duration
	// Abort, when closed, cancels requests in flight at once (second Ctrl-C).
	Abort <-chan struct{}
	// WarmupSource, when set, supplies the warm-up requests, so that they
	// do not consume the measured stream (a trace keeps its first items).
	WarmupSource workloads.Source
	// Epoch is the run's start, the origin of every t_*_ms offset; zero
	// means when Run starts. Engine scrapes share it.
	Epoch time.Time
	// Trace runs a timed workload on its own clock: every item carries its
	// offset (Item.Timed), and Concurrency caps requests in flight only
	// when it is above 0.
	Trace bool
	// LookAhead and LookAheadBytes bound how far ahead of its send time a
	// scheduled request (Trace, or an Arrival) is built and encoded: by
	// time and by the bytes of bodies waiting (0: DefaultLookAhead,
	// DefaultLookAheadBytes).
	LookAhead      time.Duration
	LookAheadBytes int64
	// Prewarm is how many connections to open before the measured phase
	// (after warm-up), when the Doer is a Prewarmer; 0: none, so the first
	// requests dial (and their http.conn_ms shows it).
	Prewarm int
}

// Validate reports a Load that cannot run.
func (l Load) Validate() error {
	switch {
	case l.Concurrency < 0, l.Requests < 0, l.Warmup < 0, l.Duration < 0, l.Grace < 0, l.Prewarm < 0:
		return errors.New("bench: concurrency, requests, warmup, duration, grace and prewarm must not be negative")
	case l.Arrival == nil && !l.Trace && l.Concurrency == 0:
		return errors.New("bench: a closed loop needs a concurrency of at least 1 (or give a rate)")
	case l.LookAhead < 0 || l.LookAheadBytes < 0:
		return errors.New("bench: look-ahead must not be negative")
	}
	return nil
}

// Outcome is how a run ended.
type Outcome struct {
	// Epoch is the run's start: every t_*_ms offset is from it.
	Epoch time.Time
	// PhaseStart is when the measured phase started (after warm-up).
	PhaseStart time.Time
	// Issued counts measured requests started (session follow-ups included).
	Issued int
	// Interrupted is true when the run's context was cancelled.
	Interrupted bool
	// HeldBack counts the items of a finite workload (trace requests, or
	// sessions) never started because a stop condition came first, and
	// HeldBackBy names it: StopRequests, StopDuration, StopInterrupt or
	// StopError. 0 when the whole workload ran or it is endless.
	HeldBack   int
	HeldBackBy string
	// Workload is how many items the workload had (0: endless);
	// Sessions says they are sessions.
	Workload int
	Sessions bool
	// Delayed counts scheduled requests (trace, open loop) that waited for
	// a slot of the Concurrency cap at their intended start.
	Delayed int
	// Prewarm is what warming the connections did (nil: not asked, or the
	// Doer cannot).
	Prewarm *PrewarmResult
}

// What stopped a run before its workload ended (Outcome.HeldBackBy).
const (
	StopRequests  = "requests"
	StopDuration  = "duration"
	StopInterrupt = "interrupt"
	StopError     = "error"
)

// HeldBack is what a cap or a stop condition held back of a finite
// workload: summary.json's held_back, kept in workload.json so that a
// rebuilt summary has it too.
type HeldBack struct {
	// Requests counts items never sent (sessions, for session workloads),
	// of Of the workload had; By names the stop condition (StopRequests,
	// StopDuration, StopInterrupt, StopError), or "concurrency" when all
	// were sent but Delayed of them waited for a slot of the cap.
	Requests int    `json:"requests"`
	Of       int    `json:"of"`
	By       string `json:"by"`
	// Sessions says Requests and Of count sessions.
	Sessions bool `json:"sessions,omitempty"`
	// Delayed counts scheduled requests that waited for a --concurrency
	// slot past their intended start.
	Delayed int `json:"delayed,omitempty"`
}

// HeldBackByConcurrency is HeldBack.By when a concurrency cap delayed
// requests but every one was sent.
const HeldBackByConcurrency = "concurrency"

// HeldBackInfo returns what the run held back, nil when nothing was.
func (o Outcome) HeldBackInfo() *HeldBack {
	if o.HeldBack == 0 && o.Delayed == 0 {
		return nil
	}
	h := &HeldBack{Requests: o.HeldBack, Of: o.Workload, By: o.HeldBackBy, Sessions: o.Sessions, Delayed: o.Delayed}
	if h.Requests == 0 {
		h.By = HeldBackByConcurrency
	}
	return h
}
