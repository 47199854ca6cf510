package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// Fixtures: sim is a 20 s closed-loop run of 16 clients (512 input, 128
// output tokens) against the built-in engine on one H100, as tokenbench run
// wrote it; external is a summary of a vLLM endpoint of 2 replicas of 4
// H100s whose run.json names the model but records no built-in engine.
const (
	projectSimDir      = "testdata/cost_project/sim"
	projectExternalDir = "testdata/cost_project/external"
)

func TestCostProjectFlagParsing(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     CostProjectOptions
	}{
		{name: "targets only", args: []string{"d", "--to", "H200,B200"},
			want: CostProjectOptions{Dir: "d", To: []string{"H200", "B200"}, Output: "table"}},
		{name: "everything", args: []string{"d", "--to", "b200", "--to", "h200", "--gpu", "h100", "--model", "llama-3.3-70b",
			"--tp", "4", "--to-tp", "2", "--precision", "FP8", "--gpus", "8", "--tier", "on-demand", "--provider", "nebius", "--price", "2.5", "-o", "json"},
			want: CostProjectOptions{Dir: "d", To: []string{"b200", "h200"}, GPU: "h100", Model: "llama-3.3-70b", TP: 4, ToTP: 2,
				Precision: "fp8", GPUs: 8, Tier: "on-demand", Provider: "nebius", Price: 2.5, Output: "json"}},
		{name: "no targets", args: []string{"d"}, wantCode: ExitUsage},
		{name: "empty targets", args: []string{"d", "--to", ","}, wantCode: ExitUsage},
		{name: "bad precision", args: []string{"d", "--to", "H200", "--precision", "int4"}, wantCode: ExitUsage},
		{name: "negative tp", args: []string{"d", "--to", "H200", "--to-tp", "-1"}, wantCode: ExitUsage},
		{name: "provider without tier", args: []string{"d", "--to", "H200", "--provider", "aws"}, wantCode: ExitUsage},
		{name: "bad output", args: []string{"d", "--to", "H200", "-o", "csv"}, wantCode: ExitUsage},
		{name: "no dir", args: []string{"--to", "H200"}, wantCode: ExitError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, errb, _ := testFactory(nil)
			var got *CostProjectOptions
			code := execute(f, NewCmdCostProject(f, func(o *CostProjectOptions) error { got = o; return nil }), append([]string{"project"}, tt.args...)...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tt.wantCode, errb)
			}
			if tt.wantCode == 0 && !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("options %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func TestCostProjectGolden(t *testing.T) {
	external := []string{projectExternalDir, "--gpu", "H100", "--tp", "4", "--gpus", "8", "--precision", "fp8",
		"--to", "B200,H200,MI355X", "--to-tp", "2", "--tier", "neocloud", "--price", "2.5"}
	tests := []struct {
		name string
		args []string
	}{
		{"cost_project_table", []string{projectSimDir, "--to", "H200,B200,MI300X,A100", "--tier", "hyperscaler"}},
		{"cost_project_json", []string{projectSimDir, "--to", "H200,B200,MI300X,A100", "--tier", "hyperscaler", "-o", "json"}},
		{"cost_project_external_table", external},
		{"cost_project_external_json", append(external, "--output", "json")},
		{"cost_project_fp4_table", []string{projectSimDir, "--gpu", "B200", "--precision", "fp4", "--to", "H200,GB200", "--price", "3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, out, errb, _ := testFactory(nil)
			if code := execute(f, NewCmdCost(f, nil), append([]string{"cost", "project"}, tt.args...)...); code != 0 {
				t.Fatalf("exit %d: %s", code, errb)
			}
			checkGolden(t, tt.name, out.Bytes())
		})
	}
}

// TestCostProjectLabels holds the rule of the output: the disclaimer comes
// first, every figure of a target is under a "projected_" key (or a
// "modelled_" one, or describes the deployment or the price), and the
// measured figures carry neither.
func TestCostProjectLabels(t *testing.T) {
	f, out, errb, _ := testFactory(nil)
	if code := execute(f, NewCmdCost(f, nil), "cost", "project", projectSimDir, "--to", "H200", "--tier", "hyperscaler", "-o", "json"); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	var doc map[string]any
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if d, _ := doc["disclaimer"].(string); !strings.HasPrefix(d, "Projected, not measured") {
		t.Errorf("disclaimer %q", d)
	}
	if !strings.HasPrefix(out.String(), "{\n  \"disclaimer\"") {
		t.Errorf("JSON does not open with the disclaimer: %.80s", out)
	}
	neutral := map[string]bool{"gpu": true, "tp": true, "gpus": true, "tier": true, "provider": true,
		"price_usd_per_gpu_hour": true, "price_source": true, "price_note": true}
	target := doc["projected"].([]any)[0].(map[string]any)
	for k := range target {
		if k == "roofline" || k == "costs" || neutral[k] {
			continue
		}
		if !strings.HasPrefix(k, "projected_") && !strings.HasPrefix(k, "modelled_") {
			t.Errorf("target key %q is neither projected_ nor modelled_", k)
		}
	}
	for _, c := range target["costs"].([]any) {
		for k := range c.(map[string]any) {
			if !neutral[k] && !strings.HasPrefix(k, "projected_") {
				t.Errorf("target cost key %q is not projected_", k)
			}
		}
	}
	measured := doc["measured"].(map[string]any)
	for k := range measured {
		if strings.HasPrefix(k, "projected_") {
			t.Errorf("measured key %q says projected", k)
		}
	}

	f, out, errb, _ = testFactory(nil)
	if code := execute(f, NewCmdCost(f, nil), "cost", "project", projectSimDir, "--to", "H200", "--tier", "hyperscaler"); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	if !strings.HasPrefix(out.String(), "Projected, not measured: ") {
		t.Errorf("table does not open with the disclaimer: %.80s", out)
	}
}

// Naming run.json's GPU another way is no override: the recorded engine,
// KV cache included, stays the source.
func TestCostProjectSameGPUIsNoOverride(t *testing.T) {
	f, out, errb, _ := testFactory(nil)
	if code := execute(f, NewCmdCost(f, nil), "cost", "project", projectSimDir, "--gpu", "h100-sxm", "--model", "Llama-3.1-8B", "--to", "H200", "--tier", "hyperscaler"); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	if strings.Contains(out.String(), "flags override") {
		t.Errorf("output says flags override run.json:\n%s", out)
	}
}

func TestCostProjectErrors(t *testing.T) {
	noRun := t.TempDir()
	b, err := os.ReadFile(filepath.Join(projectSimDir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(noRun, "summary.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	badRun := writeSummaryJSON(t, string(b))
	if err := os.WriteFile(filepath.Join(badRun, "run.json"), []byte("{\n  \"target\": {\"builtin_engine\": \"yes\"}\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string
	}{
		{name: "unknown target GPU", args: []string{projectSimDir, "--to", "H900"},
			wantCode: ExitUsage, want: []string{`target llama-3.1-8b on 1 x H900: unknown GPU "H900" (known: H100`}},
		{name: "70B in bf16 on one H100", args: []string{projectExternalDir, "--gpu", "B200", "--to", "H100"},
			wantCode: ExitUsage, want: []string{"target llama-3.3-70b on 1 x H100: llama-3.3-70b weights in bf16 take 141.1 GB per GPU", "use a larger --tp"}},
		{name: "external run needs --gpu", args: []string{projectExternalDir, "--to", "H200"},
			wantCode: ExitUsage, want: []string{"--gpu is required: run.json does not record the built-in engine"}},
		{name: "no run.json needs --model", args: []string{noRun, "--gpu", "H100", "--to", "H200"},
			wantCode: ExitUsage, want: []string{"--model is required (known: llama-3.1-8b"}},
		{name: "GPUs not a multiple of TP", args: []string{projectExternalDir, "--gpu", "H100", "--tp", "4", "--gpus", "6", "--to", "B200"},
			wantCode: ExitUsage, want: []string{"--gpus 6 is not a whole number of replicas of --tp 4 GPUs"}},
		{name: "no summary", args: []string{t.TempDir(), "--to", "H200"},
			wantCode: ExitError, want: []string{"summary.json not found", "tokenbench summarize"}},
		{name: "broken run.json names the line", args: []string{badRun, "--to", "H200"},
			wantCode: ExitError, want: []string{"run.json: line 2:"}},
		{name: "summary of a run without output", args: []string{writeSummaryJSON(t, `{"requests": {"ok": 0}, "tokens": {}, "throughput": {}, "concurrency_achieved": 0}`), "--gpu", "H100", "--model", "llama-3.1-8b", "--to", "H200"},
			wantCode: ExitError, want: []string{"summary.json: requests.ok is 0: no successful request to project"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, errb, _ := testFactory(nil)
			code := execute(f, NewCmdCost(f, nil), append([]string{"cost", "project"}, tt.args...)...)
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
