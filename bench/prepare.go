package bench

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/tokenbench/tokenbench/workloads"
)

// Look-ahead defaults: how far ahead of their send time scheduled requests
// (a trace, an open loop) are built and encoded.
const (
	// DefaultLookAhead is the time bound: a request is prepared once its
	// send time is at most this far away.
	DefaultLookAhead = time.Second
	// DefaultLookAheadBytes is the memory bound: encoded bodies waiting to
	// be sent stay under it (one request is always prepared, however large),
	// so a trace of 20 MB prompts does not fill memory.
	DefaultLookAheadBytes = 64 << 20
	// maxQueued bounds the number of prepared requests waiting.
	maxQueued = 1 << 12
)

// Preparer is a Doer that can build a request ahead of its send time, so
// that the sender only writes it. *Client is one.
type Preparer interface {
	Doer
	Prepare(req workloads.Request) (Prepared, error)
	DoPrepared(ctx context.Context, p Prepared, epoch, sched time.Time) (Record, workloads.Reply)
}

// prepItem is one measured item, pulled from the source and prepared.
type prepItem struct {
	it     workloads.Item
	n      int           // position in the measured phase, from 0
	offset time.Duration // intended start from the phase start
	prep   *Prepared     // nil: the Doer cannot prepare, or Prepare failed (Do reports it)
	size   int64
}

// preparer pulls the measured phase's items from the source in order,
// builds their prompts (Source.Next) and encodes their bodies ahead of their
// send time, bounded by time (an item is prepared once its send time is
// within lookAhead; while priming, before the phase starts, those within
// lookAhead of the start) and by bytes (queued bodies stay under maxBytes,
// one is always allowed).
type preparer struct {
	src       workloads.Source
	doer      Preparer // nil: items are passed on unprepared
	arrival   workloads.Arrival
	requests  int
	duration  time.Duration
	lookAhead time.Duration
	maxBytes  int64

	out    chan prepItem
	primed chan struct{} // closed once the first look-ahead is prepared
	start  chan time.Time
	freed  chan struct{} // a queued body was taken
	queued atomic.Int64  // bytes of queued bodies
	// nextSend is the offset (+1; 0: none) of the request the sender is
	// waiting to send, and sent ticks after each send: the preparer keeps
	// its CPU off the instants of sends (see yield).
	nextSend atomic.Int64
	sent     chan struct{}
	done     chan struct{} // closed when run returns; then stop and err are set
	stop     string        // why it stopped pulling: "" (exhausted), StopRequests, StopDuration
	err      error         // a source error
}

func newPreparer(load Load, src workloads.Source, d Doer) *preparer {
	p := &preparer{src: src, arrival: load.Arrival, requests: load.Requests, duration: load.Duration,
		lookAhead: load.LookAhead, maxBytes: load.LookAheadBytes,
		out: make(chan prepItem, maxQueued), primed: make(chan struct{}), start: make(chan time.Time, 1),
		freed: make(chan struct{}, 1), sent: make(chan struct{}, 1), done: make(chan struct{})}
	if p.lookAhead <= 0 {
		p.lookAhead = DefaultLookAhead
	}
	if p.maxBytes <= 0 {
		p.maxBytes = DefaultLookAheadBytes
	}
	p.doer, _ = d.(Preparer)
	return p
}

// take is called by the sender for each item it takes off the queue,
// before it waits for the item's send time.
func (p *preparer) take(it prepItem) {
	p.queued.Add(-it.size)
	p.nextSend.Store(int64(it.offset) + 1)
	select {
	case p.freed <- struct{}{}:
	default:
	}
}

// sentOne is called by the sender once the item it took is sent (or not).
func (p *preparer) sentOne() {
	p.nextSend.Store(0)
	select {
	case p.sent <- struct{}{}:
	default:
	}
}

// yield waits, while the preparer is ahead (a prepared request is queued
// beyond the one the sender waits on), until the sender's next send is
// done when that send is due within twice the recent cost of preparing a
// request: building a large prompt holds a CPU for milliseconds, and the
// sender must find one free at its instant. It reports false when ctx is
// done.
func (p *preparer) yield(ctx context.Context, start time.Time, cost time.Duration) bool {
	for {
		next := p.nextSend.Load()
		if next == 0 || len(p.out) == 0 {
			return true
		}
		until := time.Until(start.Add(time.Duration(next - 1)))
		if until > 2*cost {
			return true
		}
		t := time.NewTimer(until + time.Millisecond)
		select {
		case <-p.sent:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return false
		}
		t.Stop()
	}
}

func (p *preparer) run(ctx context.Context) {
	defer close(p.done)
	defer close(p.out)
	primed := false
	prime := func() {
		if !primed {
			primed = true
			close(p.primed)
		}
	}
	defer prime()
	var start time.Time
	var cost time.Duration // moving average of building and encoding one request
	for n := 0; p.requests == 0 || n < p.requests; n++ {
		if !start.IsZero() && !p.yield(ctx, start, cost) {
			return
		}
		t0 := time.Now()
		it, err := p.src.Next()
		build := time.Since(t0)
		if err != nil {
			p.err = sourceErr(err)
			return
		}
		var offset time.Duration
		switch {
		case it.Timed:
			offset = it.Offset
		case p.arrival != nil:
			offset = p.arrival.Offset(uint64(n))
		default:
			p.err = errUntimedItem(n)
			return
		}
		if p.duration > 0 && offset >= p.duration {
			p.stop = StopDuration
			return
		}
		// Time bound: until the phase starts, prepare what falls within
		// the look-ahead of the start; then wait for an item's turn.
		if !primed && offset >= p.lookAhead {
			prime()
		}
		if primed {
			if start.IsZero() {
				select {
				case start = <-p.start:
				case <-ctx.Done():
					return
				}
			}
			if !sleepUntil(ctx, start.Add(offset-p.lookAhead)) {
				return
			}
		}
		if !start.IsZero() && !p.yield(ctx, start, cost) {
			return
		}
		t1 := time.Now()
		pi := prepItem{it: it, n: n, offset: offset}
		if p.doer != nil {
			if pr, err := p.doer.Prepare(it.Request); err == nil {
				pi.prep, pi.size = &pr, int64(pr.Size())
			}
		}
		cost += (build + time.Since(t1) - cost) / 8
		// Byte bound: wait for the sender to take bodies off the queue.
		for q := p.queued.Load(); q > 0 && q+pi.size > p.maxBytes; q = p.queued.Load() {
			prime() // the queue is as full as it may get
			select {
			case <-p.freed:
			case <-ctx.Done():
				return
			}
		}
		p.queued.Add(pi.size)
		if len(p.out) == cap(p.out) {
			prime()
		}
		select {
		case p.out <- pi:
		case <-ctx.Done():
			return
		}
	}
	p.stop = StopRequests
}
