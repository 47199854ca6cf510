package report

import (
	"maps"
	"slices"

	"github.com/tokenbench/tokenbench/bench"
)

// maxErrorExamples is how many error messages per class a report shows:
// enough to see what went wrong, few enough that a run where every request
// failed the same way does not bury the page.
const maxErrorExamples = 3

// ErrorExample is one failed request, kept to show what an error class
// looked like.
type ErrorExample struct {
	RequestID string `json:"request_id"`
	Status    int    `json:"status,omitempty"`
	Message   string `json:"error"`
}

// sampleCollector gathers, record by record, what plots need beyond the
// distributions. It lives inside an Aggregator and shares its lock.
type sampleCollector struct {
	series         seriesBuckets
	tokensPerEvent []float64
	errors         map[string][]ErrorExample
}

// add accounts for one measured (non-warm-up) record, failed or not.
func (c *sampleCollector) add(r *bench.Record) {
	c.series.add(r)
	if !r.OK {
		class := r.ErrorClass
		if class == "" {
			class = "unclassified"
		}
		if c.errors == nil {
			c.errors = map[string][]ErrorExample{}
		}
		if len(c.errors[class]) < maxErrorExamples {
			c.errors[class] = append(c.errors[class],
				ErrorExample{RequestID: r.RequestID, Status: r.Status, Message: r.Error})
		}
		return
	}
	// Tokens per event is > 1 under speculative decoding or when a server
	// batches chunks; usage gives the tokens, events_ms the events.
	if n := len(r.EventsMS); n > 0 && r.OutputTokens > 0 {
		c.tokensPerEvent = append(c.tokensPerEvent, float64(r.OutputTokens)/float64(n))
	}
}

// close copies what was gathered into a runSamples. ttft, tpot and e2e
// are the Aggregator's sorted samples; they are cloned because a later
// Close sorts them again in place, which would reorder an earlier Summary's.
// itl is already a copy, each sample standing for itlWeight gaps
// (gapStats.plotSamples).
func (c *sampleCollector) close(ttft, tpot, e2e, itl []float64, itlWeight float64) *runSamples {
	tpe := slices.Clone(c.tokensPerEvent)
	slices.Sort(tpe)
	errs := make(map[string][]ErrorExample, len(c.errors))
	for k, v := range c.errors {
		errs[k] = slices.Clone(v)
	}
	return &runSamples{
		ttftMS:         slices.Clone(ttft),
		tpotMS:         slices.Clone(tpot),
		itlMS:          itl,
		itlWeight:      itlWeight,
		e2eMS:          slices.Clone(e2e),
		tokensPerEvent: tpe,
		errors:         errs,
		series:         c.series.close(),
	}
}

// runSamples is what a Summary keeps for plots. Sample slices are sorted
// ascending.
type runSamples struct {
	ttftMS, tpotMS, itlMS, e2eMS []float64
	// itlWeight is how many gaps each of itlMS stands for: 1 while every
	// gap is kept, more once they are summarised by a histogram
	// (aggregate_gaps.go), when itlMS holds evenly spaced order statistics.
	itlWeight float64
	// tokensPerEvent is output_tokens / len(events_ms), one per successful
	// request with at least one event.
	tokensPerEvent []float64
	errors         map[string][]ErrorExample
	// series is nil when the source has no per-request times (imports
	// without start times).
	series *Series
}

// latencySamples returns the sorted samples of a latency metric by its JSON
// name (ttft_ms, tpot_ms, itl_ms, e2e_ms); nil when the Summary has none,
// for example when it was read from summary.json.
func (s *Summary) latencySamples(metric string) []float64 {
	if s == nil || s.samples == nil {
		return nil
	}
	switch metric {
	case "ttft_ms":
		return s.samples.ttftMS
	case "tpot_ms":
		return s.samples.tpotMS
	case "itl_ms":
		return s.samples.itlMS
	case "e2e_ms":
		return s.samples.e2eMS
	}
	return nil
}

// HasSamples reports whether s keeps the per-request samples that CDFs,
// histograms and time series need. A Summary read back from summary.json,
// or imported from an aggregate-only file, has none.
func (s *Summary) HasSamples() bool { return s != nil && s.samples != nil }

// TokensPerEvent returns output_tokens / len(events_ms) of each successful
// request, sorted; nil without samples.
func (s *Summary) TokensPerEvent() []float64 {
	if !s.HasSamples() {
		return nil
	}
	return s.samples.tokensPerEvent
}

// ErrorExamples returns, per error class, the first few failed requests
// with their messages; nil without samples.
func (s *Summary) ErrorExamples() map[string][]ErrorExample {
	if !s.HasSamples() {
		return nil
	}
	return s.samples.errors
}

// errorClasses returns the error classes of s in name order.
func (s *Summary) errorClasses() []string {
	return slices.Sorted(maps.Keys(s.Requests.Errors))
}
