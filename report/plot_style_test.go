package report

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"

	"github.com/tokenbench/tokenbench/bench"
)

func TestSpansDecades(t *testing.T) {
	tests := []struct {
		name   string
		lo, hi float64
		want   bool
	}{
		{"one decade", 10, 100, false},
		{"exactly two decades", 1, 100, false},
		{"past two decades", 1, 100.5, true},
		{"zero cannot be on a log axis", 0, 1e6, false},
		{"negative", -1, 1e6, false},
		{"infinite", 1, math.Inf(1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := spansDecades(tt.lo, tt.hi); got != tt.want {
				t.Errorf("spansDecades(%v, %v) = %v, want %v", tt.lo, tt.hi, got, tt.want)
			}
		})
	}
}

func TestLogTicks(t *testing.T) {
	var labels []string
	for _, tk := range (logTicks{}).Ticks(3, 700) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if got, want := strings.Join(labels, " "), "5 10 20 50 100 200 500"; got != want {
		t.Errorf("labels %q, want %q", got, want)
	}
}

// TestLogHistogram checks that log-spaced bins keep every sample up to the
// upper bound, in the bin whose edges hold it.
func TestLogHistogram(t *testing.T) {
	samples := []float64{1, 1.5, 9, 10, 11, 99, 1000, 5000} // 5000 is past hi
	h := logHistogram(samples, 1, 1000, 3)                  // edges 1, 10, 100, 1000
	want := []float64{3, 3, 1}
	for i, b := range h.Bins {
		if math.Abs(b.Weight-want[i]) > 0 {
			t.Errorf("bin %d [%v, %v) holds %v, want %v", i, b.Min, b.Max, b.Weight, want[i])
		}
	}
	if e := h.Bins[1].Min; math.Abs(e-10) > 1e-9 {
		t.Errorf("second edge %v, want 10", e)
	}
}

// TestCDFLogAxisAndMarkers checks that a CDF whose samples span decades
// gets a log x axis, that SLO bounds and percentiles are named in the
// legend of a single run, and that a narrow one keeps a linear axis.
func TestCDFLogAxisAndMarkers(t *testing.T) {
	mk := func(ttfts ...float64) *Run {
		a := NewAggregator()
		bound := 300.0
		a.SetSLO(SLO{TTFTMS: &bound})
		for i, v := range ttfts {
			a.Add(bench.Record{RequestID: "r", OK: true, TStartMS: float64(i), TTFTMS: fp(v), E2EMS: v + 10,
				EventsMS: []float64{v, v + 10}, OutputTokens: 2})
		}
		return &Run{Label: "x", Summary: a.Close()}
	}
	tests := []struct {
		name    string
		ttfts   []float64
		wantLog bool
	}{
		{"narrow", []float64{40, 50, 60, 80}, false},
		{"long tail", []float64{2, 3, 5, 40, 9000}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			figs := cdfFigures([]*Run{mk(tt.ttfts...)})
			if len(figs) == 0 || figs[0].Name != "ttft_cdf" {
				t.Fatalf("figures %v", figs)
			}
			p := figs[0].Plot
			_, isLog := p.X.Scale.(plot.LogScale)
			if isLog != tt.wantLog {
				t.Errorf("log x axis %v, want %v", isLog, tt.wantLog)
			}
			if got := strings.Contains(figs[0].Caption, "log scale"); got != tt.wantLog {
				t.Errorf("caption %q: log scale said %v", figs[0].Caption, got)
			}
			var svg bytes.Buffer
			if err := figs[0].WriteSVG(&svg, PlotOptions{}); err != nil {
				t.Fatal(err)
			}
			for _, w := range []string{">p50 ", ">p99 ", ">SLO TTFT ≤ 300 ms<"} {
				if !strings.Contains(svg.String(), w) {
					t.Errorf("chart has no text %q", w)
				}
			}
		})
	}
}

func TestShortPointLabel(t *testing.T) {
	for in, want := range map[string]string{"concurrency=16": "c=16", "concurrency-4": "c=4", "rate=2.5": "2.5/s",
		"rate-8": "8/s", "c8": "c8", "ratio=3": "ratio=3"} {
		if got := shortPointLabel(in); got != want {
			t.Errorf("shortPointLabel(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCDFLegendCorner(t *testing.T) {
	// A CDF that rises early and stays at 1: the top left is taken.
	early := plotter.XYs{{X: 1, Y: 0}, {X: 1, Y: 0.7}, {X: 2, Y: 0.7}, {X: 2, Y: 0.9}, {X: 3, Y: 0.95}, {X: 10, Y: 1}}
	// One that rises late: the bottom right is taken.
	late := plotter.XYs{{X: 1, Y: 0}, {X: 8, Y: 0.1}, {X: 9, Y: 0.2}, {X: 9.5, Y: 0.3}, {X: 10, Y: 1}}
	tests := []struct {
		name      string
		curves    []plotter.XYs
		slos      map[float64]bool
		wantTopLt bool
	}{
		{"early rise: bottom right", []plotter.XYs{early}, nil, false},
		{"late rise: top left", []plotter.XYs{late}, nil, true},
		{"SLO line at the right: top left", []plotter.XYs{early}, map[float64]bool{9.5: true}, true},
		{"SLO line at the left: bottom right", []plotter.XYs{late}, map[float64]bool{1.5: true}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			top, left := cdfLegendCorner(1, 10, false, tt.curves, tt.slos)
			if top != tt.wantTopLt || left != tt.wantTopLt {
				t.Errorf("top %v left %v, want both %v", top, left, tt.wantTopLt)
			}
		})
	}
}
