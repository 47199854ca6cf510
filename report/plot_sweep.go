package report

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"github.com/tokenbench/tokenbench/pricing"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// SweepPoint is one run of a sweep, reduced to what sweep charts plot.
type SweepPoint struct {
	Label string `json:"label"`
	// OutputTokensPerS is the run's output throughput, all GPUs together.
	OutputTokensPerS float64 `json:"output_tokens_per_s"`
	// Interactivity is 1000 / TPOT p50 in tokens/s per user, as InferenceX
	// defines it; 0 without TPOT samples.
	Interactivity float64 `json:"interactivity_tokens_per_s_per_user"`
	TTFTP50MS     float64 `json:"ttft_p50_ms"`
	TTFTP99MS     float64 `json:"ttft_p99_ms"`
	TPOTP50MS     float64 `json:"tpot_p50_ms"`
	TPOTP99MS     float64 `json:"tpot_p99_ms"`
	// HasTTFT and HasTPOT say whether the distributions exist.
	HasTTFT bool `json:"has_ttft"`
	HasTPOT bool `json:"has_tpot"`
}

// Chart reduces the sweep's runs to SweepPoints, in sweep order.
func (sw *Sweep) Chart() []SweepPoint {
	out := make([]SweepPoint, 0, len(sw.Points))
	for _, r := range sw.Points {
		s := r.Summary
		pt := SweepPoint{Label: r.Label, OutputTokensPerS: s.Throughput.OutputTokensPerS}
		if s.TTFTMS != nil {
			pt.HasTTFT, pt.TTFTP50MS, pt.TTFTP99MS = true, s.TTFTMS.P50, s.TTFTMS.P99
		}
		if s.TPOTMS != nil && s.TPOTMS.P50 > 0 {
			pt.HasTPOT, pt.TPOTP50MS, pt.TPOTP99MS = true, s.TPOTMS.P50, s.TPOTMS.P99
			pt.Interactivity = 1000 / s.TPOTMS.P50
		}
		out = append(out, pt)
	}
	return out
}

// ParetoFront returns the indices of the points no other point beats on
// both interactivity and per-GPU throughput (higher is better for both),
// ordered by interactivity. Points without TPOT are left out. The front is
// pricing.ParetoFront's, the one that cost at a target interactivity reads
// off: output tokens/s stands for per-GPU throughput (every point of a
// sweep has the same GPUs, so the order is the same), and each point's
// index rides in its Label.
func ParetoFront(pts []SweepPoint) []int {
	var ps []pricing.Point
	for i, p := range pts {
		if p.HasTPOT {
			ps = append(ps, pricing.Point{Interactivity: p.Interactivity, ThroughputPerGPU: p.OutputTokensPerS, Label: strconv.Itoa(i)})
		}
	}
	var front []int
	for _, p := range pricing.ParetoFront(ps) {
		i, _ := strconv.Atoi(p.Label)
		front = append(front, i)
	}
	return front
}

