package report

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// maxCDFPoints caps the points drawn per CDF: a million ITL samples drawn
// one by one make a huge SVG and no better picture.
const maxCDFPoints = 500

// cdfMetrics are the latency CDFs a report draws.
var cdfMetrics = []struct{ metric, title, caption string }{
	{"ttft_ms", "TTFT", "time to first token of successful requests"},
	{"tpot_ms", "TPOT", "time per output token after the first, per request"},
	{"itl_ms", "ITL", "gap between token-bearing events, over all events of all requests"},
	{"e2e_ms", "E2E latency", "end-to-end latency of successful requests"},
}

// cdfFigures draws one CDF per latency metric, every run that has its
// samples overlaid.
func cdfFigures(runs []*Run) []Figure {
	var figs []Figure
	for _, m := range cdfMetrics {
		p := newPlot(m.title+" CDF", m.title+" (ms)", "fraction of samples")
		p.Legend.Top, p.Legend.Left = false, false
		drawn := 0
		for i, r := range runs {
			samples := r.Summary.latencySamples(m.metric)
			if len(samples) == 0 {
				continue
			}
			addLine(p, i, legendLabel(runs, r), cdfXYs(samples), vg.Points(1.5))
			drawn++
		}
		if drawn == 0 {
			continue
		}
		p.Y.Min, p.Y.Max = 0, 1
		figs = append(figs, Figure{Name: m.metric[:len(m.metric)-3] + "_cdf", Plot: p,
			Caption: fmt.Sprintf("%s CDF: %s.", m.title, m.caption)})
	}
	return figs
}

// cdfXYs returns the empirical CDF of sorted samples as a step line: at
// each drawn sample the share of samples <= it rises from the previous
// step. It is thinned to at most maxCDFPoints samples evenly spaced in
// rank, always keeping the minimum and the maximum.
func cdfXYs(sorted []float64) plotter.XYs {
	n := len(sorted)
	m := min(n, maxCDFPoints)
	xys := make(plotter.XYs, 0, 2*m)
	prev := 0.0
	for k := range m {
		i := k
		if m < n {
			i = int(math.Round(float64(k) * float64(n-1) / float64(m-1)))
		}
		y := float64(i+1) / float64(n)
		xys = append(xys, plotter.XY{X: sorted[i], Y: prev}, plotter.XY{X: sorted[i], Y: y})
		prev = y
	}
	return xys
}

// histogram counts sorted samples up to and including upper into bins of
// equal width; a single-valued sample gets one bin of width 1 around it.
func histogram(sorted []float64, upper float64, bins int) *plotter.Histogram {
	return histogramFrom(sorted, sorted[0], upper, bins)
}

// histogramFrom is histogram over [lo, upper]; samples below lo count in
// the first bin.
func histogramFrom(sorted []float64, lo, upper float64, bins int) *plotter.Histogram {
	hi := upper
	vals := sorted[:sortedUpTo(sorted, upper)]
	if hi <= lo {
		lo, hi, bins = lo-0.5, lo+0.5, 1
	}
	width := (hi - lo) / float64(bins)
	h := &plotter.Histogram{Width: width, FillColor: colorOf(0), LineStyle: plotter.DefaultLineStyle}
	h.LineStyle.Width = vg.Points(0.5)
	h.Bins = make([]plotter.HistogramBin, bins)
	for i := range h.Bins {
		h.Bins[i].Min = lo + float64(i)*width
		h.Bins[i].Max = lo + float64(i+1)*width
	}
	for _, v := range vals {
		i := max(int((v-lo)/width), 0)
		if i >= bins {
			i = bins - 1
		}
		h.Bins[i].Weight++
	}
	return h
}

// sortedUpTo returns how many of sorted are <= x.
func sortedUpTo(sorted []float64, x float64) int {
	i, _ := slices.BinarySearchFunc(sorted, x, func(e, t float64) int {
		if e <= t {
			return -1
		}
		return 1
	})
	return i
}

// legendLabel is the run's label in a legend, or "" (no legend) when the
// chart has one run only.
func legendLabel(runs []*Run, r *Run) string {
	if len(runs) == 1 {
		return ""
	}
	return r.Label
}
