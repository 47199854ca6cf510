package sim

import (
	"math"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// LatenessBound is the lateness past which a step counts as late in
// Lateness.Late: a tenth of a fast decode step.
const LatenessBound = time.Millisecond

// Lateness is how far behind its schedule the real-time engine handed out
// the tokens of its steps: for each step, the time from its deadline (its
// start plus its modelled duration, on a schedule of absolute times) to the
// moment its tokens were handed to their requests. A host that keeps up
// has a lateness of tens of microseconds; a late step delays the tokens of
// that step, and the steps after it catch up (start at their scheduled
// times), so lateness does not accumulate into the run's timing unless the
// engine stays behind.
type Lateness struct {
	// Steps counts the steps measured.
	Steps uint64 `json:"steps"`
	// P50, P99 and Max are the distribution of lateness over the steps;
	// P50 and P99 are upper bounds within 2% (log-spaced buckets), Max is
	// exact.
	P50 time.Duration `json:"p50_ns"`
	P99 time.Duration `json:"p99_ns"`
	Max time.Duration `json:"max_ns"`
	// Late counts the steps later than Bound.
	Late  uint64        `json:"late"`
	Bound time.Duration `json:"bound_ns"`
}

// latenessGrowth is the ratio of consecutive bucket bounds, from 1 µs.
const (
	latenessGrowth  = 1.02
	latenessBuckets = 1100 // 1 µs x 1.02^1100: over 3 hours
)

var latenessBucketsSeconds = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10}

// lateness accumulates the engine's lateness: a fine log histogram for its
// quantiles and a Prometheus histogram for /metrics.
type lateness struct {
	mu     sync.Mutex
	counts [latenessBuckets + 1]uint64 // [0]: under 1 µs
	steps  uint64
	late   uint64
	max    time.Duration
	hist   prometheus.Histogram
}

func newLateness(model string) *lateness {
	return &lateness{hist: prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:        "tokenbench:engine_lateness_seconds",
		Help:        "How far behind its schedule each step of the built-in engine handed out its tokens (real clock).",
		Buckets:     latenessBucketsSeconds,
		ConstLabels: prometheus.Labels{"model_name": model},
	})}
}

// bucket is the index of the bucket whose upper bound is the first at or
// above d.
func latenessBucket(d time.Duration) int {
	if d <= time.Microsecond {
		return 0
	}
	i := int(math.Ceil(math.Log(float64(d)/float64(time.Microsecond)) / math.Log(latenessGrowth)))
	return min(max(i, 0), latenessBuckets)
}

func latenessUpper(i int) time.Duration {
	return time.Duration(float64(time.Microsecond) * math.Pow(latenessGrowth, float64(i)))
}

func (l *lateness) observe(d time.Duration) {
	d = max(d, 0)
	l.hist.Observe(d.Seconds())
	l.mu.Lock()
	defer l.mu.Unlock()
	l.counts[latenessBucket(d)]++
	l.steps++
	l.max = max(l.max, d)
	if d > LatenessBound {
		l.late++
	}
}

func (l *lateness) snapshot() Lateness {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := Lateness{Steps: l.steps, Max: l.max, Late: l.late, Bound: LatenessBound}
	q := func(p float64) time.Duration {
		rank := uint64(math.Ceil(p * float64(l.steps)))
		var seen uint64
		for i, c := range l.counts {
			if seen += c; seen >= rank && c > 0 {
				return min(latenessUpper(i), l.max)
			}
		}
		return l.max
	}
	if l.steps > 0 {
		s.P50, s.P99 = q(0.50), q(0.99)
	}
	return s
}

// Lateness returns the engine's lateness so far (zero on a virtual clock,
// which is never late), for the run's validity check.
func (e *Engine) Lateness() Lateness { return e.late.snapshot() }
