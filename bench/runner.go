package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tokenbench/tokenbench/workloads"
)

// Run drives src through load into d, handing every finished Record to
// sink. It returns when every started request has been recorded. The error
// is a source error (a malformed trace) or a sink error (results could not
// be written); both stop the run, and what was recorded stays recorded.
func Run(ctx context.Context, load Load, src workloads.Source, d Doer, sink Sink) (Outcome, error) {
	if err := load.Validate(); err != nil {
		return Outcome{}, err
	}
	r := &runner{load: load, src: src, doer: d, sink: sink}
	return r.run(ctx)
}

type runner struct {
	load Load
	src  workloads.Source
	doer Doer
	sink Sink

	epoch    time.Time
	issueCtx context.Context // done when no new request may start
	reqCtx   context.Context // cancelled after the grace period or on abort
	slots    chan struct{}   // nil: no cap
	wg       sync.WaitGroup
	mu       sync.Mutex
	issued   int
	started  int    // measured items started (sessions count once)
	stopBy   string // why issuing stopped before the source ended
	delayed  int    // scheduled requests that waited for a slot
	failErr  error
	stop     context.CancelFunc // stops issuing after a sink error
	pace     *pacer             // the measured phase's pacing loop
	senders  *senders           // run the measured requests (pace.go)
}

func (r *runner) run(parent context.Context) (Outcome, error) {
	r.epoch = r.load.Epoch
	if r.epoch.IsZero() {
		r.epoch = time.Now()
	}
	ctx, stop := context.WithCancel(parent)
	defer stop()
	r.stop = stop
	r.issueCtx = ctx
	reqCtx, cancelReqs := context.WithCancel(context.Background())
	defer cancelReqs()
	r.reqCtx = reqCtx
	go func() { // grace period, then cancel what is still in flight
		select {
		case <-reqCtx.Done():
			return
		case <-r.load.Abort:
			cancelReqs()
			return
		case <-parent.Done():
		}
		t := time.NewTimer(r.load.Grace)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.load.Abort:
		case <-reqCtx.Done():
		}
		cancelReqs()
	}()
	if n := r.load.Concurrency; n > 0 {
		r.slots = make(chan struct{}, n)
	}
	r.pace, r.senders = newPacer(), newSenders(r.serve)

	srcErr := r.warmup(ctx)
	r.wg.Wait()
	prewarm := r.prewarm(ctx)
	out := Outcome{Epoch: r.epoch, PhaseStart: time.Now(), Prewarm: prewarm}
	if srcErr == nil {
		r.rampSlots(ctx)
		if r.load.Trace || r.load.Arrival != nil {
			out.PhaseStart, srcErr = r.schedule(ctx)
		} else {
			srcErr = r.measure(ctx, out.PhaseStart)
		}
	}
	r.wg.Wait()
	r.senders.close()
	cancelReqs()
	out.Issued = r.issued
	out.Interrupted = parent.Err() != nil
	out.Delayed = r.delayed
	r.mu.Lock()
	defer r.mu.Unlock()
	if plan, ok := workloads.PlanOf(r.src); ok {
		out.Workload, out.Sessions = plan.Items, plan.Sessions
		consumed := r.started
		if r.load.WarmupSource == nil {
			consumed += r.load.Warmup
		}
		if held := plan.Items - consumed; held > 0 {
			out.HeldBack, out.HeldBackBy = held, r.stopBy
			switch {
			case out.Interrupted:
				out.HeldBackBy = StopInterrupt
			case srcErr != nil || r.failErr != nil:
				out.HeldBackBy = StopError
			case r.stopBy == "":
				out.HeldBackBy = StopInterrupt
			}
		}
	}
	return out, errors.Join(srcErr, r.failErr)
}

// prewarm opens Load.Prewarm connections when the Doer can.
func (r *runner) prewarm(ctx context.Context) *PrewarmResult {
	p, ok := r.doer.(Prewarmer)
	if !ok || r.load.Prewarm == 0 || ctx.Err() != nil {
		return nil
	}
	res := p.Prewarm(ctx, r.load.Prewarm)
	return &res
}

// rampSlots holds back all closed-loop slots but one and releases them at
// even intervals over RampUp.
func (r *runner) rampSlots(ctx context.Context) {
	n := r.load.Concurrency
	if r.load.Arrival != nil || r.load.RampUp <= 0 || n < 2 {
		return
	}
	for k := 1; k < n; k++ {
		r.slots <- struct{}{}
	}
	step := r.load.RampUp / time.Duration(n-1)
	go func() {
		t := time.NewTicker(step)
		defer t.Stop()
		for k := 1; k < n; k++ {
			select {
			case <-t.C:
				<-r.slots
			case <-ctx.Done():
				return
			}
		}
	}()
}

func (r *runner) warmup(ctx context.Context) error {
	slots := r.slots
	if slots == nil {
		slots = make(chan struct{}, 1)
	}
	src := r.src
	if r.load.WarmupSource != nil {
		src = r.load.WarmupSource
	}
	for i := 1; i <= r.load.Warmup; i++ {
		it, err := src.Next()
		if err != nil {
			return sourceErr(err)
		}
		if !acquire(ctx, slots) {
			return nil
		}
		r.launchWarmup(it, fmt.Sprintf("w%d", i), time.Now(), slots)
	}
	return nil
}

// measure runs the closed loop: the next item starts when a slot frees
// (timed items still wait for their offset).
func (r *runner) measure(ctx context.Context, start time.Time) error {
	for n := 0; r.load.Requests == 0 || n < r.load.Requests; n++ {
		if ctx.Err() != nil {
			return nil
		}
		it, err := r.src.Next()
		if err != nil {
			return sourceErr(err)
		}
		var sched time.Time
		if it.Timed {
			sched = start.Add(it.Offset)
			if r.load.Duration > 0 && it.Offset >= r.load.Duration {
				r.stopBy = StopDuration
				return nil
			}
			if !r.pace.wait(ctx, sched) {
				return nil
			}
		}
		if !acquire(ctx, r.slots) {
			return nil
		}
		if sched.IsZero() {
			sched = time.Now() // closed loop: t_sched is when the slot freed
			if r.load.Duration > 0 && sched.Sub(start) >= r.load.Duration {
				<-r.slots
				r.stopBy = StopDuration
				return nil
			}
		}
		r.dispatch(it, itemID(it, n), sched, nil)
		r.started++
	}
	r.stopBy = StopRequests
	return nil
}

func itemID(it workloads.Item, n int) string {
	if it.ID != "" {
		return it.ID
	}
	return fmt.Sprint(n + 1)
}

func errUntimedItem(n int) error {
	return fmt.Errorf("bench: workload: item %d has no intended start: a trace run needs every item timed", n+1)
}

func sourceErr(err error) error {
	if errors.Is(err, workloads.ErrExhausted) {
		return nil
	}
	return fmt.Errorf("bench: workload: %w", err)
}

func acquire(ctx context.Context, slots chan struct{}) bool {
	select {
	case slots <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

// sleepUntil waits until t or ctx is done; it reports whether t was reached.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}
