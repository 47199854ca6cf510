package report

import (
	"fmt"
	"math"
	"strconv"

	"gonum.org/v1/plot/plotter"
)

// histFigures draws the ITL histogram of a run (up to its p99.9, so one
// stall does not flatten every bar) and the histogram of its tokens per
// event; several runs with samples are overlaid instead, one chart per
// metric (overlayHistFigures).
func histFigures(runs []*Run) []Figure {
	if withSamples(runs) > 1 {
		return overlayHistFigures(runs)
	}
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
			p := newPlot("ITL histogram"+who, "ITL (ms)", "gaps")
			h := histogram(itl, upper, 50)
			logX := spansDecades(itl[0], upper)
			if logX {
				// A long tail on a linear axis puts every gap in the
				// first bar: bins of equal width on a log axis instead.
				h = logHistogram(itl, itl[0], upper, 50)
				logAxis(&p.X)
			}
			for i := range h.Bins {
				h.Bins[i].Weight *= weight
			}
			p.Add(h)
			total := r.Summary.ITLMS.Count
			above := total - int(math.Round(float64(sortedUpTo(itl, upper))*weight))
			scale := ""
			if logX {
				scale = "; log scale, bins of equal width on it"
			}
			figs = append(figs, Figure{Name: "itl_hist" + suffix, Plot: p, Caption: fmt.Sprintf(
				"ITL histogram of %s up to p99.9 = %.2f ms (%d of %d gaps above it not drawn)%s.",
				r.Label, upper, max(above, 0), total, scale)})
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

// logHistogram counts sorted samples in [lo, hi] (lo > 0) into bins of
// equal width in log space; samples below lo count in the first bin.
func logHistogram(sorted []float64, lo, hi float64, bins int) *plotter.Histogram {
	h := histogramFrom(sorted, lo, hi, bins)
	vals := sorted[:sortedUpTo(sorted, hi)]
	ratio := math.Log(hi / lo)
	for i := range h.Bins {
		h.Bins[i].Min = lo * math.Exp(ratio*float64(i)/float64(bins))
		h.Bins[i].Max = lo * math.Exp(ratio*float64(i+1)/float64(bins))
		h.Bins[i].Weight = 0
	}
	for _, v := range vals {
		i := 0
		if v > lo {
			i = min(int(math.Log(v/lo)/ratio*float64(bins)), bins-1)
		}
		h.Bins[i].Weight++
	}
	return h
}

// withSamples counts the runs that keep per-request samples.
func withSamples(runs []*Run) int {
	n := 0
	for _, r := range runs {
		if r.Summary.HasSamples() {
			n++
		}
	}
	return n
}
