package pricing

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

func quotes(t *testing.T, o Options) []PriceQuote {
	t.Helper()
	cat, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	qs, err := cat.Quotes(o)
	if err != nil {
		t.Fatal(err)
	}
	return qs
}

// TestThroughputAtByHand checks the monotone cubic against Hermite
// arithmetic done by hand. At the midpoint of [x0, x1] a cubic Hermite
// piece is (y0 + y1) / 2 + h (d0 - d1) / 8, with d the slopes that
// Fritsch-Butland picks:
//
//	front (10, 300), (20, 200), (30, 180): secants -10 and -2
//	d(20) = 3 (30 - 10) / ((2*30 - 10 - 20) / -10 + (30 + 20 - 2*10) / -2) = 60 / -18 = -10/3
//	d(10) = (30 * -10 - 10 * -2) / 20 = -14 (edge: same sign, kept)
//	d(30) = (30 * -2 - 10 * -10) / 20 = 2, opposite sign to the secant: 0
//	y(15) = 250 + 10 (-14 + 10/3) / 8 = 710/3
//	y(25) = 190 + 10 (-10/3 - 0) / 8 = 1115/6
//
// Collinear points give the line itself.
func TestThroughputAtByHand(t *testing.T) {
	convex := []Point{{Interactivity: 10, ThroughputPerGPU: 300}, {Interactivity: 20, ThroughputPerGPU: 200}, {Interactivity: 30, ThroughputPerGPU: 180}}
	line := []Point{{Interactivity: 10, ThroughputPerGPU: 400}, {Interactivity: 20, ThroughputPerGPU: 300}, {Interactivity: 40, ThroughputPerGPU: 100}}
	tests := []struct {
		name  string
		front []Point
		x     float64
		want  float64
	}{
		{"convex midpoint left", convex, 15, 710.0 / 3},
		{"convex midpoint right", convex, 25, 1115.0 / 6},
		{"convex knot", convex, 20, 200},
		{"convex first knot", convex, 10, 300},
		{"convex last knot", convex, 30, 180},
		{"line", line, 30, 200},
		{"line near start", line, 15, 350},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ThroughputAt(tt.front, tt.x)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("ThroughputAt(%v) = %v, want %v", tt.x, got, tt.want)
			}
		})
	}
}

// TestPriceSweepByHand prices the H100 fixture at 50 tokens/s/user, between
// concurrency=64 (1000/21.6 = 46.296, 356.25 per GPU) and concurrency=32
// (1000/14.1 = 70.922, 274.375). By hand: secants around them -8.7628,
// -3.3248 and -7.9346 give Fritsch-Butland slopes -5.0140 at 46.296 and
// -4.8729 at 70.922; at t = (50 - 46.296) / 24.626 = 0.15040 the Hermite
// basis is 0.938943, 0.108561, 0.061057, -0.019218, so
//
//	y = 0.938943*356.25 + 0.108561*24.626*-5.0140 + 0.061057*274.375 - 0.019218*24.626*-4.8729 = 340.15
//
// and at $1.30 per GPU-hour a million output tokens cost
// 1.30 / (340.15 * 3600 / 1e6) = $1.0616.
func TestPriceSweepByHand(t *testing.T) {
	s := readFixture(t, "sweep-h100")
	c, err := PriceSweep(s, 50, quotes(t, Options{GPU: "h100", GPUs: 8, Tier: "hyperscaler"}))
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(c.ThroughputPerGPU-340.15) > 0.01 {
		t.Errorf("throughput per GPU at 50: %v, want 340.15", c.ThroughputPerGPU)
	}
	if len(c.Prices) != 1 || math.Abs(c.Prices[0].USDPerMTokOutput-1.0616) > 5e-5 {
		t.Errorf("prices %+v, want $1.0616", c.Prices)
	}
	if want := 1.3 / (c.ThroughputPerGPU * 3600 / 1e6); c.Prices[0].USDPerMTokOutput != want {
		t.Errorf("cost %v, want exactly %v", c.Prices[0].USDPerMTokOutput, want)
	}
	if len(c.Between) != 2 || c.Between[0] != "concurrency=64" || c.Between[1] != "concurrency=32" {
		t.Errorf("between %v", c.Between)
	}
	if c.JoulesPerOutputToken == nil || *c.JoulesPerOutputToken != 700/c.ThroughputPerGPU {
		t.Errorf("energy %v", c.JoulesPerOutputToken)
	}
	if c.FrontRange != [2]float64{1000 / 50.2, 1000 / 9.6} {
		t.Errorf("front range %v", c.FrontRange)
	}
}

