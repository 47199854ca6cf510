package sim

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/workloads"
)

// VirtualTarget is what a run on a virtual clock sends requests to: it
// starts req at the clock's now (intended start sched) and calls done, at a
// later event of the same clock, with the request's Record and Reply.
// VirtualClient (one engine) is one; a router over several engines can be
// another.
type VirtualTarget interface {
	Start(req workloads.Request, sched time.Duration, done func(bench.Record, workloads.Reply))
}

// sessionTarget is a VirtualTarget that routes by session: RunVirtual
// starts each request with its session's key (VirtualCluster).
type sessionTarget interface {
	StartSession(session string, req workloads.Request, sched time.Duration, done func(bench.Record, workloads.Reply))
}

// VirtualClient sends requests to Engine as a bench.Client for Target
// would.
type VirtualClient struct {
	Engine *VirtualEngine
	Target bench.Target
}

// Start implements VirtualTarget.
func (c VirtualClient) Start(req workloads.Request, sched time.Duration, done func(bench.Record, workloads.Reply)) {
	c.Engine.Start(c.Target, req, sched, done)
}

// RunVirtual drives src through load into t on clock, as bench.Run drives
// a real client, and hands every Record to sink: warm-up first (closed
// loop), then the measured phase: a closed loop of load.Concurrency
// (ramped up over load.RampUp), or an open loop paced by load.Arrival and
// capped by load.Concurrency, timed items at their offsets, each session's
// next turn its think time after the reply, and the load.Requests and
// load.Duration stops. Time offsets in records are from the clock's time 0,
// which the Outcome maps to load.Epoch (time.Now() when zero). Events at
// one time run in a fixed order, so a run is deterministic for a
// deterministic source and target. Load.Grace and Load.Abort do not apply:
// when ctx is cancelled no request starts any more, and those in flight
// finish in simulated time.
func RunVirtual(ctx context.Context, clock *VirtualClock, load bench.Load, src workloads.Source, t VirtualTarget, sink bench.Sink) (bench.Outcome, error) {
	if err := load.Validate(); err != nil {
		return bench.Outcome{}, err
	}
	r := &vrun{ctx: ctx, clock: clock, load: load, src: src, t: t, sink: sink, wsrc: src, capacity: load.Concurrency}
	if load.WarmupSource != nil {
		r.wsrc = load.WarmupSource
	}
	epoch := load.Epoch
	if epoch.IsZero() {
		epoch = time.Now()
	}
	origin := clock.Now()
	r.warmup()
	for n := 0; !r.over(); n++ {
		if n%256 == 0 && ctx.Err() != nil {
			r.stopped = true
			r.resume()
		}
		if !clock.Step() {
			// Nothing scheduled but a phase is not over: a target that
			// never answered. Never a silent hang.
			return r.outcome(epoch, origin), fmt.Errorf("sim: virtual run stalled with %d requests in flight", r.inflight)
		}
	}
	return r.outcome(epoch, origin), errors.Join(r.srcErr, r.failErr)
}

// vrun is bench.Run's runner as a state machine on a virtual clock.
type vrun struct {
	ctx   context.Context
	clock *VirtualClock
	load  bench.Load
	src   workloads.Source
	wsrc  workloads.Source // warm-up items
	t     VirtualTarget
	sink  bench.Sink

	measuring  bool
	phaseStart time.Duration
	inflight   int  // sessions started and not ended (each holds a slot)
	capacity   int  // slots open (ramp-up opens them one by one); 0: no cap
	parked     bool // the issuer waits for a slot
	waitingAt  bool // the issuer waits for an item's intended start
	issuing    bool // the measured phase may still start items
	warmed     int  // warm-up items started
	n          int  // measured items started (session follow-ups excluded)
	pending    *workloads.Item
	sched      time.Duration // of pending, when timed or paced
	hasSched   bool
	issued     int
	stopped    bool   // no new request: ctx cancelled or a sink failed
	stopBy     string // which stop condition ended issuing (bench.Stop*)
	delayed    int    // scheduled items that waited for a slot past their start
	late       bool   // the pending item is counted in delayed
	srcErr     error
	failErr    error
}

func (r *vrun) over() bool { return r.measuring && !r.issuing && r.inflight == 0 }

func (r *vrun) outcome(epoch time.Time, origin time.Duration) bench.Outcome {
	out := bench.Outcome{Epoch: epoch.Add(-origin), PhaseStart: epoch.Add(r.phaseStart - origin), Issued: r.issued,
		Interrupted: r.ctx.Err() != nil, Delayed: r.delayed}
	// What a stop held back of a finite workload, as bench.Run counts it.
	if plan, ok := workloads.PlanOf(r.src); ok {
		out.Workload, out.Sessions = plan.Items, plan.Sessions
		consumed := r.n
		if r.load.WarmupSource == nil {
			consumed += r.warmed
		}
		if held := plan.Items - consumed; held > 0 {
			out.HeldBack, out.HeldBackBy = held, r.stopBy
			switch {
			case out.Interrupted:
				out.HeldBackBy = bench.StopInterrupt
			case r.srcErr != nil || r.failErr != nil:
				out.HeldBackBy = bench.StopError
			case r.stopBy == "":
				out.HeldBackBy = bench.StopInterrupt
			}
		}
	}
	return out
}

// slotFree reports whether a new session may start now.
func (r *vrun) slotFree() bool { return r.capacity == 0 || r.inflight < r.capacity }

