package report

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/tokenbench/tokenbench/bench"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// HistoryPoint is one run's value of a metric, for a plot over time.
type HistoryPoint struct {
	Time  time.Time
	Value float64
	// Label names the run (its name or id); the newest point is labelled.
	Label string
}

// HistoryFigure plots metric over runs (oldest first): one point per run at
// its start time, joined by a line.
func HistoryFigure(name, metric string, pts []HistoryPoint) Figure {
	p := newPlot(metric+" over runs", "run start (UTC)", metric)
	p.X.Tick.Marker = plot.TimeTicks{Format: "01-02\n15:04:05"}
	xys := make(plotter.XYs, len(pts))
	for i, pt := range pts {
		xys[i] = plotter.XY{X: float64(pt.Time.Unix()) + float64(pt.Time.Nanosecond())/1e9, Y: pt.Value}
	}
	addLine(p, 0, "", xys, vg.Points(1.5)) // one series: the axis names it
	if s, err := plotter.NewScatter(finiteXYs(xys)); err == nil {
		s.Color = colorOf(0)
		p.Add(s)
	}
	return Figure{Name: name, Caption: fmt.Sprintf("%s of %d runs, oldest first", metric, len(pts)), Plot: p}
}

// WriteFigureFile writes f to path as a PNG or SVG image, as path's
// extension says, through a temporary file and a rename.
func WriteFigureFile(path string, f Figure, o PlotOptions) error {
	write := f.WritePNG
	switch strings.ToLower(filepath.Ext(path)) {
	case ".svg":
		write = f.WriteSVG
	case ".png":
	default:
		return fmt.Errorf("report: %s: want a .png or .svg file", path)
	}
	var b bytes.Buffer
	if err := write(&b, o); err != nil {
		return err
	}
	if err := bench.WriteFileAtomic(path, b.Bytes()); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// WriteHistoryHTML writes a self-contained HTML page of metric over runs:
// fig (HistoryFigure) after the report of the run in runDir, when that
// directory still holds one (results move; the page then holds the plot).
func WriteHistoryHTML(path, metric string, fig Figure, runDir string) error {
	set := &Set{}
	if runDir != "" {
		if r, err := LoadRun(runDir); err == nil {
			set.Runs = append(set.Runs, r)
		}
	}
	var b bytes.Buffer
	if err := WriteHTML(&b, set, HTMLOptions{Title: "tokenbench history: " + metric + " over runs", Extra: []Figure{fig}}); err != nil {
		return err
	}
	if err := bench.WriteFileAtomic(path, b.Bytes()); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}
