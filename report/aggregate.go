package report

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"path/filepath"
	"sync"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/bench/scrape"
)

// Aggregator accumulates records and builds a Summary at Close, in the
// add-then-close style of vegeta's Metrics. It is safe for concurrent use:
// the runner adds from every worker goroutine.
type Aggregator struct {
	mu sync.Mutex

	total, ok, warmup int
	errors            map[string]int

	// window bounds the measured records.
	window Window
	// leftOut counts the values the rule of finite.go left out.
	leftOut LeftOut
	sumE2E  float64
	// Spans of intended and actual starts, for the achieved-rate check.
	pace paceSpan

	input, output, estimated int
	suspect, retried         int
	cached                   int
	cachedSeen               bool

	// Per-request samples in ms (speed in tokens/s), one column each;
	// sorted at Close.
	ttft, ttftSched, tpot, e2e, lag, speed []float64
	// itl holds the per-gap samples: exact while few, else a histogram
	// (aggregate_gaps.go).
	itl gapStats

	// goodput counts the records that met the SLO (goodput.go).
	goodput goodputCounter
	// spec gathers speculative decoding and prefix reuse (engine.go).
	spec specCollector
	// prompt compares target and actual prompt lengths (prompt.go).
	prompt promptCollector
	// sessions groups the turns of multi-turn sessions (sessions.go).
	sessions sessionCollector
	// endpoints breaks a routed run down per endpoint (endpoints.go).
	endpoints endpointCollector

	// plots collects what plots need beyond the distributions: per-second
	// buckets, tokens per event, the first error messages (samples.go).
	plots sampleCollector
}

// NewAggregator returns an empty Aggregator.
func NewAggregator() *Aggregator {
	return &Aggregator{errors: map[string]int{}, leftOut: LeftOut{}}
}

// Write adds r and never fails; it makes an Aggregator a bench.Sink.
func (a *Aggregator) Write(r bench.Record) error {
	a.Add(r)
	return nil
}

var _ bench.Sink = (*Aggregator)(nil)

// Add accounts for one finished record.
func (a *Aggregator) Add(r bench.Record) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if r.Warmup {
		a.warmup++
		return
	}

	// Counts, window, schedule lag and concurrency use every measured
	// record: a failed request was still sent and still held a slot.
	// Values the rule of finite.go leaves out are counted, and the other
	// collectors see the record without them (clean).
	if a.leftOut == nil {
		a.leftOut = LeftOut{}
	}
	v := NewRecordValues(&r, a.leftOut)
	clean := cleanRecord(r, &v)
	a.window.Add(v)
	if KeepTime(r.TSchedMS) && KeepTime(r.TStartMS) {
		a.pace.add(r.TSchedMS, r.TStartMS)
	}
	a.total++
	if v.E2EOK {
		a.sumE2E += v.E2E
	}
	a.plots.add(&clean)
	a.goodput.add(&clean, v.Clean)
	a.spec.add(&clean)
	a.prompt.add(&clean)
	a.sessions.add(&clean, &v)
	a.endpoints.add(&clean, a.leftOut)
	if v.LagOK {
		a.lag = append(a.lag, v.Lag)
	}
	if r.Retried {
		a.retried++
	}
	if !r.OK {
		class := r.ErrorClass
		if class == "" {
			class = "unclassified"
		}
		a.errors[class]++
		return
	}

	a.ok++
	// Token sums use successful records only: a failed request's counts
	// are partial or missing (no usage chunk), and METRICS.md pairs
	// throughput with successful requests. A sum never passes MaxFigure.
	if v.InputOK && !addCount(&a.input, v.Input) {
		a.leftOut.Add("tokens.input")
	}
	if v.OutputOK && !addCount(&a.output, v.Output) {
		a.leftOut.Add("tokens.output")
	}
	if clean.CachedTokens != nil {
		if addCount(&a.cached, *clean.CachedTokens) {
			a.cachedSeen = true
		} else {
			a.leftOut.Add("tokens.cached")
		}
	}
	if r.TokensSource == bench.TokensFromEstimate {
		a.estimated++
		if r.UsageSuspect != "" {
			a.suspect++
		}
	}

	if v.E2EOK {
		a.e2e = append(a.e2e, v.E2E)
	}
	if v.TTFTOK {
		a.ttft = append(a.ttft, v.TTFT)
	}
	if v.TTFTSchedOK {
		a.ttftSched = append(a.ttftSched, v.TTFTSched)
	}
	if v.TPOTOK {
		a.tpot = append(a.tpot, v.TPOT)
	}
	if v.SpeedOK {
		a.speed = append(a.speed, v.Speed)
	}
	// events_ms[i] - events_ms[i-1], as Record.ITLs, without its slice.
	EachGap(&r, a.leftOut, a.itl.add)
}

