package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
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
		r.launch(it, fmt.Sprintf("w%d", i), true, time.Now(), slots, nil)
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

// schedule runs a trace or an open loop: a preparer builds and encodes the
// items ahead of their send time, and this loop only waits for each
// intended start and hands the prepared request to its goroutine. The
// measured phase starts once the first look-ahead is prepared; it returns
// that start.
func (r *runner) schedule(ctx context.Context) (time.Time, error) {
	pctx, stopPrep := context.WithCancel(ctx)
	defer stopPrep()
	p := newPreparer(r.load, r.src, r.doer)
	go p.run(pctx)
	select {
	case <-p.primed:
	case <-ctx.Done():
	}
	start := time.Now()
	p.start <- start
	for pi := range p.out {
		p.take(pi)
		sched := start.Add(pi.offset)
		if !r.pace.wait(ctx, sched) {
			p.sentOne()
			break
		}
		if r.slots != nil && !r.acquireScheduled(ctx) {
			p.sentOne()
			break
		}
		r.dispatch(pi.it, itemID(pi.it, pi.n), sched, pi.prep)
		p.sentOne()
		r.started++
	}
	stopPrep()
	<-p.done
	if ctx.Err() == nil {
		r.stopBy = p.stop
	}
	return start, p.err
}

// acquireScheduled takes a slot for a request at its intended start,
// counting it as delayed when it has to wait for one.
func (r *runner) acquireScheduled(ctx context.Context) bool {
	select {
	case r.slots <- struct{}{}:
		return true
	default:
	}
	r.delayed++ // the cap holds it past its intended start
	return acquire(ctx, r.slots)
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

// launch runs item (and the turns that follow it in its session) in its own
// goroutine, holding a slot of slots (nil: none) until the session ends.
// prep, when set, is the item's request prepared ahead.
func (r *runner) launch(it workloads.Item, id string, warmup bool, sched time.Time, slots chan struct{}, prep *Prepared) {
	r.begin(warmup)
	go r.serve(sendJob{it: it, id: id, warmup: warmup, sched: sched, slots: slots, prep: prep})
}

// dispatch is launch on the run's pool of senders (pace.go): for the
// pacing loop, which must not allocate or start a goroutine per request.
func (r *runner) dispatch(it workloads.Item, id string, sched time.Time, prep *Prepared) {
	r.begin(false)
	r.senders.send(sendJob{it: it, id: id, sched: sched, slots: r.slots, prep: prep})
}

// begin counts a request about to start.
func (r *runner) begin(warmup bool) {
	r.wg.Add(1)
	if !warmup {
		r.mu.Lock()
		r.issued++
		r.mu.Unlock()
	}
}

// serve runs j's item and the turns that follow it in its session, holding
// a slot of j.slots (nil: none) until the session ends; a session's later
// turns are prepared during their think time when the Doer can.
func (r *runner) serve(j sendJob) {
	it, id, warmup, sched, slots, prep := j.it, j.id, j.warmup, j.sched, j.slots, j.prep
	baseID := id
	defer r.wg.Done()
	if slots != nil {
		defer func() { <-slots }()
	}
	preparer, _ := r.doer.(Preparer)
	for {
		var rec Record
		var reply workloads.Reply
		ctx := WithSession(r.reqCtx, it.Session)
		if prep != nil {
			rec, reply = preparer.DoPrepared(ctx, *prep, r.epoch, sched)
		} else {
			rec, reply = r.doer.Do(ctx, it.Request, r.epoch, sched)
		}
		rec.RequestID, rec.Warmup, rec.Session, rec.Turn = id, warmup, it.Session, it.Turn
		if err := r.sink.Write(rec); err != nil {
			r.mu.Lock()
			if r.failErr == nil {
				r.failErr = fmt.Errorf("bench: results: %w", err)
			}
			r.mu.Unlock()
			r.stop()
			return
		}
		if it.Then == nil || r.reqCtx.Err() != nil {
			return
		}
		next, delay, more := it.Then(reply)
		if !more {
			return
		}
		sched = time.Now().Add(delay)
		prep = nil
		if preparer != nil {
			if p, err := preparer.Prepare(next.Request); err == nil {
				prep = &p
			}
		}
		// A session's next turn is a new request: none after a stop.
		if !sleepUntil(r.issueCtx, sched) {
			return
		}
		it = next
		id = next.ID
		if id == "" {
			id = fmt.Sprintf("%s.%d", baseID, next.Turn)
		}
		if !warmup {
			r.mu.Lock()
			r.issued++
			r.mu.Unlock()
		}
	}
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
