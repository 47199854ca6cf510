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
	case l.Arrival == nil && l.Concurrency == 0:
		return errors.New("bench: a closed loop needs a concurrency of at least 1 (or give a rate)")
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
	// Prewarm is what warming the connections did (nil: not asked, or the
	// Doer cannot).
	Prewarm *PrewarmResult
}

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
	failErr  error
	stop     context.CancelFunc // stops issuing after a sink error
	pace     *pacer             // the measured phase's pacing loop's
	senders  *senders           // run the measured requests
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
		srcErr = r.measure(ctx, out.PhaseStart)
	}
	r.wg.Wait()
	r.senders.close()
	cancelReqs()
	out.Issued = r.issued
	out.Interrupted = parent.Err() != nil
	r.mu.Lock()
	defer r.mu.Unlock()
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
		r.launch(it, fmt.Sprintf("w%d", i), true, time.Now(), slots)
	}
	return nil
}

func (r *runner) measure(ctx context.Context, start time.Time) error {
	open := r.load.Arrival != nil
	for n := 0; r.load.Requests == 0 || n < r.load.Requests; n++ {
		if ctx.Err() != nil {
			return nil
		}
		it, err := r.src.Next()
		if err != nil {
			return sourceErr(err)
		}
		var sched time.Time
		switch {
		case it.Timed:
			sched = start.Add(it.Offset)
		case open:
			sched = start.Add(r.load.Arrival.Offset(uint64(n)))
		}
		if !sched.IsZero() {
			if r.load.Duration > 0 && sched.Sub(start) >= r.load.Duration {
				return nil
			}
			if !r.pace.wait(ctx, sched) {
				return nil
			}
		}
		if r.slots != nil && !acquire(ctx, r.slots) {
			return nil
		}
		if sched.IsZero() {
			sched = time.Now() // closed loop: t_sched is when the slot freed
			if r.load.Duration > 0 && sched.Sub(start) >= r.load.Duration {
				<-r.slots
				return nil
			}
		}
		id := it.ID
		if id == "" {
			id = fmt.Sprint(n + 1)
		}
		r.dispatch(it, id, sched)
	}
	return nil
}

func sourceErr(err error) error {
	if errors.Is(err, workloads.ErrExhausted) {
		return nil
	}
	return fmt.Errorf("bench: workload: %w", err)
}

// launch runs item (and the turns that follow it in its session) in its own
// goroutine, holding a slot of slots (nil: none) until the session ends.
func (r *runner) launch(it workloads.Item, id string, warmup bool, sched time.Time, slots chan struct{}) {
	r.begin(warmup)
	go r.serve(sendJob{it: it, id: id, warmup: warmup, sched: sched, slots: slots})
}

// dispatch is launch on the run's pool of senders (pace.go): for the
// pacing loop, which must not allocate or start a goroutine per request.
func (r *runner) dispatch(it workloads.Item, id string, sched time.Time) {
	r.begin(false)
	r.senders.send(sendJob{it: it, id: id, sched: sched, slots: r.slots})
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
// a slot of j.slots (nil: none) until the session ends.
func (r *runner) serve(j sendJob) {
	it, id, warmup, sched, slots := j.it, j.id, j.warmup, j.sched, j.slots
	baseID := id
	defer r.wg.Done()
	if slots != nil {
		defer func() { <-slots }()
	}
	for {
		rec, reply := r.doer.Do(r.reqCtx, it.Request, r.epoch, sched)
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
