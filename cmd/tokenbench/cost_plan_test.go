package main

import (
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/pricing"
)

// planArgs are the required flags of cost plan, the brief's example: 200
// req/s of 1500 in + 300 out on replicas of 8 H100s.
var planArgs = []string{"--load", "200req/s", "--input-tokens", "1500", "--output-tokens", "300", "--gpu", "h100", "--gpus-per-replica", "8"}

func TestCostPlanFlagParsing(t *testing.T) {
	with := func(extra ...string) []string { return append(append([]string{"d"}, planArgs...), extra...) }
	ms := func(v float64) *float64 { return &v }
	tests := []struct {
		name     string
		args     []string
		wantCode int
		check    func(t *testing.T, o *CostPlanOptions)
		wantErr  string
	}{
		{name: "defaults", args: with(), check: func(t *testing.T, o *CostPlanOptions) {
			if o.loadPerS != 200 || o.Headroom != 0.2 || o.Attainment != 0.99 || o.ScaleBy != "output" || !o.slo.Empty() || o.Output != "table" {
				t.Errorf("options %+v", o)
			}
		}},
		{name: "per minute and an SLO", args: with("--load", "12000/min", "--slo", "ttft=0.5s,tpot=50ms", "--headroom", "0.3", "--tier", "on-demand", "--provider", "aws", "-o", "json"),
			check: func(t *testing.T, o *CostPlanOptions) {
				if o.loadPerS != 200 || !o.slo.Equal(pricing.SLO{TTFTMS: ms(500), TPOTMS: ms(50)}) || o.Headroom != 0.3 || o.Tier != "on-demand" || o.Output != "json" {
					t.Errorf("options %+v", o)
				}
			}},
		{name: "no load", args: []string{"d", "--input-tokens", "1", "--output-tokens", "1", "--gpu", "h100", "--gpus-per-replica", "1"}, wantCode: ExitUsage, wantErr: "--load is required"},
		{name: "no gpus per replica", args: []string{"d", "--load", "1/s", "--input-tokens", "1", "--output-tokens", "1", "--gpu", "h100"}, wantCode: ExitUsage, wantErr: "--gpus-per-replica is required"},
		{name: "no output tokens", args: []string{"d", "--load", "1/s", "--input-tokens", "1", "--gpu", "h100", "--gpus-per-replica", "1"}, wantCode: ExitUsage, wantErr: "--output-tokens is required"},
		{name: "load without unit", args: with("--load", "200"), wantCode: ExitUsage, wantErr: `--load: pricing: load "200": no unit`},
		{name: "load in tokens", args: with("--load", "2M tok/min"), wantCode: ExitUsage, wantErr: "token rates are not taken"},
		{name: "bad SLO", args: with("--slo", "ttft=fast"), wantCode: ExitUsage, wantErr: "--slo: report: SLO ttft"},
		{name: "zero input tokens", args: with("--input-tokens", "0"), wantCode: ExitUsage, wantErr: "--input-tokens must be at least 1"},
		{name: "zero gpus per replica", args: with("--gpus-per-replica", "0"), wantCode: ExitUsage, wantErr: "--gpus-per-replica must be at least 1"},
		{name: "attainment above one", args: with("--attainment", "99"), wantCode: ExitUsage, wantErr: "--attainment must be a share in (0, 1]"},
		{name: "unknown scaling", args: with("--scale-by", "vibes"), wantCode: ExitUsage, wantErr: `--scale-by must be output, total or requests, got "vibes"`},
		{name: "negative headroom", args: with("--headroom", "-0.2"), wantCode: ExitUsage, wantErr: "--headroom must be a fraction >= 0"},
		{name: "headroom as a percentage", args: with("--headroom", "20%"), wantCode: ExitUsage, wantErr: "headroom"},
		{name: "negative price", args: with("--price", "-1"), wantCode: ExitUsage, wantErr: "--price: price -1 USD per GPU-hour"},
		{name: "provider without tier", args: with("--provider", "aws"), wantCode: ExitUsage, wantErr: "--provider needs --tier"},
		{name: "bad output", args: with("-o", "csv"), wantCode: ExitUsage, wantErr: "--output must be table or json"},
		{name: "no dir", args: planArgs, wantCode: ExitError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, errb, _ := testFactory(nil)
			var got *CostPlanOptions
			code := execute(f, NewCmdCostPlan(f, func(o *CostPlanOptions) error { got = o; return nil }), append([]string{"plan"}, tt.args...)...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tt.wantCode, errb)
			}
			if tt.wantErr != "" && !strings.Contains(errb.String(), tt.wantErr) {
				t.Errorf("stderr %q, want it to contain %q", errb, tt.wantErr)
			}
			if tt.check != nil {
				tt.check(t, got)
			}
		})
	}
}

// TestCostPlanGolden runs the plan as users type it, under cost.
func TestCostPlanGolden(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"cost_plan_table", append([]string{sweepH100}, planArgs...)},
		{"cost_plan_json", append(append([]string{sweepH100}, planArgs...), "--tier", "hyperscaler", "-o", "json")},
		{"cost_plan_percentile_table", append(append([]string{sweepH100}, planArgs...), "--slo", "ttft=1s,tpot=50ms", "--tier", "on-demand", "--price", "2.10")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, out, errb, _ := testFactory(nil)
			if code := execute(f, NewCmdCost(f, nil), append([]string{"cost", "plan"}, tt.args...)...); code != 0 {
				t.Fatalf("exit %d: %s", code, errb)
			}
			checkGolden(t, tt.name, out.Bytes())
		})
	}
}

func TestCostPlanErrors(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string
	}{
		{name: "no point meets the SLO", args: append(append([]string{sweepH100}, planArgs...), "--slo", "ttft=50ms"),
			wantCode: ExitError, want: []string{"no point of ../../pricing/testdata/sweep-h100 meets ttft=50ms for 99% of requests", "concurrency=4: TTFT p99 95 > 50 ms"}},
		{name: "no SLO for a sweep run without one", args: append([]string{sweepDir}, planArgs...),
			wantCode: ExitUsage, want: []string{"no SLO: ../../pricing/testdata/sweep-dir was run without one"}},
		{name: "attainment with no percentile", args: append(append([]string{sweepDir}, planArgs...), "--slo", "ttft=200ms", "--attainment", "0.97"),
			wantCode: ExitUsage, want: []string{"attainment 0.97", "give 0.5, 0.9, 0.95, 0.99 or 0.999"}},
		{name: "unknown GPU", args: append(append([]string{sweepH100}, planArgs...), "--gpu", "h900"),
			wantCode: ExitUsage, want: []string{`GPU "h900" is not in the catalog`}},
		{name: "not a sweep", args: append([]string{writeSummaryJSON(t, summaryNoSLO)}, planArgs...),
			wantCode: ExitError, want: []string{"is not a sweep"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, errb, _ := testFactory(nil)
			code := execute(f, NewCmdCost(f, nil), append([]string{"cost", "plan"}, tt.args...)...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tt.wantCode, errb)
			}
			for _, w := range tt.want {
				if !strings.Contains(errb.String(), w) {
					t.Errorf("stderr %q, want it to contain %q", errb, w)
				}
			}
		})
	}
}
