package bench

import (
	"fmt"
	"time"

	"github.com/tokenbench/tokenbench/workloads"
)

// launchWarmup runs a warm-up item (and the turns that follow it in its
// session) in its own goroutine, holding a slot of slots until the session
// ends.
func (r *runner) launchWarmup(it workloads.Item, id string, sched time.Time, slots chan struct{}) {
	r.wg.Add(1)
	go r.serve(sendJob{it: it, id: id, warmup: true, sched: sched, slots: slots})
}

// dispatch runs a measured item on the run's pool of senders (pace.go):
// the pacing loop must not allocate or start a goroutine per request.
// prep, when set, is the item's request prepared ahead.
func (r *runner) dispatch(it workloads.Item, id string, sched time.Time, prep *Prepared) {
	r.wg.Add(1)
	r.countIssued()
	r.senders.send(sendJob{it: it, id: id, sched: sched, slots: r.slots, prep: prep})
}

// countIssued counts a measured request about to start (Outcome.Issued).
func (r *runner) countIssued() {
	r.mu.Lock()
	r.issued++
	r.mu.Unlock()
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
			r.countIssued()
		}
	}
}
