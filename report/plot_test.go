package report

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/internal/golden"

	"gonum.org/v1/plot/cmpimg"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// goldenPlot is the size of golden images: small, so the files stay small.
var goldenPlot = PlotOptions{Width: 4 * vg.Inch, Height: 3 * vg.Inch, DPI: 96}

// checkGoldenPNG compares a PNG with testdata/name_golden.png pixel-
// tolerantly (font rasterisation may differ by a shade between builds),
// or rewrites it under -update.
func checkGoldenPNG(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "plots", name+"_golden.png")
	if golden.Updating() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	ok, err := cmpimg.EqualApprox("png", got, want, 0.02)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		bad := filepath.Join(t.TempDir(), name+".png")
		_ = os.WriteFile(bad, got, 0o644)
		t.Errorf("%s differs from %s (written to %s; go test ./report -update to accept)", name, path, bad)
	}
}

// sweepFixture is a sweep whose Pareto front is c1, c4, c16: c8 is beaten
// by c16 on both axes, c64 has no TPOT.
func sweepFixture() *Sweep {
	point := func(label string, tokS, ttft50, ttft99, tpot50, tpot99 float64) *Run {
		s := &Summary{Throughput: Throughput{OutputTokensPerS: tokS},
			TTFTMS: &Distribution{Count: 10, P50: ttft50, P99: ttft99}}
		if tpot50 > 0 {
			s.TPOTMS = &Distribution{Count: 10, P50: tpot50, P99: tpot99}
		}
		return &Run{Label: label, Summary: s}
	}
	return &Sweep{Label: "h100", Points: []*Run{
		point("c1", 95, 20, 25, 10, 11),
		point("c4", 350, 40, 60, 11, 13),
		point("c8", 500, 90, 150, 16, 22),
		point("c16", 1000, 120, 190, 12.5, 16),
		point("c64", 1500, 900, 1500, 0, 0),
	}}
}

func TestParetoFront(t *testing.T) {
	tests := []struct {
		name string
		pts  []SweepPoint
		want []int
	}{
		{"sweep fixture", sweepFixture().Chart(), []int{3, 1, 0}},
		{"empty", nil, nil},
		{"no TPOT", []SweepPoint{{OutputTokensPerS: 5}}, nil},
		{"tie on interactivity keeps the faster", []SweepPoint{
			{HasTPOT: true, Interactivity: 50, OutputTokensPerS: 10},
			{HasTPOT: true, Interactivity: 50, OutputTokensPerS: 20}}, []int{1}},
		{"one dominates all", []SweepPoint{
			{HasTPOT: true, Interactivity: 10, OutputTokensPerS: 10},
			{HasTPOT: true, Interactivity: 90, OutputTokensPerS: 90},
			{HasTPOT: true, Interactivity: 50, OutputTokensPerS: 50}}, []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParetoFront(tt.pts); !slices.Equal(got, tt.want) {
				t.Errorf("front = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCDFXYs(t *testing.T) {
	few := cdfXYs([]float64{1, 2, 3, 4})
	want := plotter.XYs{{X: 1, Y: 0}, {X: 1, Y: 0.25}, {X: 2, Y: 0.25}, {X: 2, Y: 0.5},
		{X: 3, Y: 0.5}, {X: 3, Y: 0.75}, {X: 4, Y: 0.75}, {X: 4, Y: 1}}
	if !slices.Equal(few, want) {
		t.Errorf("few = %v, want %v", few, want)
	}
	many := make([]float64, 100000)
	for i := range many {
		many[i] = float64(i)
	}
	got := cdfXYs(many)
	if len(got) != 2*maxCDFPoints || got[0].X != 0 || got[len(got)-1].X != 99999 || got[len(got)-1].Y != 1 {
		t.Errorf("thinned CDF: %d points, first %v, last %v", len(got), got[0], got[len(got)-1])
	}
}

// plotSet is two runs, one with engine gauges, and the sweep fixture.
func plotSet(t *testing.T) *Set {
	t.Helper()
	g, _, err := ReadGauges(strings.NewReader(
		`{"t_ms": 0, "gauges": {"kv_usage": 0.1, "num_requests_waiting": 0, "other": 1}}
{"t_ms": 1000, "gauges": {"kv_usage": 0.6, "num_requests_waiting": 2, "other": 1}}
{"t_ms": 2000, "gauges": {"kv_usage": 0.4, "num_requests_waiting": 1, "other": 1}}`))
	if err != nil {
		t.Fatal(err)
	}
	return &Set{
		Runs: []*Run{
			{Label: "base", Summary: summarize(fixtureRecords()), Gauges: g},
			{Label: "slow", Summary: summarize(slowerRecords())},
		},
		Sweeps: []*Sweep{sweepFixture()},
	}
}

func TestFigures(t *testing.T) {
	set := plotSet(t)
	var names []string
	for _, f := range Figures(set, PlotOptions{MaxGauges: 2}) {
		names = append(names, f.Name)
	}
	want := []string{"ttft_cdf", "tpot_cdf", "itl_cdf", "e2e_cdf",
		"itl_hist", "tokens_per_event",
		"throughput_series", "inflight_series", "ttft_series",
		"gauge_kv_usage", "gauge_num_requests_waiting",
		"sweep_ttft", "sweep_tpot", "sweep_inferencex"}
	if !slices.Equal(names, want) {
		t.Errorf("figures = %v\nwant %v", names, want)
	}
	// Without samples (summary.json only) there is nothing per request.
	bare := &Set{Runs: []*Run{{Label: "x", Summary: &Summary{}}}}
	if figs := Figures(bare, PlotOptions{}); len(figs) != 0 {
		t.Errorf("figures without samples: %d", len(figs))
	}
}

func TestPlotGolden(t *testing.T) {
	figs := map[string]Figure{}
	for _, f := range Figures(plotSet(t), PlotOptions{GPUs: 8}) {
		figs[f.Name] = f
	}
	for _, name := range []string{"ttft_cdf", "itl_hist", "inflight_series", "gauge_kv_usage",
		"sweep_ttft", "sweep_inferencex"} {
		t.Run(name, func(t *testing.T) {
			f, ok := figs[name]
			if !ok {
				t.Fatalf("no figure %s", name)
			}
			var png, svg bytes.Buffer
			if err := f.WritePNG(&png, goldenPlot); err != nil {
				t.Fatal(err)
			}
			if err := f.WriteSVG(&svg, goldenPlot); err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(svg.Bytes(), []byte("<?xml")) || !bytes.Contains(svg.Bytes(), []byte("</svg>")) {
				t.Errorf("not an SVG: %.80s", svg.String())
			}
			checkGoldenPNG(t, name, png.Bytes())
		})
	}
}

func TestWritePlots(t *testing.T) {
	dir := t.TempDir()
	figs := Figures(&Set{Sweeps: []*Sweep{sweepFixture()}}, goldenPlot)
	if err := WritePlots(dir, figs, goldenPlot); err != nil {
		t.Fatal(err)
	}
	for _, f := range figs {
		for _, ext := range []string{".png", ".svg"} {
			if st, err := os.Stat(filepath.Join(dir, f.Name+ext)); err != nil || st.Size() == 0 {
				t.Errorf("%s%s: %v", f.Name, ext, err)
			}
		}
	}
}
