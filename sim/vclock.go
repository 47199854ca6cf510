package sim

import (
	"container/heap"
	"time"
)

// VirtualClock is a discrete-event clock: simulated time that advances only
// from one scheduled event to the next, with no sleeping. Events at the same
// time run in the order they were scheduled, so a simulation over it is
// deterministic. Several VirtualEngines, and the runner that drives them,
// may share one clock. It is not safe for concurrent use: everything on a
// virtual clock runs on the goroutine that calls Step or Run.
type VirtualClock struct {
	now time.Duration
	q   eventQueue
	seq uint64 // scheduling order, the tie-break of simultaneous events
}

// NewVirtualClock returns a clock at time 0 with no events.
func NewVirtualClock() *VirtualClock { return &VirtualClock{} }

// Now is the current simulated time, from the clock's start.
func (c *VirtualClock) Now() time.Duration { return c.now }

// At schedules fn at time t; a time in the past means now (the clock never
// goes back).
func (c *VirtualClock) At(t time.Duration, fn func()) {
	c.seq++
	heap.Push(&c.q, clockEvent{at: max(t, c.now), seq: c.seq, fn: fn})
}

// After schedules fn d after now.
func (c *VirtualClock) After(d time.Duration, fn func()) { c.At(c.now+d, fn) }

// Pending is the number of events scheduled and not yet run.
func (c *VirtualClock) Pending() int { return len(c.q) }

// Step advances the clock to the earliest event and runs it. It returns
// false when there is none.
func (c *VirtualClock) Step() bool {
	if len(c.q) == 0 {
		return false
	}
	ev := heap.Pop(&c.q).(clockEvent)
	c.now = ev.at
	ev.fn()
	return true
}

type clockEvent struct {
	at  time.Duration
	seq uint64
	fn  func()
}

// eventQueue is a min-heap of events by (time, scheduling order): a total
// order, so that equal times never depend on the heap's internals.
type eventQueue []clockEvent

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(clockEvent)) }
func (q *eventQueue) Pop() any {
	old := *q
	ev := old[len(old)-1]
	old[len(old)-1] = clockEvent{}
	*q = old[:len(old)-1]
	return ev
}
