package report

// plot_style.go: how every chart looks. gonum/plot's defaults are a serif
// face at sizes meant for print; a report is read on a screen, beside
// sans-serif tables, so charts use Liberation Sans (bundled with gonum, so
// images do not depend on the fonts installed) at sizes readable when the
// page shows the image at its own width. Axes whose data spans decades
// are logarithmic (logAxis).

import (
	"math"
	"strconv"

	stdfnt "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
)

// Text sizes of charts, in points.
const (
	titleSize  = 13
	labelSize  = 11.5
	tickSize   = 10
	legendSize = 10
)

// sans is the face of chart text.
func sans(size vg.Length) font.Font {
	return font.Font{Typeface: "Liberation", Variant: "Sans", Size: size}
}

// styleFonts sets every text of p in the chart face.
func styleFonts(p *plot.Plot) {
	p.Title.TextStyle.Font = sans(titleSize)
	p.Title.TextStyle.Font.Weight = stdfnt.WeightBold
	p.Title.Padding = vg.Points(6)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sans(labelSize)
		a.Tick.Label.Font = sans(tickSize)
		a.Label.Padding = vg.Points(4)
	}
	p.Legend.TextStyle.Font = sans(legendSize)
	p.Legend.ThumbnailWidth = vg.Points(22)
}

// decadesLogRatio is the ratio of the largest to the smallest positive
// value past which an axis is logarithmic: two decades.
const decadesLogRatio = 100

// spansDecades reports whether the values, all positive, span more than
// two decades; false when any is zero or negative (a log axis cannot show
// it).
func spansDecades(lo, hi float64) bool {
	return lo > 0 && hi > 0 && !math.IsInf(hi, 0) && hi/lo > decadesLogRatio
}

// logAxis makes a a log axis with ticks at 1, 2 and 5 times powers of ten,
// so that a range of two or three decades still has labelled ticks.
func logAxis(a *plot.Axis) {
	a.Scale = plot.LogScale{}
	a.Tick.Marker = logTicks{}
}

// logTicks labels 1, 2, 5 x 10^k within the range, and marks the other
// integers times 10^k without labels.
type logTicks struct{}

// Ticks implements plot.Ticker.
func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if lo <= 0 || hi <= lo {
		return plot.LogTicks{}.Ticks(math.Max(lo, 1e-9), math.Max(hi, 1e-9*10))
	}
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		base := math.Pow(10, e)
		for m := 1; m <= 9; m++ {
			v := float64(m) * base
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || m == 2 || m == 5 {
				t.Label = tickLabel(v)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// tickLabel writes a tick value plainly: 0.5, 20, 1000, 2e+05 only past a
// million.
func tickLabel(v float64) string {
	if v >= 1e6 || v < 1e-3 {
		return formatG(v, 2)
	}
	return formatG(v, 6)
}

func formatG(v float64, prec int) string { return strconv.FormatFloat(v, 'g', prec, 64) }
