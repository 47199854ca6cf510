package pricing

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
)

// The comparison fixtures are the H100 sweep (sweep_test.go) rescaled by
// hand as if measured on other GPUs: compare-sweep-h200 has 1.4x the
// throughput and requests at 0.8x the TPOT, ITL and E2E (its front spans
// 1000/40.16 to 1000/7.68 = 24.90 to 130.21 tokens/s/user);
// compare-sweep-mi300x has 1.15x the throughput at 1.1x the latencies
// (1000/55.22 to 1000/10.56 = 18.11 to 94.70).
func compareFixtures(t *testing.T) []MeasuredSweep {
	t.Helper()
	return []MeasuredSweep{
		{Sweep: readFixture(t, "sweep-h100"), GPU: "h100", GPUs: 8},
		{Sweep: readFixture(t, "compare-sweep-h200"), GPU: "H200 SXM", GPUs: 8},
		{Sweep: readFixture(t, "compare-sweep-mi300x"), GPU: "mi300x", GPUs: 8},
	}
}

func loadCat(t *testing.T) *Catalog {
	t.Helper()
	cat, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func TestCompareGolden(t *testing.T) {
	tests := []struct {
		name  string
		json  bool
		opts  CompareOptions
		edits func([]MeasuredSweep) []MeasuredSweep
	}{
		{name: "compare_table", opts: CompareOptions{Interactivity: 50}},
		{name: "compare_json", json: true, opts: CompareOptions{Interactivity: 50, Tier: "hyperscaler"}},
		// 110 is above the H100 and MI300X fronts: their rows say so.
		{name: "compare_outside_table", opts: CompareOptions{Interactivity: 110, Tier: "neocloud"}},
		{name: "compare_outside_json", json: true, opts: CompareOptions{Interactivity: 110, Tier: "neocloud"}},
		// MI300X has no AWS price: its row says so, with its throughput.
		{name: "compare_no_price_table", opts: CompareOptions{Interactivity: 50, Tier: "on-demand", Provider: "aws"}},
		// Two sweeps of one GPU type (two engines, say) get a sweep column.
		{name: "compare_same_gpu_table", opts: CompareOptions{Interactivity: 80, Tier: "on-demand"},
			edits: func(ms []MeasuredSweep) []MeasuredSweep {
				return []MeasuredSweep{ms[0], {Sweep: readFixture(t, "sweep-dir"), GPU: "H100", GPUs: 1}}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms := compareFixtures(t)
			if tt.edits != nil {
				ms = tt.edits(ms)
			}
			c, err := loadCat(t).Compare(ms, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if tt.json {
				err = c.WriteJSON(&b)
			} else {
				err = c.WriteTable(&b)
			}
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tt.name, b.Bytes())
		})
	}
}

// TestCompareMatchesPriceSweep checks that each row is exactly what
// PriceSweep gives for that sweep alone (the figures of `tokenbench cost
// --interactivity`), that rows are cheapest first, and that exactly the
// cheapest of each tier is marked.
func TestCompareMatchesPriceSweep(t *testing.T) {
	cat := loadCat(t)
	ms := compareFixtures(t)
	c, err := cat.Compare(ms, CompareOptions{Interactivity: 50})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]SweepCost{}
	n := 0
	for _, m := range ms {
		qs, err := cat.Quotes(Options{GPU: m.GPU, GPUs: m.GPUs})
		if err != nil {
			t.Fatal(err)
		}
		sc, err := PriceSweep(m.Sweep, 50, qs)
		if err != nil {
			t.Fatal(err)
		}
		want[sc.GPU] = sc
		n += len(sc.Prices)
	}
	if len(c.Rows) != n {
		t.Fatalf("%d rows, want one per price: %d", len(c.Rows), n)
	}
	if got := *c.Sweeps[0].ThroughputPerGPU; math.Abs(got-340.15) > 0.01 {
		t.Errorf("H100 at 50: %v tokens/s per GPU, want 340.15 as cost --interactivity gives", got)
	}
	low := map[string]float64{}
	for i, r := range c.Rows {
		sc := want[r.GPU]
		found := false
		for _, p := range sc.Prices {
			if p.Tier == r.Tier && p.Provider == r.Provider {
				found = true
				if *r.USDPerMTokOutput != p.USDPerMTokOutput || *r.PriceUSDPerGPUHour != p.PriceUSDPerGPUHour ||
					*r.ThroughputPerGPU != sc.ThroughputPerGPU || r.PriceSource != p.PriceSource || r.GPUs != 8 {
					t.Errorf("row %+v differs from PriceSweep's %+v at %v tokens/s per GPU", r, p, sc.ThroughputPerGPU)
				}
			}
		}
		if !found {
			t.Errorf("row %+v is not a price of %s", r, r.GPU)
		}
		if i > 0 && *r.USDPerMTokOutput < *c.Rows[i-1].USDPerMTokOutput {
			t.Errorf("row %d ($%v) is cheaper than row %d ($%v)", i, *r.USDPerMTokOutput, i-1, *c.Rows[i-1].USDPerMTokOutput)
		}
		if v, ok := low[r.Tier]; !ok || *r.USDPerMTokOutput < v {
			low[r.Tier] = *r.USDPerMTokOutput
		}
	}
	marked := map[string]int{}
	for _, r := range c.Rows {
		if r.CheapestInTier != (*r.USDPerMTokOutput == low[r.Tier]) {
			t.Errorf("row %s %s %s marked %v; the tier's lowest is $%v", r.GPU, r.Tier, r.Provider, r.CheapestInTier, low[r.Tier])
		}
		if r.CheapestInTier {
			marked[r.Tier]++
		}
	}
	for _, tier := range []string{"hyperscaler", "neocloud", "rental-3y", "on-demand"} {
		if marked[tier] != 1 {
			t.Errorf("tier %s: %d rows marked, want 1", tier, marked[tier])
		}
	}
	// H200 hyperscaler by hand: $1.41 at its per-GPU throughput, one GPU's
	// form of the formula as InferenceX writes it.
	h200 := *c.Sweeps[1].ThroughputPerGPU
	if c.Rows[0].GPU != "H200" || c.Rows[0].Tier != "hyperscaler" || *c.Rows[0].USDPerMTokOutput != 1.41/(h200*3600/1e6) {
		t.Errorf("cheapest row %+v, want H200 hyperscaler at 1.41 / (%v * 3600 / 1e6)", c.Rows[0], h200)
	}
}

