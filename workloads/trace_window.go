package workloads

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
)

// maxTraceNS bounds trace timestamps (about 146 years either side of zero),
// so that the difference of any two fits in an int64 of nanoseconds.
const maxTraceNS = int64(1) << 62

// maxTraceTokens bounds the token counts a record may ask for: more is a
// corrupt record, not a prompt any server takes, and building it would
// exhaust memory.
const maxTraceTokens = 1 << 24

// traceClock is how a timestamped trace is replayed: the window cut out of
// trace time and the speed-up applied to offsets inside it.
type traceClock struct {
	start, duration time.Duration // trace time, before scaling
	scale           float64
}

func newTraceClock(s Spec) (traceClock, error) {
	c := traceClock{start: s.TraceStart, duration: s.TraceDuration, scale: s.TimeScale}
	if c.scale == 0 {
		c.scale = 1
	}
	switch {
	case !(c.scale > 0) || math.IsInf(c.scale, 0):
		return c, fmt.Errorf("workloads: time scale must be a positive number (2 = twice as fast), got %v", s.TimeScale)
	case c.start < 0:
		return c, fmt.Errorf("workloads: trace start must be >= 0, got %v", c.start)
	case c.duration < 0:
		return c, fmt.Errorf("workloads: trace duration must be >= 0, got %v", c.duration)
	}
	return c, nil
}

// offset is the scaled replay offset of trace time d after the window's first
// request. Scale 1 is exact; other scales round to the nanosecond (exact
// when d/scale is a whole number of ns and d < 2^53 ns, about 104 days).
func (c traceClock) offset(d int64) time.Duration {
	if c.scale == 1 {
		return time.Duration(d)
	}
	return time.Duration(math.Round(float64(d) / c.scale))
}

// timedRecord is what the trace window needs of a record.
type timedRecord interface{ traceNS() int64 }

// cut sorts recs by timestamp (stable, so ties keep file order) and keeps
// those whose time since the trace's first request falls in
// [start, start+duration). It returns the kept records, the timestamp that
// becomes offset 0 (the first kept one) and notes for the FileReport.
func cut[T timedRecord](name string, recs []T, c traceClock) (kept []T, t0 int64, notes []string, err error) {
	if len(recs) == 0 {
		return nil, 0, nil, fileError(name, 0, "", errors.New("no requests in the trace"))
	}
	if !slices.IsSortedFunc(recs, cmpTrace[T]) {
		sorted := slices.Clone(recs)
		slices.SortStableFunc(sorted, cmpTrace[T])
		moved := 0
		for i := range recs {
			if recs[i].traceNS() != sorted[i].traceNS() {
				moved++
			}
		}
		recs = sorted
		notes = append(notes, fmt.Sprintf("timestamps out of order: %d records moved to sort them by time", moved))
	}
	first, last := recs[0].traceNS(), recs[len(recs)-1].traceNS()
	lo := first + int64(c.start)
	for _, r := range recs {
		d := r.traceNS() - lo
		if d < 0 || c.duration > 0 && d >= int64(c.duration) {
			continue
		}
		kept = append(kept, r)
	}
	if len(kept) == 0 {
		return nil, 0, nil, fileError(name, 0, "", fmt.Errorf("no requests in the window start %v duration %v: the trace spans %v",
			c.start, durationText(c.duration), time.Duration(last-first)))
	}
	if c.start > 0 || c.duration > 0 {
		notes = append(notes, fmt.Sprintf("window start %v duration %v: %d of %d requests",
			c.start, durationText(c.duration), len(kept), len(recs)))
	}
	if c.scale != 1 {
		notes = append(notes, fmt.Sprintf("time scale %g: offsets are trace time divided by %g", c.scale, c.scale))
	}
	return kept, kept[0].traceNS(), notes, nil
}

func cmpTrace[T timedRecord](a, b T) int {
	switch x, y := a.traceNS(), b.traceNS(); {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func durationText(d time.Duration) string {
	if d == 0 {
		return "unbounded"
	}
	return d.String()
}

// traceSource replays windowed records on the trace's clock. Requests are
// built when handed out, so that a long trace's prompts (Mooncake's average
// 12k tokens) are never all in memory at once.
type traceSource[T timedRecord] struct {
	recs   []T
	t0     int64
	clock  traceClock
	build  func(*T) Item
	next   int
	report FileReport
}

func newTraceSource[T timedRecord](name string, recs []T, s Spec, rep FileReport, build func(*T) Item) (*traceSource[T], error) {
	c, err := newTraceClock(s)
	if err != nil {
		return nil, err
	}
	kept, t0, notes, err := cut(name, recs, c)
	if err != nil {
		return nil, err
	}
	rep.Requests = len(kept)
	rep.Notes = append(rep.Notes, notes...)
	return &traceSource[T]{recs: kept, t0: t0, clock: c, build: build, report: rep}, nil
}

// Next returns the next request with its intended offset, and ErrExhausted
// after the window's last request: a trace is a schedule, it does not cycle.
func (t *traceSource[T]) Next() (Item, error) {
	if t.next >= len(t.recs) {
		return Item{}, ErrExhausted
	}
	r := &t.recs[t.next]
	t.next++
	it := t.build(r)
	it.Timed = true
	it.Offset = t.clock.offset((*r).traceNS() - t.t0)
	return it, nil
}

func (t *traceSource[T]) FileReport() FileReport { return t.report }

// parseMillis reads a millisecond timestamp (integer or decimal) as
// nanoseconds. Integers are converted exactly.
func parseMillis(s string) (int64, error) {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		if ms > maxTraceNS/1e6 || ms < -maxTraceNS/1e6 {
			return 0, fmt.Errorf("timestamp %s ms out of range", s)
		}
		return ms * 1e6, nil
	}
	return parseScaled(s, 1e6, "ms")
}

// parseSeconds reads a decimal second timestamp as nanoseconds.
func parseSeconds(s string) (int64, error) { return parseScaled(s, 1e9, "s") }

func parseScaled(s string, ns float64, unit string) (int64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("want a number of %s, got %q", unit, s)
	}
	x := math.Round(v * ns)
	if x > float64(maxTraceNS) || x < -float64(maxTraceNS) {
		return 0, fmt.Errorf("timestamp %s %s out of range", s, unit)
	}
	return int64(x), nil
}

// parseCount reads a token count: a non-negative integer of plausible size.
func parseCount(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("want a whole number of tokens, got %q", s)
	}
	return checkCount(n)
}

func checkCount(n int) (int, error) {
	if n < 0 || n > maxTraceTokens {
		return 0, fmt.Errorf("token count %d out of range [0, %d]", n, maxTraceTokens)
	}
	return n, nil
}
