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
	done   chan struct{} // closed when run returns; then stop and err are set
	stop   string        // why it stopped pulling: "" (exhausted), StopRequests, StopDuration
	err    error         // a source error
}

func newPreparer(load Load, src workloads.Source, d Doer) *preparer {
	p := &preparer{src: src, arrival: load.Arrival, requests: load.Requests, duration: load.Duration,
		lookAhead: load.LookAhead, maxBytes: load.LookAheadBytes,
		out: make(chan prepItem, maxQueued), primed: make(chan struct{}), start: make(chan time.Time, 1),
		freed: make(chan struct{}, 1), done: make(chan struct{})}
	if p.lookAhead <= 0 {
		p.lookAhead = DefaultLookAhead
	}
	if p.maxBytes <= 0 {
		p.maxBytes = DefaultLookAheadBytes
	}
	p.doer, _ = d.(Preparer)
	return p
}

// take is called by the sender for each item it takes off the queue.
func (p *preparer) take(it prepItem) {
	p.queued.Add(-it.size)
	select {
	case p.freed <- struct{}{}:
	default:
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
	for n := 0; p.requests == 0 || n < p.requests; n++ {
		it, err := p.src.Next()
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
		pi := prepItem{it: it, n: n, offset: offset}
		if p.doer != nil {
			if pr, err := p.doer.Prepare(it.Request); err == nil {
				pi.prep, pi.size = &pr, int64(pr.Size())
			}
		}
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