// TestPriceSweepInferenceX reproduces InferenceX's published rate from a
// sweep: a point at 50 tokens/s/user (TPOT 20 ms) yielding 8,000 output
// tokens/s on 8 H100s is 1,000 per GPU, and at the hyperscaler $1.30 a
// million tokens cost 1.3 / 3.6 = $0.3611, to the bit.
func TestPriceSweepInferenceX(t *testing.T) {
	run := func(tpot, out float64) string {
		return strings.NewReplacer("TPOT", ftoa(tpot), "OUT", ftoa(out)).Replace(`{"requests": {"total": 100, "ok": 100},
 "throughput": {"requests_per_s": 10, "output_tokens_per_s": OUT},
 "tpot_ms": {"p50": TPOT, "p99": TPOT}}`)
	}
	s, err := ReadSweep(fstest.MapFS{
		"c64/summary.json": {Data: []byte(run(20, 8000))},
		"c16/summary.json": {Data: []byte(run(10, 4000))},
	}, "sw", parseRunSummary)
	if err != nil {
		t.Fatal(err)
	}
	c, err := PriceSweep(s, 50, quotes(t, Options{GPU: "H100", GPUs: 8, Tier: "hyperscaler"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.ThroughputPerGPU != 1000 || c.Prices[0].USDPerMTokOutput != 1.3/3.6 || len(c.Between) != 1 || c.Between[0] != "c64" {
		t.Errorf("at 50: %v tokens/s per GPU, $%v (between %v); want 1000 and 1.3/3.6", c.ThroughputPerGPU, c.Prices[0].USDPerMTokOutput, c.Between)
	}
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func TestPriceSweepErrors(t *testing.T) {
	h100 := readFixture(t, "sweep-h100")
	dir := readFixture(t, "sweep-dir")
	q8 := quotes(t, Options{GPU: "h100", GPUs: 8, Tier: "hyperscaler"})
	l40s := quotes(t, Options{GPU: "l40s", GPUs: 1, USDPerGPUHour: 0.99})
	mixed := append(append([]PriceQuote(nil), q8...), quotes(t, Options{GPU: "h200", GPUs: 8, Tier: "hyperscaler"})...)
	tests := []struct {
		name     string
		s        *Sweep
		target   float64
		qs       []PriceQuote
		option   bool
		contains string
	}{
		{"above the front", h100, 150, q8, true,
			"interactivity 150 tokens/s/user is outside the measured range of testdata/sweep-h100: the Pareto front spans 19.93 to 104.16 tokens/s/user; sweep further rather than extrapolate"},
		{"below the front", h100, 10, q8, true, "the Pareto front spans 19.93 to 104.16"},
		{"below the front, above a dominated point", dir, 70, l40s, true,
			"the Pareto front spans 71.95 to 133.33 tokens/s/user (points span 68.5 to 133.33; those below the front are beaten by a faster point)"},
		{"zero target", h100, 0, q8, true, "interactivity 0 tokens/s/user: want a finite number > 0"},
		{"NaN target", h100, math.NaN(), q8, true, "want a finite number > 0"},
		{"no quotes", h100, 50, nil, false, "no price to cost the sweep at"},
		{"quotes of two GPUs", h100, 50, mixed, false, "measured figures apply to the GPU measured only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := PriceSweep(tt.s, tt.target, tt.qs)
			if err == nil || !strings.Contains(err.Error(), tt.contains) {
				t.Fatalf("error %v, want it to contain %q", err, tt.contains)
			}
			var oe *OptionError
			if errors.As(err, &oe) != tt.option {
				t.Errorf("OptionError %v, want %v", errors.As(err, &oe), tt.option)
			}
		})
	}
}

func TestQuotes(t *testing.T) {
	cat, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		o        Options
		want     []string // tier/provider of each quote
		contains string   // error
	}{
		{name: "every price", o: Options{GPU: "h100", GPUs: 8},
			want: []string{"hyperscaler/market", "neocloud/market", "rental-3y/market", "on-demand/aws", "on-demand/azure", "on-demand/lambda", "on-demand/runpod", "on-demand/nebius"}},
		{name: "one tier", o: Options{GPU: "h100", GPUs: 8, Tier: "on-demand"},
			want: []string{"on-demand/aws", "on-demand/azure", "on-demand/lambda", "on-demand/runpod", "on-demand/nebius"}},
		{name: "tier and provider", o: Options{GPU: "H100-SXM", GPUs: 8, Tier: "On-Demand", Provider: "Nebius"}, want: []string{"on-demand/nebius"}},
		{name: "user price added", o: Options{GPU: "l40s", GPUs: 1, USDPerGPUHour: 0.99}, want: []string{"on-demand/aws", "on-demand/nebius", "/"}},
		{name: "user price, GPU not in catalog", o: Options{GPU: "TPU v6e", GPUs: 4, USDPerGPUHour: 2.7}, want: []string{"/"}},
		{name: "unknown GPU", o: Options{GPU: "h900", GPUs: 1}, contains: `GPU "h900" is not in the catalog; known: H100 SXM`},
		{name: "unknown tier lists tiers", o: Options{GPU: "a100", GPUs: 1, Tier: "hyperscaler"},
			contains: `A100 80GB SXM has no price in tier "hyperscaler"; tiers (providers): on-demand (azure, runpod)`},
		{name: "unknown provider lists providers", o: Options{GPU: "a100", GPUs: 1, Tier: "on-demand", Provider: "aws"},
			contains: `has no price from provider "aws"; providers: azure, runpod`},
		{name: "provider without tier", o: Options{GPU: "h100", GPUs: 1, Provider: "aws"}, contains: `provider "aws" given without a tier`},
		{name: "no GPU", o: Options{GPUs: 1}, contains: "no GPU type given"},
		{name: "zero GPUs", o: Options{GPU: "h100"}, contains: "0 GPUs: want at least 1"},
		{name: "negative price", o: Options{GPU: "h100", GPUs: 1, USDPerGPUHour: -1}, contains: "want a finite number > 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			qs, err := cat.Quotes(tt.o)
			if tt.contains != "" {
				if err == nil || !strings.Contains(err.Error(), tt.contains) {
					t.Fatalf("error %v, want it to contain %q", err, tt.contains)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, q := range qs {
				got = append(got, q.Tier+"/"+q.Provider)
				if q.GPUs != tt.o.GPUs || q.Source == "" {
					t.Errorf("quote %+v: GPUs or source missing", q)
				}
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("quotes %v, want %v", got, tt.want)
			}
		})
	}
}

func TestQuotesNoPrices(t *testing.T) {
	cat := &Catalog{GPUs: []GPU{{Name: "X1"}}}
	if _, err := cat.Quotes(Options{GPU: "x1", GPUs: 1}); err == nil || !strings.Contains(err.Error(), "X1 has no price in the catalog; give one with --price") {
		t.Errorf("error %v", err)
	}
}

func TestSweepCostGolden(t *testing.T) {
	h100 := readFixture(t, "sweep-h100")
	dir := readFixture(t, "sweep-dir")
	price := func(s *Sweep, target float64, o Options) SweepCost {
		t.Helper()
		c, err := PriceSweep(s, target, quotes(t, o))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	all := price(h100, 50, Options{GPU: "h100", GPUs: 8})
	l40s := price(dir, 100, Options{GPU: "l40s", GPUs: 1, USDPerGPUHour: 0.99})
	for _, r := range []struct {
		name   string
		render func(io.Writer) error
	}{
		{"sweep_cost_table", all.WriteTable},
		{"sweep_cost_json", all.WriteJSON},
		{"sweep_cost_dir_table", l40s.WriteTable},
		{"sweep_cost_dir_json", l40s.WriteJSON},
	} {
		t.Run(r.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := r.render(&b); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, r.name, b.Bytes())
		})
	}
}

// TestPrintedRangeIsValid: the range an error prints is rounded inwards,
// so both printed ends are targets that price.
func TestPrintedRangeIsValid(t *testing.T) {
	s := readFixture(t, "sweep-h100")
	q := quotes(t, Options{GPU: "h100", GPUs: 8, Tier: "hyperscaler"})
	_, err := PriceSweep(s, 1000, q)
	var lo, hi float64
	if err == nil || !strings.Contains(err.Error(), "spans ") {
		t.Fatalf("error %v", err)
	}
	if _, serr := fmt.Sscanf(err.Error()[strings.Index(err.Error(), "spans ")+len("spans "):], "%g to %g", &lo, &hi); serr != nil {
		t.Fatal(serr)
	}
	for _, x := range []float64{lo, hi} {
		if _, err := PriceSweep(s, x, q); err != nil {
			t.Errorf("printed end %v does not price: %v", x, err)
		}
	}
}
