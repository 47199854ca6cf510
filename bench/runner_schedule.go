package bench

import (
	"context"
	"time"
)

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
