package sim

import (
	"container/heap"
	"time"
)

// realtime is the state of the real-time driver, guarded by Engine.mu. The
// driver is a discrete-event loop on the wall clock: its events are the end
// of the running step, a request leaving the frontend, and a step's tokens
// reaching their streams after the output lag; it sleeps until the earliest.
type realtime struct {
	inbox    []pending          // in the frontend, in arrival order (so in order of due time)
	deferred asyncHold[pending] // held back by asynchronous scheduling
	outbox   outbox             // steps' tokens waiting for their output lag
	running  *step              // the step in flight; nil when idle
	deadline time.Duration      // its end, on the engine clock
}

// pending is a sequence on its way to the scheduler: at is when it gets
// there (its arrival, on the engine clock, after the frontend's delay).
type pending struct {
	st *stream
	r  seqRequest
	at time.Duration
}

// arrive sends p through the frontend: at once without FrontendOverhead.
// It must be called with e.mu held.
func (e *Engine) arrive(p pending) {
	if over := e.cfg.frontendOverhead(); over > 0 {
		p.at += over
		e.rt.inbox = append(e.rt.inbox, p)
		return
	}
	e.enqueue(p)
}

// enqueue hands p to the scheduler, unless asynchronous scheduling holds it
// back until the next step is planned. A cancelled sequence is dropped.
func (e *Engine) enqueue(p pending) {
	if p.st.gone || e.rt.deferred.hold(e.rt.running != nil, p) {
		return
	}
	e.push(p)
}

// push queues p's sequence in the scheduler.
func (e *Engine) push(p pending) {
	if p.st.gone {
		return
	}
	p.st.id = e.sched.push(p.r, p.at)
	e.streams[p.st.id] = p.st
}

func (p pending) arrival() time.Duration { return p.at }

// admit enqueues the sequences whose frontend delay has passed by at.
func (e *Engine) admit(at time.Duration) {
	n := 0
	for ; n < len(e.rt.inbox) && e.rt.inbox[n].at <= at; n++ {
		e.enqueue(e.rt.inbox[n])
	}
	e.rt.inbox = e.rt.inbox[n:]
}

// run is the real-time driver: it plans a step, sleeps until the step's
// absolute deadline, then commits the step and hands out its tokens. Each
// deadline is the previous one plus the step's duration, so steps chain
// without drift, and a late wake-up (a loaded host, a GC pause) is caught
// up by the steps after it instead of stretching the run. How late each
// step's tokens were handed out is its lateness. Sequences added meanwhile
// join at the next step (the one after under asynchronous scheduling);
// after an idle spell the schedule restarts at the first arrival.
func (e *Engine) run() {
	defer close(e.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		e.mu.Lock()
		next, ok := e.tick(e.now())
		e.mu.Unlock()
		if !ok {
			select {
			case <-e.wake:
				continue
			case <-e.quit:
				return
			}
		}
		wait := time.Until(e.created.Add(next))
		if wait <= 0 {
			select {
			case <-e.quit:
				return
			default:
				continue // behind schedule: catch up
			}
		}
		timer.Reset(wait)
		select {
		case <-timer.C:
		case <-e.wake:
			timer.Stop()
		case <-e.quit:
			timer.Stop()
			return
		}
	}
}

// tick does what is due at now on the engine clock: it ends the running
// step if its deadline has passed (sequences that left the frontend before
// that deadline reach the scheduler first) and plans the next one from its
// deadline, admits what left the frontend since, starts a step if the
// engine was idle, and hands out the tokens whose output lag has passed. It
// returns when it next has something to do, false when nothing is pending.
// It must be called with e.mu held.
func (e *Engine) tick(now time.Duration) (time.Duration, bool) {
	rt := &e.rt
	if st := rt.running; st != nil && now >= rt.deadline {
		end := rt.deadline
		e.admit(end)
		e.sched.commit(st)
		rt.running = nil
		e.startStep(end)
		e.handOut(st)
	}
	e.admit(now)
	if rt.running == nil {
		e.startStep(now)
	}
	e.deliverDue(now)
	var next time.Duration
	ok := false
	earliest := func(t time.Duration) {
		if !ok || t < next {
			next, ok = t, true
		}
	}
	if rt.running != nil {
		earliest(rt.deadline)
	}
	if len(rt.inbox) > 0 {
		earliest(rt.inbox[0].at)
	}
	if t, ok := rt.outbox.next(); ok {
		earliest(t)
	}
	return next, ok
}

