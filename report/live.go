package report

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tokenbench/tokenbench/bench"
)

// Live is a running view of a run in progress, for a one-line progress
// display. It is safe for concurrent use and, like a vegeta pacer, takes the
// clock as an argument, so its output is a pure function of the records
// added and the time passed in.
type Live struct {
	start time.Time

	mu                 sync.Mutex
	ok, failed, warmup int
	output             int
	ttft               []float64
	sorted             bool
}

// NewLive returns a Live whose rates are measured from start.
func NewLive(start time.Time) *Live {
	return &Live{start: start}
}

// Write adds r and never fails; it makes a Live a bench.Sink.
func (l *Live) Write(r bench.Record) error {
	l.Add(r)
	return nil
}

var _ bench.Sink = (*Live)(nil)

// Add accounts for one finished record. Warm-up records are only counted as
// such, as in Summary.
func (l *Live) Add(r bench.Record) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case r.Warmup:
		l.warmup++
	case !r.OK:
		l.failed++
	default:
		l.ok++
		l.output += r.OutputTokens
		if r.TTFTMS != nil {
			l.ttft = appendFinite(l.ttft, *r.TTFTMS)
			l.sorted = false
		}
	}
}

// Line renders the progress at now, for example
//
//	done 120 | ok 118 failed 2 | 3.4 req/s 812 out tok/s | p50 TTFT 41.2 ms
//
// Rates are successful requests and their output tokens over the time since
// start (0 before any time has passed); p50 TTFT is over successful requests
// so far, "-" before the first. " | warmup N" follows when warm-up records
// were seen; they count nowhere else.
func (l *Live) Line(now time.Time) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	elapsed := now.Sub(l.start).Seconds()
	var b strings.Builder
	fmt.Fprintf(&b, "done %d | ok %d failed %d | %.1f req/s %.0f out tok/s | p50 TTFT ",
		l.ok+l.failed, l.ok, l.failed,
		perSecond(float64(l.ok), elapsed), perSecond(float64(l.output), elapsed))
	if len(l.ttft) == 0 {
		b.WriteString("-")
	} else {
		// Sorting in place keeps later sorts cheap: the slice stays mostly
		// ordered between calls.
		if !l.sorted {
			slices.Sort(l.ttft)
			l.sorted = true
		}
		fmt.Fprintf(&b, "%.1f ms", percentile(l.ttft, 50))
	}
	if l.warmup > 0 {
		fmt.Fprintf(&b, " | warmup %d", l.warmup)
	}
	return b.String()
}