// cleanRecord is r as the collectors beyond the distributions see it:
// without the values the rule left out (v). A time left out becomes NaN
// (they skip NaN), a pointer nil, a token count 0.
func cleanRecord(r bench.Record, v *RecordValues) bench.Record {
	if !v.InWindow {
		r.TStartMS, r.TSchedMS = math.NaN(), math.NaN()
	}
	if !v.E2EOK || !v.InWindow {
		r.E2EMS = math.NaN()
	}
	if !v.TTFTOK {
		r.TTFTMS = nil
	}
	if !v.TPOTOK {
		r.TPOTMS = nil
	}
	if r.OK {
		if !v.InputOK {
			r.InputTokens = 0
		}
		if !v.OutputOK {
			r.OutputTokens = 0
		}
	}
	if r.CachedTokens != nil && !KeepCount(*r.CachedTokens) {
		r.CachedTokens = nil
	}
	return r
}

// appendFinite drops NaN and ±Inf: JSON records cannot hold them, but one
// from a buggy in-process producer would poison every statistic.
func appendFinite(s []float64, v float64) []float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return s
	}
	return append(s, v)
}

// Close computes the Summary. The Aggregator stays usable: more records may
// be added and Close called again.
func (a *Aggregator) Close() *Summary {
	a.mu.Lock()
	defer a.mu.Unlock()

	s := &Summary{
		Requests: Requests{
			Total:          a.total,
			OK:             a.ok,
			Failed:         a.total - a.ok,
			WarmupExcluded: a.warmup,
			Retried:        a.retried,
			Errors:         make(map[string]int, len(a.errors)),
		},
		Tokens: Tokens{Input: a.input, Output: a.output, EstimatedRecords: a.estimated, UsageSuspectRecords: a.suspect},
	}
	for k, v := range a.errors {
		s.Requests.Errors[k] = v
	}
	if a.cachedSeen {
		c := a.cached
		s.Tokens.Cached = &c
	}
	// Both bounds are kept times, so the window is within 2^54 ms.
	if a.window.Any {
		s.WindowS = (a.window.Done - a.window.Start) / 1000
	}
	lo := maps.Clone(a.leftOut)
	s.Throughput = Throughput{
		RequestsPerS:     keptRate(float64(a.ok), s.WindowS, lo, "throughput.requests_per_s"),
		InputTokensPerS:  keptRate(float64(a.input), s.WindowS, lo, "throughput.input_tokens_per_s"),
		OutputTokensPerS: keptRate(float64(a.output), s.WindowS, lo, "throughput.output_tokens_per_s"),
		TotalTokensPerS:  keptRate(float64(a.input+a.output), s.WindowS, lo, "throughput.total_tokens_per_s"),
	}
	// sumE2E is in ms, the window in s.
	s.ConcurrencyAchieved = keptRate(a.sumE2E/1000, s.WindowS, lo, "concurrency_achieved")
	s.Goodput = a.goodput.close(a.total, s.WindowS, lo)
	s.Engine, s.hiddenEvents = a.spec.close()
	s.PromptLength = a.prompt.close()
	s.Sessions = a.sessions.close()
	s.Routing = a.endpoints.close(s.WindowS)
	pace := a.pace
	s.pace = &pace

	// Sorting the columns is most of Close over a million records; they
	// are independent, so they sort side by side (newDistribution then
	// finds them sorted). The result is the same as sorting one by one.
	sortColumns(a.ttft, a.ttftSched, a.tpot, a.e2e, a.lag, a.speed)
	s.TTFTMS = newDistribution(a.ttft)
	s.TTFTSchedMS = newDistribution(a.ttftSched)
	s.TPOTMS = newDistribution(a.tpot)
	s.ITLMS = a.itl.distribution()
	s.E2EMS = newDistribution(a.e2e)
	s.ScheduleLagMS = newDistribution(a.lag)
	s.OutputSpeed = newDistribution(a.speed)
	// After newDistribution: the samples are sorted now.
	itl, itlWeight := a.itl.plotSamples()
	s.samples = a.plots.close(a.ttft, a.tpot, a.e2e, itl, itlWeight)
	if len(lo) > 0 {
		s.SkippedValues = lo
	}
	s.leaveOutNonFinite()
	return s
}

