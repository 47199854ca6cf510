package report

// finite.go: the one rule for which values of a record may enter a
// figure, shared by summary.json (Aggregator) and the gate's samples
// (gate.ReadSamples), so that both leave out the same values and count
// them the same way.

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tokenbench/tokenbench/bench"
)

// MaxFigure is the largest magnitude a value of a record may have to enter
// a figure: 2^53, the largest integer to which a float64 counts exactly.
// No measurement comes near it (2^53 ms is 285,000 years, 2^53 tokens/s
// no engine), only a corrupt or hostile record does; and below it every
// sum, square and difference the statistics take of up to 2^40 values
// stays finite, so a figure built from kept values is finite too.
const MaxFigure = 1 << 53

// KeepTime reports whether v may enter a figure as a time offset (t_*_ms)
// or a signed difference of two (schedule lag): finite and within
// +-MaxFigure.
func KeepTime(v float64) bool { return v >= -MaxFigure && v <= MaxFigure }

// KeepDuration reports whether v may enter a figure as a duration (TTFT,
// TPOT, E2E, an ITL gap) or a rate: finite and in [0, MaxFigure]. A
// negative duration (t_done before t_start, events out of order) is as
// corrupt as an infinite one.
func KeepDuration(v float64) bool { return v >= 0 && v <= MaxFigure }

// KeepCount reports whether n may enter a figure as a token count: in
// [0, MaxFigure].
func KeepCount(n int) bool { return n >= 0 && n <= MaxFigure }

// LeftOut counts the values left out of a run's figures by the rule above,
// by the summary.json name of the figure they would have entered:
// "window" for a record whose t_start or t_done is not a kept time
// (it stays out of the window, and of every figure per second of it),
// ttft_ms, ttft_sched_ms, tpot_ms, output_speed_tokens_per_s, e2e_ms and
// itl_ms (one per gap) for successful requests, schedule_lag_ms for every
// measured request, concurrency_achieved for a failed request's E2E, tokens.input, tokens.output, tokens.cached for token
// counts, and throughput.*, concurrency_achieved, goodput.* for rates that
// left MaxFigure (a window of a subnormal millisecond): those figures are
// then 0. Counts of figures summary.json holds but the rule did not reach
// (engine fields, routing, sessions) are named by their JSON path.
type LeftOut map[string]int

// Add counts one value of metric left out.
func (l LeftOut) Add(metric string) { l[metric]++ }

// Total is the number of values left out.
func (l LeftOut) Total() int {
	n := 0
	for _, v := range l {
		n += v
	}
	return n
}

// String lists the counts by metric name: "e2e_ms 1, window 2".
func (l LeftOut) String() string {
	names := make([]string, 0, len(l))
	for k, n := range l {
		names = append(names, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// RecordValues are the per-request values a record gives the figures,
// each with whether the rule kept it. Left-out values are counted in the
// LeftOut given to NewRecordValues.
type RecordValues struct {
	// InWindow: t_start and t_done are kept times.
	InWindow      bool
	TStart, TDone float64
	Lag           float64
	LagOK         bool
	// E2E is set for every record; the rest for successful records only.
	E2E, TTFT, TTFTSched, TPOT, Speed           float64
	E2EOK, TTFTOK, TTFTSchedOK, TPOTOK, SpeedOK bool
	Input, Output                               int
	InputOK, OutputOK                           bool
	// Clean is false when any value of the record was left out.
	Clean bool
}

// NewRecordValues applies the rule to a measured (non-warm-up) record,
// counting what it leaves out in lo. The gaps are apart (EachGap): there
// may be millions.
func NewRecordValues(r *bench.Record, lo LeftOut) RecordValues {
	v := RecordValues{TStart: r.TStartMS, TDone: r.TDoneMS(), Lag: r.TStartMS - r.TSchedMS, Clean: true}
	check := func(ok bool, metric string) bool {
		if !ok {
			lo.Add(metric)
			v.Clean = false
		}
		return ok
	}
	v.InWindow = check(KeepTime(v.TStart) && KeepTime(v.TDone), "window")
	v.LagOK = check(KeepTime(v.Lag), "schedule_lag_ms")
	v.E2E = r.E2EMS
	if !r.OK {
		// A failed request's E2E enters only concurrency_achieved.
		v.E2EOK = check(KeepDuration(v.E2E), "concurrency_achieved")
		return v
	}
	v.E2EOK = check(KeepDuration(v.E2E), "e2e_ms")
	if r.TTFTMS != nil {
		v.TTFT, v.TTFTSched = *r.TTFTMS, *r.TTFTMS+v.Lag
		v.TTFTOK = check(KeepDuration(v.TTFT), "ttft_ms")
		v.TTFTSchedOK = check(KeepDuration(v.TTFTSched), "ttft_sched_ms")
	}
	if r.TPOTMS != nil {
		v.TPOT = *r.TPOTMS
		v.TPOTOK = check(KeepDuration(v.TPOT), "tpot_ms")
		if v.TPOT > 0 {
			v.Speed = 1000 / v.TPOT
			v.SpeedOK = check(KeepDuration(v.Speed), "output_speed_tokens_per_s")
		}
	}
	v.Input, v.Output = r.InputTokens, r.OutputTokens
	v.InputOK = check(KeepCount(v.Input), "tokens.input")
	v.OutputOK = check(KeepCount(v.Output), "tokens.output")
	if r.CachedTokens != nil {
		check(KeepCount(*r.CachedTokens), "tokens.cached")
	}
	return v
}

// EachGap calls fn with every ITL gap of a successful record that the
// rule keeps, events_ms[i] - events_ms[i-1], and counts the others as
// itl_ms in lo. It reports whether every gap was kept.
func EachGap(r *bench.Record, lo LeftOut, fn func(float64)) bool {
	if !r.OK {
		return true
	}
	clean := true
	for i := 1; i < len(r.EventsMS); i++ {
		if g := r.EventsMS[i] - r.EventsMS[i-1]; KeepDuration(g) {
			fn(g)
		} else {
			lo.Add("itl_ms")
			clean = false
		}
	}
	return clean
}

// keptRate is x / windowS when that is a kept rate; else 0, counted as
// metric in lo. An empty window (no record in it, or of length 0) has no
// rate and leaves nothing out.
func keptRate(x, windowS float64, lo LeftOut, metric string) float64 {
	if !(windowS > 0) {
		return 0
	}
	r := x / windowS
	if !KeepDuration(r) {
		lo.Add(metric)
		return 0
	}
	return r
}

// addCount adds n to *sum unless the sum would leave MaxFigure; it reports
// whether it did.
func addCount(sum *int, n int) bool {
	if n < 0 || n > MaxFigure-*sum {
		return false
	}
	*sum += n
	return true
}

// SkippedValuesMessage is the one warning about the values left out of a
// run's figures, for the terminal: summarize, report and gate print it.
func SkippedValuesMessage(l LeftOut) string {
	return fmt.Sprintf("%d values of records left out of the figures as not finite, beyond 2^53 or negative durations (%s): corrupt records", l.Total(), l)
}

// Window is the span [min t_start, max t_done] of the records added, in
// ms; Any says whether one was.
type Window struct {
	Start, Done float64
	Any         bool
}

// Add widens w to the record's times when they are kept (v.InWindow).
func (w *Window) Add(v RecordValues) {
	if !v.InWindow {
		return
	}
	if !w.Any || v.TStart < w.Start {
		w.Start = v.TStart
	}
	if !w.Any || v.TDone > w.Done {
		w.Done = v.TDone
	}
	w.Any = true
}