// resume continues the phase in progress after a slot freed or a stop.
func (r *vrun) resume() {
	if !r.measuring {
		r.warmup()
		return
	}
	if r.parked && !r.waitingAt {
		r.parked = false
		r.issue()
	}
}

// warmup starts the warm-up items while slots allow (one slot without a
// cap), then starts the measured phase once the last has ended.
func (r *vrun) warmup() {
	capacity := r.capacity
	if capacity == 0 {
		capacity = 1
	}
	for !r.stopped && r.warmed < r.load.Warmup && r.inflight < capacity {
		it, err := r.wsrc.Next()
		if err != nil {
			r.srcErr = sourceErr(err)
			r.warmed = r.load.Warmup
			break
		}
		r.warmed++
		r.launch(it, fmt.Sprintf("w%d", r.warmed), true, r.clock.Now())
	}
	if (r.warmed >= r.load.Warmup || r.stopped) && r.inflight == 0 {
		r.startMeasure()
	}
}

func (r *vrun) startMeasure() {
	r.measuring, r.phaseStart = true, r.clock.Now()
	if r.srcErr != nil || r.stopped {
		return
	}
	r.issuing = true
	if n := r.load.Concurrency; r.load.Arrival == nil && r.load.RampUp > 0 && n >= 2 {
		r.capacity = 1
		step := r.load.RampUp / time.Duration(n-1)
		for k := 1; k < n; k++ {
			r.clock.At(r.phaseStart+time.Duration(k)*step, func() {
				r.capacity++
				r.resume()
			})
		}
	}
	r.issue()
}

// issue starts measured items until it must wait: for an item's intended
// start, or for a slot.
func (r *vrun) issue() {
	start := r.phaseStart
	for r.issuing {
		if r.stopped || (r.load.Requests > 0 && r.n >= r.load.Requests) {
			if !r.stopped {
				r.stopBy = bench.StopRequests
			}
			r.issuing = false
			return
		}
		if r.pending == nil {
			it, err := r.src.Next()
			if err != nil {
				r.srcErr, r.issuing = sourceErr(err), false
				return
			}
			r.pending, r.hasSched = &it, false
			switch {
			case it.Timed:
				r.sched, r.hasSched = start+it.Offset, true
			case r.load.Arrival != nil:
				r.sched, r.hasSched = start+r.load.Arrival.Offset(uint64(r.n)), true
			}
			if r.hasSched {
				if r.load.Duration > 0 && r.sched-start >= r.load.Duration {
					r.stopBy = bench.StopDuration
					r.issuing = false
					return
				}
				if r.sched > r.clock.Now() {
					r.waitingAt, r.parked = true, true
					r.clock.At(r.sched, func() {
						r.waitingAt = false
						r.resume()
					})
					return
				}
			}
		}
		if !r.slotFree() {
			if r.hasSched && !r.late {
				r.delayed++ // the cap holds it past its intended start
				r.late = true
			}
			r.parked = true
			return
		}
		sched := r.sched
		if !r.hasSched {
			sched = r.clock.Now() // closed loop: t_sched is when the slot freed
			if r.load.Duration > 0 && sched-start >= r.load.Duration {
				r.stopBy = bench.StopDuration
				r.issuing = false
				return
			}
		}
		it := *r.pending
		r.pending, r.late = nil, false
		id := it.ID
		if id == "" {
			id = fmt.Sprint(r.n + 1)
		}
		r.n++
		r.launch(it, id, false, sched)
	}
}

// launch starts item and, as they come, the turns that follow it in its
// session, holding a slot until the session ends.
func (r *vrun) launch(it workloads.Item, id string, warmup bool, sched time.Duration) {
	r.inflight++
	if !warmup {
		r.issued++
	}
	baseID := id
	var send func(it workloads.Item, id string, sched time.Duration)
	end := func() {
		r.inflight--
		r.clock.At(r.clock.Now(), r.resume)
	}
	send = func(it workloads.Item, id string, sched time.Duration) {
		start := r.t.Start
		if st, ok := r.t.(sessionTarget); ok {
			start = func(req workloads.Request, sched time.Duration, done func(bench.Record, workloads.Reply)) {
				st.StartSession(it.Session, req, sched, done)
			}
		}
		start(it.Request, sched, func(rec bench.Record, reply workloads.Reply) {
			rec.RequestID, rec.Warmup, rec.Session, rec.Turn = id, warmup, it.Session, it.Turn
			if err := r.sink.Write(rec); err != nil {
				if r.failErr == nil {
					r.failErr = fmt.Errorf("bench: results: %w", err)
				}
				r.stopped = true
				end()
				return
			}
			if it.Then == nil || r.stopped {
				end()
				return
			}
			next, delay, more := it.Then(reply)
			if !more {
				end()
				return
			}
			at := r.clock.Now() + delay
			r.clock.At(at, func() {
				// A session's next turn is a new request: none after a stop.
				if r.stopped {
					end()
					return
				}
				nid := next.ID
				if nid == "" {
					nid = fmt.Sprintf("%s.%d", baseID, next.Turn)
				}
				if !warmup {
					r.issued++
				}
				send(next, nid, at)
			})
		})
	}
	send(it, id, sched)
}

func sourceErr(err error) error {
	if errors.Is(err, workloads.ErrExhausted) {
		return nil
	}
	return fmt.Errorf("bench: workload: %w", err)
}