// startStep plans the step starting at at, then lets the sequences held
// back by asynchronous scheduling that arrived by then reach the scheduler:
// they join the step after it, or this one when the engine was idle.
func (e *Engine) startStep(at time.Duration) {
	rt := &e.rt
	if st, ok := e.sched.plan(at); ok {
		rt.running, rt.deadline = &st, at+st.duration
	}
	held := rt.deferred.release(at)
	for _, p := range held {
		e.push(p)
	}
	if rt.running == nil && len(held) > 0 {
		if st, ok := e.sched.plan(at); ok {
			rt.running, rt.deadline = &st, at+st.duration
		}
	}
}

// handOut gives the tokens of a committed step to their streams: at once,
// or OutputLag step durations after its end (through the outbox), never
// before a stream's earlier tokens. A step's lateness is measured when its
// tokens are handed out, against when they were due.
func (e *Engine) handOut(st *step) {
	lag := e.cfg.Timing.OutputLag
	end := st.start + st.duration
	if lag <= 0 {
		for _, em := range st.emits {
			if s := e.streamOf(em); s != nil {
				s.push(em)
			}
		}
		e.late.observe(e.now() - end)
		return
	}
	due := outputAt(st, lag, 0)
	main := &delivery{at: due, step: true}
	for _, em := range st.emits {
		s := e.streamOf(em)
		if s == nil {
			continue
		}
		at := outputAt(st, lag, s.lastAt)
		s.lastAt = at
		if at == due {
			main.items = append(main.items, handout{s, em})
		} else {
			e.rt.outbox.add(&delivery{at: at, items: []handout{{s, em}}})
		}
	}
	e.rt.outbox.add(main)
}

// streamOf is the stream of an emitted step, nil when its client went away
// during the step; a sequence's last step takes it out of the map.
func (e *Engine) streamOf(em emit) *stream {
	s, ok := e.streams[em.id]
	if !ok {
		return nil
	}
	if em.done {
		delete(e.streams, em.id)
	}
	return s
}

// deliverDue hands out the deliveries due by now, in order of due time.
func (e *Engine) deliverDue(now time.Duration) {
	for {
		d, ok := e.rt.outbox.due(now)
		if !ok {
			return
		}
		for _, h := range d.items {
			if !h.s.gone {
				h.s.push(h.em)
			}
		}
		if d.step {
			e.late.observe(e.now() - d.at)
		}
	}
}

// handout is one stream's tokens of a step.
type handout struct {
	s  *stream
	em emit
}

// delivery is tokens due at a time: a step's (step true: its lateness is
// measured), or one stream's held behind its earlier tokens.
type delivery struct {
	at    time.Duration
	seq   uint64 // order of adding: equal times go first in, first out
	step  bool
	items []handout
}

// outbox holds deliveries until they are due, earliest first.
type outbox struct {
	h     deliveries
	added uint64
}

func (o *outbox) add(d *delivery) {
	o.added++
	d.seq = o.added
	heap.Push(&o.h, d)
}

// due pops the earliest delivery due by now.
func (o *outbox) due(now time.Duration) (*delivery, bool) {
	if len(o.h) == 0 || o.h[0].at > now {
		return nil, false
	}
	return heap.Pop(&o.h).(*delivery), true
}

// next is the time of the earliest delivery.
func (o *outbox) next() (time.Duration, bool) {
	if len(o.h) == 0 {
		return 0, false
	}
	return o.h[0].at, true
}

// deliveries is a min-heap by due time, then by order of adding: a total
// order, so a stream's tokens held to the time of its earlier step's
// delivery go after it.
type deliveries []*delivery

func (h deliveries) Len() int { return len(h) }
func (h deliveries) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}
func (h deliveries) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *deliveries) Push(x any)   { *h = append(*h, x.(*delivery)) }
func (h *deliveries) Pop() any {
	old := *h
	d := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return d
}
