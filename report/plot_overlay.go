package report

// plot_overlay.go: the histograms of several runs on one chart. Bars of
// several runs hide each other, and runs of different sizes have counts
// that cannot be compared; so each run is a step line of the share of its
// samples in each bin, over bins common to every run.

import (
	"math"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// overlayHistFigures draws the ITL distribution and the tokens per event
// of every run with samples, overlaid: one chart per metric.
func overlayHistFigures(runs []*Run) []Figure {
	var figs []Figure
	type series struct {
		i       int
		r       *Run
		samples []float64
	}
	collect := func(get func(*Summary) []float64) []series {
		var out []series
		for i, r := range runs {
			if s := get(r.Summary); len(s) > 0 {
				out = append(out, series{i, r, s})
			}
		}
		return out
	}

	itl := collect(func(s *Summary) []float64 { return s.latencySamples("itl_ms") })
	if len(itl) > 0 {
		lo, hi := math.Inf(1), 0.0
		for _, s := range itl {
			lo, hi = math.Min(lo, s.samples[0]), math.Max(hi, percentile(s.samples, 99.9))
		}
		logX := spansDecades(lo, hi)
		p := newPlot("ITL distribution", "ITL (ms)", "share of gaps per bin")
		if logX {
			logAxis(&p.X)
		}
		for _, s := range itl {
			var h *plotter.Histogram
			if logX {
				h = logHistogram(s.samples, lo, hi, 50)
			} else {
				h = histogramFrom(s.samples, lo, hi, 50)
			}
			addLine(p, s.i, s.r.Label, shareSteps(h, len(s.samples)), vg.Points(1.5))
		}
		p.Y.Min = 0
		caption := "ITL of every run, as the share of its gaps in each bin, up to the largest p99.9"
		if logX {
			caption += "; log scale, bins of equal width on it"
		}
		figs = append(figs, Figure{Name: "itl_hist", Plot: p, Caption: caption + "."})
	}

	tpe := collect(func(s *Summary) []float64 { return s.TokensPerEvent() })
	if len(tpe) > 0 {
		hi := 2.0
		for _, s := range tpe {
			hi = math.Max(hi, math.Ceil(s.samples[len(s.samples)-1]))
		}
		p := newPlot("Tokens per event", "output tokens / token-bearing events, per request", "share of requests per bin")
		for _, s := range tpe {
			addLine(p, s.i, s.r.Label, shareSteps(histogramFrom(s.samples, 0, hi, 40), len(s.samples)), vg.Points(1.5))
		}
		p.Y.Min = 0
		figs = append(figs, Figure{Name: "tokens_per_event", Plot: p, Caption: "Tokens per event of every run (share of its requests in each bin): " +
			"above 1 under speculative decoding or when the server batches chunks."})
	}
	return figs
}

// shareSteps turns a histogram of n samples into a step line of the share
// of samples in each bin, closed to 0 at both ends.
func shareSteps(h *plotter.Histogram, n int) plotter.XYs {
	if len(h.Bins) == 0 || n == 0 {
		return nil
	}
	xys := plotter.XYs{{X: h.Bins[0].Min, Y: 0}}
	for _, b := range h.Bins {
		y := b.Weight / float64(n)
		xys = append(xys, plotter.XY{X: b.Min, Y: y}, plotter.XY{X: b.Max, Y: y})
	}
	return append(xys, plotter.XY{X: h.Bins[len(h.Bins)-1].Max, Y: 0})
}