// sweepFigures draws latency against throughput (p50 solid, p99 dashed)
// for TTFT and TPOT, and the InferenceX chart: output throughput per GPU
// against interactivity, with each sweep's Pareto front drawn bold.
func sweepFigures(sweeps []*Sweep, gpus int) []Figure {
	if len(sweeps) == 0 {
		return nil
	}
	var figs []Figure
	for _, m := range []struct {
		name, title string
		has         func(SweepPoint) bool
		p50, p99    func(SweepPoint) float64
	}{
		{"ttft", "TTFT", func(p SweepPoint) bool { return p.HasTTFT },
			func(p SweepPoint) float64 { return p.TTFTP50MS }, func(p SweepPoint) float64 { return p.TTFTP99MS }},
		{"tpot", "TPOT", func(p SweepPoint) bool { return p.HasTPOT },
			func(p SweepPoint) float64 { return p.TPOTP50MS }, func(p SweepPoint) float64 { return p.TPOTP99MS }},
	} {
		p := newPlot(m.title+" against throughput", "output throughput (tokens/s)", m.title+" (ms)")
		p.Legend.Left = true
		lo, hi := math.Inf(1), 0.0
		var bound *float64
		for i, sw := range sweeps {
			var p50, p99 plotter.XYs
			var names []string
			for k, pt := range sw.Chart() {
				if m.has(pt) {
					p50 = append(p50, plotter.XY{X: pt.OutputTokensPerS, Y: m.p50(pt)})
					p99 = append(p99, plotter.XY{X: pt.OutputTokensPerS, Y: m.p99(pt)})
					names = append(names, shortPointLabel(pt.Label))
					lo, hi = math.Min(lo, m.p50(pt)), math.Max(hi, m.p99(pt))
				}
				if g := sw.Points[k].Summary.Goodput; g != nil && bound == nil {
					_, bound = metricParts(sw.Points[k].Summary, m.name+"_ms")
				}
			}
			addLinePoints(p, i, sw.Label+" p50", p50, nil)
			addLinePoints(p, i, sw.Label+" p99", p99, dashes[1])
			labelPoints(p, p50, names)
		}
		padRight(p)
		caption := fmt.Sprintf("%s p50 (solid) and p99 (dashed) against output throughput, one point per sweep run, labelled with its load", m.title)
		if spansDecades(lo, hi) {
			logAxis(&p.Y)
			caption += "; log scale"
		} else {
			p.Y.Min = 0
		}
		if bound != nil {
			hline(p, *bound, fmt.Sprintf("SLO %s ≤ %s ms", m.title, strconv.FormatFloat(*bound, 'f', -1, 64)))
			caption += "; the dashed red line is the SLO bound"
		}
		figs = append(figs, Figure{Name: "sweep_" + m.name, Plot: p, Caption: caption + "."})
	}

	p := newPlot("Throughput per GPU against interactivity",
		"interactivity (tokens/s/user = 1000 / TPOT p50)", fmt.Sprintf("output tokens/s per GPU (%d GPU)", gpus))
	for i, sw := range sweeps {
		pts := sw.Chart()
		var all, front plotter.XYs
		var names []string
		for _, pt := range pts {
			if pt.HasTPOT {
				all = append(all, plotter.XY{X: pt.Interactivity, Y: pt.OutputTokensPerS / float64(gpus)})
				names = append(names, shortPointLabel(pt.Label))
			}
		}
		for _, j := range ParetoFront(pts) {
			front = append(front, plotter.XY{X: pts[j].Interactivity, Y: pts[j].OutputTokensPerS / float64(gpus)})
		}
		if len(all) == 0 {
			continue
		}
		sc, _ := plotter.NewScatter(finiteXYs(all))
		sc.Color = colorOf(i)
		sc.Shape = draw.CircleGlyph{}
		sc.Radius = vg.Points(3)
		p.Add(sc)
		p.Legend.Add(sw.Label, sc)
		addLine(p, i, sw.Label+" Pareto front", front, vg.Points(2.5))
		labelPoints(p, all, names)
	}
	// Throughput from 0, so that the height of a point reads as its share
	// of the best; interactivity over the points' own range.
	p.Y.Min = 0
	padRight(p)
	// A Pareto front runs from the top left to the bottom right: the
	// bottom left holds only dominated points.
	p.Legend.Top, p.Legend.Left = false, true
	figs = append(figs, Figure{Name: "sweep_inferencex", Plot: p, Caption: fmt.Sprintf(
		"Output throughput per GPU (%d GPU) against interactivity, each run labelled with its load; bold lines join each sweep's Pareto front "+
			"(no other run has both more throughput and more interactivity).", gpus)})
	return figs
}

// addLinePoints adds a line with point glyphs in the i-th colour.
func addLinePoints(p *plot.Plot, i int, label string, xys plotter.XYs, dash []vg.Length) {
	xys = finiteXYs(xys)
	if len(xys) == 0 {
		return
	}
	l, sc, err := plotter.NewLinePoints(xys)
	if err != nil {
		return // cannot happen: finiteXYs removed what NewLinePoints refuses
	}
	l.Color, l.Width, l.Dashes = colorOf(i), vg.Points(1.5), dash
	sc.Color, sc.Shape, sc.Radius = colorOf(i), draw.CircleGlyph{}, vg.Points(2.5)
	p.Add(l, sc)
	p.Legend.Add(label, l, sc)
}

// labelPoints writes each point's name beside it, in the chart face. A
// point that is not finite gets no label, as it gets no glyph.
func labelPoints(p *plot.Plot, xys plotter.XYs, names []string) {
	var pts plotter.XYs
	var text []string
	for k, pt := range xys {
		if k < len(names) && len(finiteXYs(plotter.XYs{pt})) == 1 {
			pts, text = append(pts, pt), append(text, names[k])
		}
	}
	if len(pts) == 0 {
		return
	}
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: pts, Labels: text})
	if err != nil {
		return
	}
	for i := range l.TextStyle {
		l.TextStyle[i].Font = sans(tickSize - 1)
		l.TextStyle[i].Color = color.Gray{Y: 0x33}
	}
	l.Offset = vg.Point{X: vg.Points(5), Y: vg.Points(3)}
	p.Add(l)
}

// hline draws an SLO bound at y across the chart's x range as a dashed red
// horizontal line (gonum's plotter.Function spans whatever range the data
// gives the axis).
func hline(p *plot.Plot, y float64, label string) {
	f := plotter.NewFunction(func(float64) float64 { return y })
	f.Color, f.Width, f.Dashes = sloRed, vg.Points(1.5), []vg.Length{vg.Points(5), vg.Points(3)}
	p.Add(f)
	p.Legend.Add(label, f)
	if y > p.Y.Max {
		p.Y.Max = y * 1.05 // the bound above every point still shows
	}
}

// padRight widens a linear x axis by a tenth of its range (or by a tenth
// of its value when the range is empty) on the right, where the point
// labels of the rightmost points go.
func padRight(p *plot.Plot) {
	r := p.X.Max - p.X.Min
	if r <= 0 {
		r = math.Abs(p.X.Max)
	}
	p.X.Max += 0.1 * r
}
