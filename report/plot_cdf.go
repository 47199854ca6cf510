package report

import (
	"fmt"
	"image/color"
	"maps"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// maxCDFPoints caps the points drawn per CDF: a million ITL samples drawn
// one by one make a huge SVG and no better picture.
const maxCDFPoints = 500

// cdfMetrics are the latency CDFs a report draws.
var cdfMetrics = []struct{ metric, title, caption, y string }{
	{"ttft_ms", "TTFT", "time to first token of successful requests", "share of requests"},
	{"tpot_ms", "TPOT", "time per output token after the first, per request", "share of requests"},
	{"itl_ms", "ITL", "gap between token-bearing events, over all events of all requests", "share of gaps"},
	{"e2e_ms", "E2E latency", "end-to-end latency of successful requests", "share of requests"},
}

// metricParts returns the distribution of metric in s and the SLO bound
// on it (nil without one).
func metricParts(s *Summary, metric string) (*Distribution, *float64) {
	var slo SLO
	if s.Goodput != nil {
		slo = s.Goodput.SLO
	}
	switch metric {
	case "ttft_ms":
		return s.TTFTMS, slo.TTFTMS
	case "tpot_ms":
		return s.TPOTMS, slo.TPOTMS
	case "itl_ms":
		return s.ITLMS, slo.ITLMS
	case "e2e_ms":
		return s.E2EMS, slo.E2EMS
	}
	return nil, nil
}

// cdfFigures draws one CDF per latency metric, every run that has its
// samples overlaid, with each run's p50 (circle) and p99 (triangle) marked
// on its curve, dotted guides at 0.5 and 0.99, and each SLO bound on the
// metric as a vertical dashed line. The x axis is logarithmic when the
// samples span more than two decades.
func cdfFigures(runs []*Run) []Figure {
	var figs []Figure
	for _, m := range cdfMetrics {
		p := newPlot(m.title+" CDF", m.title+" (ms)", m.y)
		p.Legend.Top, p.Legend.Left = false, false
		lo, hi := math.Inf(1), 0.0
		type drawn struct {
			i       int
			r       *Run
			samples []float64
		}
		var ds []drawn
		for i, r := range runs {
			samples := r.Summary.latencySamples(m.metric)
			if len(samples) == 0 {
				continue
			}
			ds = append(ds, drawn{i, r, samples})
			lo, hi = math.Min(lo, samples[0]), math.Max(hi, samples[len(samples)-1])
		}
		if len(ds) == 0 {
			continue
		}
		logX := spansDecades(lo, hi)
		if logX {
			logAxis(&p.X)
		}
		for _, y := range []float64{0.5, 0.99} {
			guide(p, plotter.XYs{{X: lo, Y: y}, {X: hi, Y: y}})
		}
		slos := map[float64]bool{}
		var curves []plotter.XYs
		for _, d := range ds {
			xys := cdfXYs(d.samples)
			curves = append(curves, xys)
			addLine(p, d.i, legendLabel(runs, d.r), xys, vg.Points(1.5))
			dist, bound := metricParts(d.r.Summary, m.metric)
			if dist != nil {
				markPercentiles(p, d.i, len(ds) == 1, dist)
			}
			if bound != nil && (!logX || *bound > 0) {
				slos[*bound] = true
			}
		}
		// After the runs, so the legend lists runs first.
		for _, b := range slices.Sorted(maps.Keys(slos)) {
			sloLine(p, b, "SLO "+m.title+" ≤ "+strconv.FormatFloat(b, 'f', -1, 64)+" ms")
		}
		if len(ds) > 1 {
			// One legend entry per marker shape, in black: colours are
			// the runs'.
			for _, mk := range []struct {
				label string
				shape draw.GlyphDrawer
			}{{"p50", draw.CircleGlyph{}}, {"p99", draw.PyramidGlyph{}}} {
				sc, _ := plotter.NewScatter(plotter.XYs{{X: lo, Y: 0.5}})
				sc.Shape, sc.Color, sc.Radius = mk.shape, color.Black, vg.Points(3)
				p.Legend.Add(mk.label, sc)
			}
		}
		p.Y.Min, p.Y.Max = 0, 1
		p.Legend.Top, p.Legend.Left = cdfLegendCorner(p.X.Min, p.X.Max, logX, curves, slos)
		caption := fmt.Sprintf("%s CDF: %s; circles mark p50, triangles p99", m.title, m.caption)
		if logX {
			caption += "; log scale (the samples span more than two decades)"
		}
		if len(slos) > 0 {
			caption += "; the dashed red line is the SLO bound"
		}
		figs = append(figs, Figure{Name: m.metric[:len(m.metric)-3] + "_cdf", Plot: p, Caption: caption + "."})
	}
	return figs
}

// markPercentiles marks p50 and p99 of d on run i's curve; with one run
// the legend gives their values.
func markPercentiles(p *plot.Plot, i int, label bool, d *Distribution) {
	for _, mk := range []struct {
		name  string
		v, q  float64
		shape draw.GlyphDrawer
	}{{"p50", d.P50, 0.5, draw.CircleGlyph{}}, {"p99", d.P99, 0.99, draw.PyramidGlyph{}}} {
		xys := finiteXYs(plotter.XYs{{X: mk.v, Y: mk.q}})
		if len(xys) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(xys)
		if err != nil {
			continue
		}
		sc.Shape, sc.Color, sc.Radius = mk.shape, colorOf(i), vg.Points(4)
		p.Add(sc)
		if label {
			p.Legend.Add(fmt.Sprintf("%s %s ms", mk.name, sig(mk.v)), sc)
		}
	}
}

// guide draws a light dotted reference line.
func guide(p *plot.Plot, xys plotter.XYs) {
	l, err := plotter.NewLine(finiteXYs(xys))
	if err != nil {
		return
	}
	l.Color, l.Width, l.Dashes = color.Gray{Y: 0x99}, vg.Points(0.8), []vg.Length{vg.Points(1), vg.Points(3)}
	p.Add(l)
}

// sloRed is the colour of SLO bounds on every chart.
var sloRed = color.RGBA{200, 30, 30, 255}

// sloLine draws the SLO bound at x as a vertical dashed red line over the
// whole height of a CDF.
func sloLine(p *plot.Plot, x float64, label string) {
	l, err := plotter.NewLine(plotter.XYs{{X: x, Y: 0}, {X: x, Y: 1}})
	if err != nil {
		return
	}
	l.Color, l.Width, l.Dashes = sloRed, vg.Points(1.5), []vg.Length{vg.Points(5), vg.Points(3)}
	p.Add(l)
	p.Legend.Add(label, l)
	if x >= p.X.Max {
		p.X.Max = x * 1.05 // off the chart's edge, where it would be lost
	}
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

// cdfLegendCorner picks where a CDF's legend hides the least: the bottom
// right (where a CDF seldom is, having reached 1 before the largest
// sample) unless an SLO line or the curves' last steps are there, then the
// top left. A corner is judged by the curve points and SLO lines in a box
// a third of the chart wide and 40% high.
func cdfLegendCorner(xmin, xmax float64, logX bool, curves []plotter.XYs, slos map[float64]bool) (top, left bool) {
	pos := func(x float64) float64 { // 0..1 across the axis
		if logX {
			if x <= 0 || xmin <= 0 {
				return 0
			}
			return math.Log(x/xmin) / math.Log(xmax/xmin)
		}
		return (x - xmin) / (xmax - xmin)
	}
	if !(xmax > xmin) {
		return false, false
	}
	var bottomRight, topLeft int
	for _, c := range curves {
		for _, pt := range c {
			x := pos(pt.X)
			switch {
			case x > 2.0/3 && pt.Y < 0.4:
				bottomRight++
			case x < 1.0/3 && pt.Y > 0.6:
				topLeft++
			}
		}
	}
	for x := range slos {
		// A vertical line crosses both boxes' heights: it weighs as much
		// as a whole curve in the box its x falls in.
		switch px := pos(x); {
		case px > 2.0/3:
			bottomRight += 1000
		case px < 1.0/3:
			topLeft += 1000
		}
	}
	if bottomRight <= topLeft {
		return false, false
	}
	return true, true
}
