package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The hand-built sweeps of the pricing package (pricing/sweep_test.go
// describes them).
const (
	sweepH100 = "../../pricing/testdata/sweep-h100"
	sweepDir  = "../../pricing/testdata/sweep-dir"
)

func TestCostSweepFlagParsing(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     CostOptions
	}{
		{name: "no tier needed", args: []string{"d", "--gpu", "h100", "--gpus", "8", "--interactivity", "50"},
			want: CostOptions{Dir: "d", GPU: "h100", GPUs: 8, Interactivity: 50, Output: "table"}},
		{name: "tier narrows", args: []string{"d", "--gpu", "h100", "--gpus", "8", "--interactivity", "62.5", "--tier", "on-demand", "--provider", "aws", "-o", "json"},
			want: CostOptions{Dir: "d", GPU: "h100", GPUs: 8, Interactivity: 62.5, Tier: "on-demand", Provider: "aws", Output: "json"}},
		{name: "zero interactivity", args: []string{"d", "--gpu", "h100", "--gpus", "8", "--interactivity", "0"}, wantCode: ExitUsage},
		{name: "negative interactivity", args: []string{"d", "--gpu", "h100", "--gpus", "8", "--interactivity", "-5"}, wantCode: ExitUsage},
		{name: "infinite interactivity", args: []string{"d", "--gpu", "h100", "--gpus", "8", "--interactivity", "Inf"}, wantCode: ExitUsage},
		{name: "gpus still required", args: []string{"d", "--gpu", "h100", "--interactivity", "50"}, wantCode: ExitUsage},
		{name: "provider needs tier", args: []string{"d", "--gpu", "h100", "--gpus", "8", "--interactivity", "50", "--provider", "aws"}, wantCode: ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, errb, _ := testFactory(nil)
			var got *CostOptions
			code := execute(f, NewCmdCost(f, func(o *CostOptions) error { got = o; return nil }), append([]string{"cost"}, tt.args...)...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tt.wantCode, errb)
			}
			if tt.wantCode == 0 && *got != tt.want {
				t.Errorf("options %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func TestCostSweepGolden(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"cost_sweep_table", []string{sweepH100, "--gpu", "h100", "--gpus", "8", "--interactivity", "50"}},
		{"cost_sweep_json", []string{sweepH100, "--gpu", "h100", "--gpus", "8", "--interactivity", "50", "--tier", "hyperscaler", "-o", "json"}},
		{"cost_sweep_dir_table", []string{sweepDir, "--gpu", "L40S", "--gpus", "1", "--interactivity", "100", "--tier", "on-demand", "--price", "0.99"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, out, errb, _ := testFactory(nil)
			if code := execute(f, NewCmdCost(f, nil), append([]string{"cost"}, tt.args...)...); code != 0 {
				t.Fatalf("exit %d: %s", code, errb)
			}
			checkGolden(t, tt.name, out.Bytes())
		})
	}
}

func TestCostSweepErrors(t *testing.T) {
	oneRun := writeSummaryJSON(t, summaryNoSLO)
	sweepNoSummary := t.TempDir()
	if err := os.WriteFile(filepath.Join(sweepNoSummary, "sweep.json"), []byte(`{"kind": "sweep", "param": "rate", "points": [{"param": "rate", "value": 2, "dir": "rate-2"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string
	}{
		{name: "above the measured range", args: []string{sweepH100, "--gpu", "h100", "--gpus", "8", "--interactivity", "150"},
			wantCode: ExitUsage, want: []string{"interactivity 150 tokens/s/user is outside the measured range", "the Pareto front spans 19.93 to 104.16 tokens/s/user"}},
		{name: "below the measured range", args: []string{sweepH100, "--gpu", "h100", "--gpus", "8", "--interactivity", "12"},
			wantCode: ExitUsage, want: []string{"spans 19.93 to 104.16"}},
		{name: "unknown GPU", args: []string{sweepH100, "--gpu", "h900", "--gpus", "8", "--interactivity", "50"},
			wantCode: ExitUsage, want: []string{`GPU "h900" is not in the catalog`}},
		{name: "unknown tier", args: []string{sweepH100, "--gpu", "h100", "--gpus", "8", "--interactivity", "50", "--tier", "spot"},
			wantCode: ExitUsage, want: []string{`H100 SXM has no price in tier "spot"`}},
		{name: "one run is not a sweep", args: []string{oneRun, "--gpu", "h100", "--gpus", "8", "--interactivity", "50"},
			wantCode: ExitError, want: []string{"is not a sweep", "price it with tokenbench cost alone"}},
		{name: "point without summary", args: []string{sweepNoSummary, "--gpu", "h100", "--gpus", "8", "--interactivity", "50"},
			wantCode: ExitError, want: []string{"rate-2/summary.json not found", `lists point "rate=2"`}},
		{name: "a sweep without --interactivity", args: []string{sweepH100, "--gpu", "h100", "--gpus", "8", "--tier", "hyperscaler"},
			wantCode: ExitError, want: []string{"is a sweep, not one run: price it at a target with --interactivity", "tokenbench cost plan"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, errb, _ := testFactory(nil)
			code := execute(f, NewCmdCost(f, nil), append([]string{"cost"}, tt.args...)...)
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