// TestCompareTies marks every row tied at a tier's lowest cost.
func TestCompareTies(t *testing.T) {
	a := readFixture(t, "sweep-h100")
	b := *a
	b.Dir = "copy"
	c, err := loadCat(t).Compare([]MeasuredSweep{{Sweep: a, GPU: "h100", GPUs: 8}, {Sweep: &b, GPU: "h100", GPUs: 8}},
		CompareOptions{Interactivity: 50, Tier: "hyperscaler"})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Rows) != 2 || !c.Rows[0].CheapestInTier || !c.Rows[1].CheapestInTier || c.Rows[0].Sweep != a.Dir {
		t.Errorf("rows %+v, want both marked, in the order given", c.Rows)
	}
}

func TestCompareErrors(t *testing.T) {
	tests := []struct {
		name     string
		sweeps   func([]MeasuredSweep) []MeasuredSweep
		opts     CompareOptions
		wantType any
		want     []string
	}{
		{name: "outside every sweep", opts: CompareOptions{Interactivity: 150}, wantType: &OptionError{},
			want: []string{"interactivity 150 tokens/s/user is outside the measured range of every sweep",
				"testdata/sweep-h100 (H100 SXM x 8) spans 19.93..104.16", "testdata/compare-sweep-h200 (H200 x 8) spans 24.91..130.2",
				"sweep further rather than extrapolate"}},
		{name: "below every sweep", opts: CompareOptions{Interactivity: 10}, wantType: &OptionError{}, want: []string{"outside the measured range of every sweep"}},
		{name: "unknown GPU", opts: CompareOptions{Interactivity: 50}, wantType: &LookupError{},
			sweeps: func(ms []MeasuredSweep) []MeasuredSweep { ms[1].GPU = "h900"; return ms },
			want:   []string{`GPU "h900" is not in the catalog; known: H100 SXM, H200, B200`}},
		{name: "no tier anywhere", opts: CompareOptions{Interactivity: 50, Tier: "spot"}, wantType: &LookupError{},
			want: []string{"no sweep could be priced", `H100 SXM has no price in tier "spot"; tiers (providers): hyperscaler (market)`, `MI300X has no price in tier "spot"`}},
		// The H200 sweep, said to be MI300X's: in range at 110, but no AWS price.
		{name: "outside one, no price in the other", opts: CompareOptions{Interactivity: 110, Tier: "on-demand", Provider: "aws"}, wantType: &LookupError{},
			sweeps: func(ms []MeasuredSweep) []MeasuredSweep {
				return []MeasuredSweep{ms[0], {Sweep: ms[1].Sweep, GPU: "mi300x", GPUs: 8}}
			},
			want: []string{"no sweep could be priced", "testdata/sweep-h100 (H100 SXM x 8): outside the measured range 19.93..104.16",
				`MI300X on-demand has no price from provider "aws"; providers: azure, runpod`}},
		{name: "GPU without prices", opts: CompareOptions{Interactivity: 50}, wantType: &LookupError{},
			sweeps: func(ms []MeasuredSweep) []MeasuredSweep {
				return []MeasuredSweep{{Sweep: ms[0].Sweep, GPU: "unpriced", GPUs: 8}}
			},
			want: []string{"no sweep could be priced: testdata/sweep-h100 (Unpriced x 8): Unpriced has no price in the catalog; add one with --prices FILE"}},
		{name: "provider without tier", opts: CompareOptions{Interactivity: 50, Provider: "aws"}, wantType: &LookupError{},
			want: []string{`provider "aws" given without a tier`}},
		{name: "zero target", opts: CompareOptions{Interactivity: 0}, wantType: &OptionError{}, want: []string{"want a finite number > 0"}},
		{name: "NaN target", opts: CompareOptions{Interactivity: math.NaN()}, wantType: &OptionError{}, want: []string{"want a finite number > 0"}},
		{name: "no sweep", opts: CompareOptions{Interactivity: 50}, sweeps: func([]MeasuredSweep) []MeasuredSweep { return nil },
			want: []string{"no sweep to compare"}},
		{name: "zero GPUs", opts: CompareOptions{Interactivity: 50}, sweeps: func(ms []MeasuredSweep) []MeasuredSweep { ms[0].GPUs = 0; return ms },
			want: []string{"testdata/sweep-h100: 0 GPUs: want at least 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms := compareFixtures(t)
			if tt.sweeps != nil {
				ms = tt.sweeps(ms)
			}
			cat := loadCat(t)
			cat.Merge(&Catalog{GPUs: []GPU{{Name: "Unpriced"}}})
			_, err := cat.Compare(ms, tt.opts)
			if err == nil {
				t.Fatal("no error")
			}
			var oe *OptionError
			var le *LookupError
			switch tt.wantType.(type) {
			case *OptionError:
				if !errors.As(err, &oe) {
					t.Errorf("error %T, want *OptionError", err)
				}
			case *LookupError:
				if !errors.As(err, &le) {
					t.Errorf("error %T, want *LookupError", err)
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestShortRange(t *testing.T) {
	tests := []struct {
		name string
		r    [2]float64
		want string
	}{
		{"rounded inwards", [2]float64{1000 / 50.2, 1000 / 9.6}, "19.93..104.16"},
		{"exact", [2]float64{20, 100}, "20..100"},
		{"one point", [2]float64{50.004, 50.004}, "50.004..50.004"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := shortRange(tt.r); got != tt.want {
				t.Errorf("shortRange(%v) = %q, want %q", tt.r, got, tt.want)
			}
		})
	}
}