// perSecond is x / windowS, or 0 for an empty window: a run of zero length
// has no rate, and JSON cannot carry the Inf or NaN a division would give.
func perSecond(x, windowS float64) float64 {
	if windowS <= 0 {
		return 0
	}
	return finite(x / windowS)
}

func finite(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return x
}

// Summarize rebuilds the Summary of a run from its directory alone: the
// records of DIR/requests.jsonl, counted against the SLO that run.json
// names, plus the engine's scrapes (metrics.jsonl) and the workload's
// intended prefix reuse (workload.json) when the run left them. A torn last
// line (a crash mid-write) is skipped and returned as a warning.
func Summarize(dir string) (*Summary, []bench.Warning, error) {
	a := NewAggregator()
	ri, riErr := bench.ReadRunInfo(dir)
	if riErr == nil && ri.SLO != "" {
		slo, err := ParseSLO(ri.SLO)
		if err != nil {
			return nil, nil, fmt.Errorf("report: %s/%s: slo: %w", dir, bench.RunFile, err)
		}
		a.SetSLO(slo)
	}
	warns, err := a.ReadRecordsFile(filepath.Join(dir, bench.RecordsFile))
	if err != nil {
		return nil, warns, fmt.Errorf("report: %w", err)
	}
	s := a.Close()
	s.Shards = shardsOf(ri)
	s.Requests.SkippedLines = bench.SkippedLines(warns)
	samples, sw, err := scrape.ReadSamplesFile(filepath.Join(dir, scrape.MetricsFile))
	switch {
	case err == nil:
		for _, w := range sw {
			warns = append(warns, bench.Warning{Line: w.Line, Msg: scrape.MetricsFile + ": " + w.Msg})
		}
		if es := scrape.Summarize(samples); es.Name != "" {
			s.SetEngineMetrics(es)
		}
	case !errors.Is(err, fs.ErrNotExist):
		// The records are the run; unreadable scrapes only lose the
		// engine section, and say so.
		warns = append(warns, bench.Warning{Msg: fmt.Sprintf("engine section left out: %v", err)})
	}
	if wi, err := bench.ReadWorkloadInfo(dir); err == nil {
		if wi.IntendedPrefixReuse != nil {
			s.SetIntendedPrefixReuse(*wi.IntendedPrefixReuse)
		}
		s.SetHeldBack(wi.HeldBack)
	}
	if riErr == nil {
		s.SetRouting(ri.Routing)
		s.SetValidity(ri) // last: it reads held_back too
	}
	// Last: the sections set above read engine fields of their own.
	s.leaveOutNonFinite()
	return s, warns, nil
}
