package report

import (
	"errors"
	"fmt"
	"io/fs"
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

	// Window bounds over measured records, valid when total > 0.
	minStart, maxDone float64
	sumE2E            float64
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
	return &Aggregator{errors: map[string]int{}}
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
	if a.total == 0 || r.TStartMS < a.minStart {
		a.minStart = r.TStartMS
	}
	if done := r.TDoneMS(); a.total == 0 || done > a.maxDone {
		a.maxDone = done
	}
	a.pace.add(r.TSchedMS, r.TStartMS)
	a.total++
	a.sumE2E += r.E2EMS
	a.plots.add(&r)
	a.goodput.add(&r)
	a.spec.add(&r)
	a.prompt.add(&r)
	a.sessions.add(&r)
	a.endpoints.add(&r)
	a.lag = appendFinite(a.lag, r.TStartMS-r.TSchedMS)
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
	// throughput with successful requests.
	a.input += r.InputTokens
	a.output += r.OutputTokens
	if r.CachedTokens != nil {
		a.cached += *r.CachedTokens
		a.cachedSeen = true
	}
	if r.TokensSource == bench.TokensFromEstimate {
		a.estimated++
		if r.UsageSuspect != "" {
			a.suspect++
		}
	}

	a.e2e = appendFinite(a.e2e, r.E2EMS)
	if r.TTFTMS != nil {
		a.ttft = appendFinite(a.ttft, *r.TTFTMS)
		a.ttftSched = appendFinite(a.ttftSched, r.TStartMS+*r.TTFTMS-r.TSchedMS)
	}
	if r.TPOTMS != nil {
		a.tpot = appendFinite(a.tpot, *r.TPOTMS)
		if *r.TPOTMS > 0 {
			a.speed = appendFinite(a.speed, 1000 / *r.TPOTMS)
		}
	}
	// events_ms[i] - events_ms[i-1], as Record.ITLs, without its slice.
	for i := 1; i < len(r.EventsMS); i++ {
		if v := r.EventsMS[i] - r.EventsMS[i-1]; !math.IsNaN(v) && !math.IsInf(v, 0) {
			a.itl.add(v)
		}
	}
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
	if a.total > 0 {
		s.WindowS = finite((a.maxDone - a.minStart) / 1000)
	}
	s.Throughput = Throughput{
		RequestsPerS:     perSecond(float64(a.ok), s.WindowS),
		InputTokensPerS:  perSecond(float64(a.input), s.WindowS),
		OutputTokensPerS: perSecond(float64(a.output), s.WindowS),
		TotalTokensPerS:  perSecond(float64(a.input+a.output), s.WindowS),
	}
	// sumE2E is in ms, the window in s.
	s.ConcurrencyAchieved = perSecond(a.sumE2E/1000, s.WindowS)
	s.Goodput = a.goodput.close(a.total, s.WindowS)
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
	return s, warns, nil
}
