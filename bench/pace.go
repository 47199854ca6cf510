package bench

import (
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/tokenbench/tokenbench/workloads"
)

// The send path of a scheduled run (an open loop, a trace): one pacing
// loop waits for each request's intended start with one timer it reuses,
// and hands the request to a pool of senders that grows to what the rate
// needs, so that the loop only waits and hands over: no timer, goroutine or
// closure per request (BenchmarkPacer). Intended starts are absolute
// (phase start + the arrival's offset), so the loop never drifts: a late
// wake-up is lag for that request only, which its record shows as
// t_start - t_sched (the run's validity check reads it).

// The pacing loop's timer wakes ahead of an intended start and yields the
// processor from there until the start. Go's timers wake up to about a
// millisecond late when the process is otherwise idle (the poller sleeps
// in whole milliseconds), which alone would put the schedule lag's p99
// near 1 ms; when the process is busy they wake within microseconds, and
// yielding would only burn CPU. So the lead adapts: twice the timer's
// recent lateness (a moving average over about 8 wake-ups), within
// [minSpin, maxSpin].
const (
	minSpin = 50 * time.Microsecond
	maxSpin = time.Millisecond
)

// pacer waits for intended starts. Not safe for concurrent use: there is
// one per pacing loop.
type pacer struct {
	timer *time.Timer
	now   func() time.Time
	spin  time.Duration // how early the timer wakes
	late  time.Duration // the timer's lateness, moving average
	fixed bool          // spin does not adapt (benchmarks compare)
}

func newPacer() *pacer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &pacer{timer: t, now: time.Now, spin: maxSpin}
}

// woke adapts the lead to the timer's lateness past at.
func (p *pacer) woke(at time.Time) {
	if p.fixed {
		return
	}
	late := max(p.now().Sub(at), 0)
	p.late += (late - p.late) / 8
	p.spin = min(max(2*p.late, minSpin), maxSpin)
}

// wait returns when t is reached (true) or ctx is done (false). It sleeps
// on its timer until p.spin ahead of t, then yields the processor to other
// goroutines until t.
func (p *pacer) wait(ctx context.Context, t time.Time) bool {
	for {
		d := t.Sub(p.now())
		if d <= 0 {
			return ctx.Err() == nil
		}
		if d <= p.spin {
			if ctx.Err() != nil {
				return false
			}
			runtime.Gosched()
			continue
		}
		at := t.Add(-p.spin)
		p.timer.Reset(d - p.spin)
		select {
		case <-p.timer.C:
			p.woke(at)
		case <-ctx.Done():
			p.timer.Stop()
			return false
		}
	}
}

// sendJob is one request handed from the pacing loop to a sender.
type sendJob struct {
	it     workloads.Item
	id     string
	warmup bool
	sched  time.Time
	slots  chan struct{}
	prep   *Prepared // the request built ahead, when it was
}

// senders runs jobs on a pool of goroutines that grows to the jobs in
// flight: a job goes to an idle sender if there is one, else to a new
// sender, so the pacing loop never waits for one. Idle senders wait for
// the next job until close.
type senders struct {
	jobs chan sendJob // unbuffered: a send succeeds only to an idle sender
	run  func(sendJob)
	wg   sync.WaitGroup
}

func newSenders(run func(sendJob)) *senders {
	return &senders{jobs: make(chan sendJob), run: run}
}

// send hands j to an idle sender, or starts one for it.
func (s *senders) send(j sendJob) {
	select {
	case s.jobs <- j:
		return
	default:
	}
	s.wg.Add(1)
	go s.loop(j)
}

func (s *senders) loop(j sendJob) {
	defer s.wg.Done()
	for ok := true; ok; j, ok = <-s.jobs {
		s.run(j)
	}
}

// close stops the idle senders once every job handed out has run.
func (s *senders) close() {
	close(s.jobs)
	s.wg.Wait()
}
