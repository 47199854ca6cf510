package report

import (
	"fmt"
	"time"

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
