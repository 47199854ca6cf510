package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/pricing"
)

// The hand-built comparison sweeps of the pricing package
// (pricing/compare_test.go describes them).
const (
	sweepH200   = "../../pricing/testdata/compare-sweep-h200"
	sweepMI300X = "../../pricing/testdata/compare-sweep-mi300x"
)

func TestCostCompareFlagParsing(t *testing.T) {
	arg := func(s, dir, gpu string, n int) pricing.SweepArg {
		return pricing.SweepArg{Arg: s, Dir: dir, GPU: gpu, GPUs: n}
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     CostCompareOptions
	}{
		{name: "two sweeps", args: []string{"--interactivity", "50", "r/h100=h100x8", "r/mi300x=MI300Xx8"},
			want: CostCompareOptions{Interactivity: 50, Output: "table",
				Sweeps: []pricing.SweepArg{arg("r/h100=h100x8", "r/h100", "h100", 8), arg("r/mi300x=MI300Xx8", "r/mi300x", "MI300X", 8)}}},
		{name: "flags after arguments, quoted spaces, default count", args: []string{"r/a=H100 SXM x8", "r/b=L40S", "--interactivity", "62.5", "--tier", "on-demand", "--provider", "aws", "-o", "json", "--prices", "p.yaml"},
			want: CostCompareOptions{Interactivity: 62.5, Tier: "on-demand", Provider: "aws", Output: "json", PricesFile: "p.yaml",
				Sweeps: []pricing.SweepArg{arg("r/a=H100 SXM x8", "r/a", "H100 SXM", 8), arg("r/b=L40S", "r/b", "L40S", 1)}}},
		{name: "interactivity required", args: []string{"r/a=h100x8"}, wantCode: ExitUsage},
		{name: "zero interactivity", args: []string{"--interactivity", "0", "r/a=h100x8"}, wantCode: ExitUsage},
		{name: "infinite interactivity", args: []string{"--interactivity", "Inf", "r/a=h100x8"}, wantCode: ExitUsage},
		{name: "no sweep", args: []string{"--interactivity", "50"}, wantCode: ExitUsage},
		{name: "argument without GPU", args: []string{"--interactivity", "50", "r/a"}, wantCode: ExitUsage},
		{name: "zero GPUs", args: []string{"--interactivity", "50", "r/a=h100x0"}, wantCode: ExitUsage},
		{name: "count split off", args: []string{"--interactivity", "50", "r/a=MI300X", "x8"}, wantCode: ExitUsage},
		{name: "same sweep twice", args: []string{"--interactivity", "50", "r/a=h100x8", "r/a/=h200x8"}, wantCode: ExitUsage},
		{name: "provider needs tier", args: []string{"--interactivity", "50", "--provider", "aws", "r/a=h100x8"}, wantCode: ExitUsage},
		{name: "bad output", args: []string{"--interactivity", "50", "-o", "csv", "r/a=h100x8"}, wantCode: ExitUsage},
		{name: "unknown flag", args: []string{"--interactivity", "50", "--gpu", "h100", "r/a=h100x8"}, wantCode: ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, errb, _ := testFactory(nil)
			var got *CostCompareOptions
			code := execute(f, NewCmdCostCompare(f, func(o *CostCompareOptions) error { got = o; return nil }), append([]string{"compare"}, tt.args...)...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tt.wantCode, errb)
			}
			if tt.wantCode == 0 && !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("options %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func TestCostCompareGolden(t *testing.T) {
	three := []string{sweepH100 + "=h100x8", sweepH200 + "=H200 SXM x8", sweepMI300X + "=MI300Xx8"}
	tests := []struct {
		name string
		args []string
	}{
		{"cost_compare_table", append([]string{"--interactivity", "50"}, three...)},
		{"cost_compare_json", append([]string{"--interactivity", "50", "--tier", "hyperscaler", "-o", "json"}, three...)},
		// Above the H100 and MI300X fronts: their rows say so.
		{"cost_compare_outside_table", append([]string{"--interactivity", "110", "--tier", "on-demand"}, three...)},
		// A negotiated H100 rate from a prices file replaces the catalog's and names its file.
		{"cost_compare_prices_file_table", append([]string{"--interactivity", "50", "--tier", "hyperscaler", "--prices", "testdata/prices.yaml"}, three...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, out, errb, _ := testFactory(nil)
			if code := execute(f, NewCmdCost(f, nil), append([]string{"cost", "compare"}, tt.args...)...); code != 0 {
				t.Fatalf("exit %d: %s", code, errb)
			}
			checkGolden(t, tt.name, out.Bytes())
		})
	}
}

// TestCostCompareJSONFields checks the fields the table shows are in every
// JSON row, named as cost --output json names them.
func TestCostCompareJSONFields(t *testing.T) {
	f, out, errb, _ := testFactory(nil)
	if code := execute(f, NewCmdCost(f, nil), "cost", "compare", "--interactivity", "110", "-o", "json", sweepH100+"=h100x8", sweepH200+"=h200x8"); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	var got struct {
		Rows []map[string]any `json:"rows"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Rows) < 2 {
		t.Fatalf("rows %v", got.Rows)
	}
	for _, r := range got.Rows {
		for _, k := range []string{"sweep", "gpu", "gpus", "output_tokens_per_s_per_gpu", "price_usd_per_gpu_hour", "usd_per_mtok_output", "cheapest_in_tier"} {
			if _, ok := r[k]; !ok {
				t.Errorf("row %v has no %s", r, k)
			}
		}
	}
	last := got.Rows[len(got.Rows)-1]
	if last["gpu"] != "H100 SXM" || last["note"] != "outside the measured range 19.93..104.16" || last["usd_per_mtok_output"] != nil {
		t.Errorf("last row %v, want H100 SXM outside its range with a null cost", last)
	}
}

func TestCostCompareErrors(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string
	}{
		{name: "bad argument named", args: []string{"--interactivity", "50", sweepH100 + "=h100x8", sweepH200},
			wantCode: ExitUsage, want: []string{`argument "` + sweepH200 + `": want SWEEP=GPU[xN]`, "e.g. results/h100-sweep=h100x8"}},
		{name: "unknown GPU lists known", args: []string{"--interactivity", "50", sweepH100 + "=h100x8", sweepH200 + "=h900x8"},
			wantCode: ExitUsage, want: []string{`argument "` + sweepH200 + `=h900x8": GPU "h900" is not in the catalog; known: H100 SXM, H200, B200`}},
		{name: "unknown GPU before reading sweeps", args: []string{"--interactivity", "50", "no/such/dir=h900"},
			wantCode: ExitUsage, want: []string{`GPU "h900" is not in the catalog`}},
		{name: "outside every sweep", args: []string{"--interactivity", "150", sweepH100 + "=h100x8", sweepMI300X + "=MI300Xx8"},
			wantCode: ExitUsage, want: []string{"interactivity 150 tokens/s/user is outside the measured range of every sweep",
				"sweep-h100 (H100 SXM x 8) spans 19.93..104.16", "compare-sweep-mi300x (MI300X x 8) spans 18.11..94.69"}},
		{name: "unknown tier everywhere", args: []string{"--interactivity", "50", "--tier", "spot", sweepH100 + "=h100x8"},
			wantCode: ExitUsage, want: []string{`H100 SXM has no price in tier "spot"; tiers (providers): hyperscaler (market)`}},
		{name: "missing sweep", args: []string{"--interactivity", "50", sweepH100 + "=h100x8", "no/such/dir=h200x8"},
			wantCode: ExitError, want: []string{"no/such/dir"}},
		{name: "count split off", args: []string{"--interactivity", "50", sweepMI300X + "=MI300X", "x8"},
			wantCode: ExitUsage, want: []string{`looks like the GPU count of "` + sweepMI300X + `=MI300X"`}},
		{name: "bad prices file", args: []string{"--interactivity", "50", "--prices", "testdata/prices_typo.yaml", sweepH100 + "=h100x8"},
			wantCode: ExitError, want: []string{"testdata/prices_typo.yaml line"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, out, errb, _ := testFactory(nil)
			code := execute(f, NewCmdCost(f, nil), append([]string{"cost", "compare"}, tt.args...)...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tt.wantCode, errb)
			}
			if out.Len() != 0 {
				t.Errorf("wrote %q on error", out)
			}
			for _, w := range tt.want {
				if !strings.Contains(errb.String(), w) {
					t.Errorf("stderr %q, want it to contain %q", errb, w)
				}
			}
		})
	}
}
