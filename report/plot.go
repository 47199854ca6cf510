package report

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Plot sizes. Images carry no timestamp and depend only on the data and
// these options, so golden images stay stable. The HTML page shows a chart
// 6 inches wide (576 CSS pixels); PNGs are drawn at 1.5 times that, so they
// stay sharp on high-density screens.
const (
	DefaultPlotWidth  = 6 * vg.Inch
	DefaultPlotHeight = 4 * vg.Inch
	DefaultPlotDPI    = 144
)

// PlotOptions sizes the images and sets what the data does not say.
type PlotOptions struct {
	// Width and Height of every image; 0 means the defaults.
	Width, Height vg.Length
	// DPI of PNG images; 0 means DefaultPlotDPI.
	DPI int
	// GPUs serving the endpoint, for per-GPU throughput; 0 means 1.
	GPUs int
	// MaxGauges caps the engine gauges plotted per run; 0 means 8.
	MaxGauges int
}

func (o PlotOptions) withDefaults() PlotOptions {
	if o.Width <= 0 {
		o.Width = DefaultPlotWidth
	}
	if o.Height <= 0 {
		o.Height = DefaultPlotHeight
	}
	if o.DPI <= 0 {
		o.DPI = DefaultPlotDPI
	}
	if o.GPUs <= 0 {
		o.GPUs = 1
	}
	if o.MaxGauges <= 0 {
		o.MaxGauges = 8
	}
	return o
}

// Figure is one chart of a report.
type Figure struct {
	// Name is the file stem: ttft_cdf, sweep_inferencex...
	Name string
	// Caption says what the chart shows, for HTML.
	Caption string
	Plot    *plot.Plot
}

// WritePNG renders f as a PNG image.
func (f Figure) WritePNG(w io.Writer, o PlotOptions) error {
	o = o.withDefaults()
	c := vgimg.NewWith(vgimg.UseWH(o.Width, o.Height), vgimg.UseDPI(o.DPI),
		vgimg.UseBackgroundColor(color.White))
	f.Plot.Draw(draw.New(c))
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(w); err != nil {
		return fmt.Errorf("report: plot %s: %w", f.Name, err)
	}
	return nil
}

// WriteSVG renders f as an SVG image, fonts referenced by name.
func (f Figure) WriteSVG(w io.Writer, o PlotOptions) error {
	o = o.withDefaults()
	c := vgsvg.New(o.Width, o.Height)
	f.Plot.Draw(draw.New(c))
	if _, err := c.WriteTo(w); err != nil {
		return fmt.Errorf("report: plot %s: %w", f.Name, err)
	}
	return nil
}

// WritePlots writes each figure as dir/NAME.png and dir/NAME.svg.
func WritePlots(dir string, figs []Figure, o PlotOptions) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	for _, f := range figs {
		for ext, write := range map[string]func(io.Writer, PlotOptions) error{
			".png": f.WritePNG, ".svg": f.WriteSVG,
		} {
			var b bytes.Buffer
			if err := write(&b, o); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(dir, f.Name+ext), b.Bytes(), 0o644); err != nil {
				return fmt.Errorf("report: %w", err)
			}
		}
	}
	return nil
}

// Figures returns every chart the set has data for, in report order:
// latency CDFs, histograms, time series and engine gauges of the runs,
// then the sweep charts.
func Figures(set *Set, o PlotOptions) []Figure {
	o = o.withDefaults()
	var figs []Figure
	figs = append(figs, cdfFigures(set.Runs)...)
	figs = append(figs, histFigures(set.Runs)...)
	figs = append(figs, seriesFigures(set.Runs)...)
	figs = append(figs, gaugeFigures(set.Runs, o.MaxGauges)...)
	figs = append(figs, routingFigures(set.Runs)...)
	figs = append(figs, sweepFigures(set.Sweeps, o.GPUs)...)
	return figs
}

// palette is Okabe and Ito's colour-blind-safe set, then gonum's defaults.
var palette = []color.Color{
	color.RGBA{0, 114, 178, 255},   // blue
	color.RGBA{213, 94, 0, 255},    // vermillion
	color.RGBA{0, 158, 115, 255},   // green
	color.RGBA{204, 121, 167, 255}, // purple
	color.RGBA{230, 159, 0, 255},   // orange
	color.RGBA{86, 180, 233, 255},  // sky blue
	color.RGBA{0, 0, 0, 255},       // black
	color.RGBA{240, 228, 66, 255},  // yellow
}

func colorOf(i int) color.Color { return palette[i%len(palette)] }

// gridColor is a light grey: the grid guides the eye without competing
// with the data.
var gridColor = color.Gray{Y: 0xdd}

// dashes tell series apart where colour cannot (print, colour blindness).
var dashes = [][]vg.Length{nil, {vg.Points(6), vg.Points(3)}, {vg.Points(2), vg.Points(2)},
	{vg.Points(8), vg.Points(2), vg.Points(2), vg.Points(2)}}

// newPlot returns a plot with our title, axis labels and grid.
func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	styleFonts(p)
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	g := plotter.NewGrid()
	g.Vertical.Color, g.Horizontal.Color = gridColor, gridColor
	p.Add(g)
	p.Legend.Top = true
	return p
}

// addLine adds a labelled line; a series with no finite point is skipped.
func addLine(p *plot.Plot, i int, label string, xys plotter.XYs, width vg.Length) {
	xys = finiteXYs(xys)
	if len(xys) == 0 {
		return
	}
	l, err := plotter.NewLine(xys)
	if err != nil {
		return // cannot happen: finiteXYs removed what NewLine refuses
	}
	l.Color = colorOf(i)
	l.Width = width
	l.Dashes = dashes[i%len(dashes)]
	p.Add(l)
	if label != "" {
		p.Legend.Add(label, l)
	}
}

// finiteXYs drops points gonum cannot draw (NaN, ±Inf).
func finiteXYs(xys plotter.XYs) plotter.XYs {
	out := xys[:0:0]
	for _, pt := range xys {
		if !math.IsNaN(pt.X) && !math.IsNaN(pt.Y) && !math.IsInf(pt.X, 0) && !math.IsInf(pt.Y, 0) {
			out = append(out, pt)
		}
	}
	return out
}
