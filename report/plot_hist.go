package report

import (
	"fmt"
	"math"
	"strconv"
)

// histFigures draws, per run with samples, the ITL histogram (up to its
// p99.9, so one stall does not flatten every bar) and the histogram of
// tokens per event.
func histFigures(runs []*Run) []Figure {
	var figs []Figure
	for i, r := range runs {
		suffix, who := "", ""
		if len(runs) > 1 {
			suffix, who = "_"+strconv.Itoa(i+1), " ("+r.Label+")"
		}
		if itl := r.Summary.latencySamples("itl_ms"); len(itl) > 0 {
			// Past exactGapSamples the samples are order statistics,
			// each standing for weight gaps: bars count gaps all the same.
			weight := max(r.Summary.samples.itlWeight, 1)
			upper := percentile(itl, 99.9)
			p := newPlot("ITL histogram"+who, "ITL (ms)", "events")
			h := histogram(itl, upper, 50)
			for i := range h.Bins {
				h.Bins[i].Weight *= weight
			}
			p.Add(h)
			total := r.Summary.ITLMS.Count
			above := total - int(math.Round(float64(sortedUpTo(itl, upper))*weight))
			figs = append(figs, Figure{Name: "itl_hist" + suffix, Plot: p, Caption: fmt.Sprintf(
				"ITL histogram of %s up to p99.9 = %.2f ms (%d of %d gaps above it not drawn).",
				r.Label, upper, max(above, 0), total)})
		}
		if tpe := r.Summary.TokensPerEvent(); len(tpe) > 0 {
			p := newPlot("Tokens per event"+who, "output tokens / token-bearing events, per request", "requests")
			// From 0 to at least 2, so that the usual one token per event
			// shows as one narrow bar at 1, not a block filling the chart.
			p.Add(histogramFrom(tpe, 0, math.Max(2, math.Ceil(tpe[len(tpe)-1])), 40))
			figs = append(figs, Figure{Name: "tokens_per_event" + suffix, Plot: p, Caption: fmt.Sprintf(
				"Tokens per event of %s: above 1 under speculative decoding or when the server batches chunks.",
				r.Label)})
		}
	}
	return figs
}
