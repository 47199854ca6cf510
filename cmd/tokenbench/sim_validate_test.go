package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/tokenbench/tokenbench/sim"
)

// twoExperiments writes a small experiments file: a dense and an MoE
// deployment, short stages.
func twoExperiments(t *testing.T) string {
	t.Helper()
	const body = `[
 {"id": "a-dense", "model": "meta-llama/Llama-2-7b-hf", "hardware": "H100", "tp": 1, "max_num_batched_tokens": 2048,
  "engine": {"max_num_seqs": 128, "max_model_len": 4096},
  "workload_spec": {"num_unique_system_prompts": 2, "num_users_per_system_prompt": 2, "system_prompt_len": 100,
   "question_len": 300, "output_len": 30, "stages": [{"rate": 4, "duration_s": 3}]},
  "actual": {"overall": {"ttft_mean": 28, "ttft_p90": 33, "ttft_p99": 50, "itl_mean": 10, "e2e_mean": 330, "e2e_p90": 360, "e2e_p99": 400}}},
 {"id": "b-moe", "model": "mistralai/Mixtral-8x7B-v0.1", "hardware": "H100", "tp": 2, "max_num_batched_tokens": 2048,
  "engine": {"max_num_seqs": 128, "max_model_len": 4096},
  "workload_spec": {"num_unique_system_prompts": 2, "num_users_per_system_prompt": 2, "system_prompt_len": 100,
   "question_len": 300, "output_len": 30, "stages": [{"rate": 4, "duration_s": 3}]},
  "actual": {"overall": {"ttft_mean": 60, "ttft_p90": 66, "ttft_p99": 80, "itl_mean": 20, "e2e_mean": 650, "e2e_p90": 700, "e2e_p99": 760}}}
]`
	p := filepath.Join(t.TempDir(), "experiments.json")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSimValidate(t *testing.T) {
	exps := twoExperiments(t)
	var out, errb bytes.Buffer
	f := &Factory{Out: &out, Err: &errb}
	if code := execute(f, NewCmdSimValidate(f, nil), "validate", exps); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"a-dense", "b-moe", "ttft_p99", "MAPE %", "dense ", "moe ", "trained step-time model 14-20%", "engine profile: vllm\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if code := execute(f, NewCmdSimValidate(f, nil), "validate", exps, "--stages"); code != 0 {
		t.Fatalf("--stages: exit %d: %s", code, errb.String())
	}
	if s := out.String(); !strings.Contains(s, "per load stage, predicted / measured:") || !strings.Contains(s, "b-moe") {
		t.Errorf("--stages prints no stage table:\n%s", s)
	}
	// JSON, with an engine profile that makes every step 50 ms longer:
	// every predicted TTFT grows.
	prof := filepath.Join(t.TempDir(), "slow.yaml")
	if err := os.WriteFile(prof, []byte("step_base: 51ms\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var base, slow sim.Validation
	for _, c := range []struct {
		args []string
		v    *sim.Validation
	}{{[]string{"validate", exps, "-o", "json"}, &base}, {[]string{"validate", exps, "-o", "json", "--engine-profile", prof}, &slow}} {
		out.Reset()
		if code := execute(f, NewCmdSimValidate(f, nil), c.args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", c.args, code, errb.String())
		}
		if err := json.Unmarshal(out.Bytes(), c.v); err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
	}
	for i := range base.Experiments {
		if b, s := base.Experiments[i].Predicted.TTFTMean, slow.Experiments[i].Predicted.TTFTMean; !(s > b+50) {
			t.Errorf("%s: TTFT %v with the slow profile, %v without: want 50 ms more at least", base.Experiments[i].ID, s, b)
		}
	}
	if base.EngineProfile != "vllm" || slow.EngineProfile != prof {
		t.Errorf("engine_profile %q and %q, want vllm and %s", base.EngineProfile, slow.EngineProfile, prof)
	}
	if _, ok := base.MAPE["moe"]["itl"]; !ok {
		t.Errorf("JSON lacks mape.moe.itl: %+v", base.MAPE)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"validate"}, "accepts 1 arg"},
		{[]string{"validate", exps, "-o", "yaml"}, `--output "yaml"`},
		{[]string{"validate", filepath.Join(t.TempDir(), "none.json")}, "no such file"},
		{[]string{"validate", exps, "--engine-profile", exps}, "engine profile"},
		{[]string{"validate", exps, "--engine-profile", "vllm-nightly"}, `"vllm-nightly": no such file, nor a shipped profile (defaults, vllm)`},
		{[]string{"validate", exps, "--client-timeout", "-1s"}, "--client-timeout -1s: want 0 (none) or more"},
		// Every request takes longer than the client waits.
		{[]string{"validate", exps, "--client-timeout", "100ms"}, "no request completed in the replay"},
	} {
		errb.Reset()
		if code := execute(f, NewCmdSimValidate(f, nil), c.args...); code == 0 || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q: want an error containing %q", c.args, code, errb.String(), c.want)
		}
	}
}

func TestSimCalibrate(t *testing.T) {
	exps := twoExperiments(t)
	prof := filepath.Join(t.TempDir(), "profile.yaml")
	var out, errb bytes.Buffer
	f := &Factory{Out: &out, Err: &errb}
	args := []string{"calibrate", exps, "--out", prof, "--params", "mfu,step_base", "--max-evals", "12", "--holdout", "b-moe"}
	if code := execute(f, NewCmdSimCalibrate(f, nil), args...); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"fitted on 1 experiments", "error on the experiments fitted:", "error on the experiments held out (--holdout):", "step_base: "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	b, err := os.ReadFile(prof)
	if err != nil {
		t.Fatal(err)
	}
	tm, err := sim.ParseEngineProfile(b, sim.Timing{})
	if err != nil || !strings.HasPrefix(string(b), "# tokenbench engine profile") {
		t.Fatalf("profile written does not read back (%v):\n%s", err, b)
	}
	// run and sim read it with --engine-profile; a later flag wins.
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	c := sim.DefaultConfig()
	addSimFlags(fs, &c)
	if err := fs.Parse([]string{"--engine-profile", prof, "--mbu", "0.7"}); err != nil {
		t.Fatal(err)
	}
	want := tm
	want.MBU = 0.7
	if c.Timing != want {
		t.Errorf("timing %+v, want the profile's with --mbu 0.7: %+v", c.Timing, want)
	}
	// Leave one model out: a fit per model (two here), then the table.
	out.Reset()
	errb.Reset()
	args = []string{"calibrate", exps, "--out", prof, "--params", "step_base", "--max-evals", "6", "--leave-one-model-out"}
	if code := execute(f, NewCmdSimCalibrate(f, nil), args...); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "leave-one-model-out: each model's experiments predicted by a fit on the other models'") ||
		strings.Count(errb.String(), "without ") != 2 {
		t.Errorf("leave-one-model-out output:\n%s\nstderr:\n%s", out.String(), errb.String())
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"calibrate", exps}, "--out FILE is required"},
		{[]string{"calibrate", exps, "--out", prof, "--params", "speed"}, `no parameter "speed"`},
		{[]string{"calibrate", exps, "--out", prof, "--client-timeout", "-5s"}, "--client-timeout -5s: want 0 (none) or more"},
		{[]string{"calibrate", exps, "--out", prof, "--holdout", "nothing"}, `"nothing" names no experiment`},
	} {
		errb.Reset()
		if code := execute(f, NewCmdSimCalibrate(f, nil), c.args...); code == 0 || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q: want an error containing %q", c.args, code, errb.String(), c.want)
		}
	}
}

func TestSimModelConfigFlag(t *testing.T) {
	dir := t.TempDir()
	cfg := `{"model_type": "llama", "hidden_size": 2048, "num_hidden_layers": 16, "num_attention_heads": 32,
	 "num_key_value_heads": 8, "intermediate_size": 8192, "vocab_size": 128256, "torch_dtype": "bfloat16"}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"--model-config", dir}, {"--precision", "fp8", "--model-config", filepath.Join(dir, "config.json")}} {
		fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
		c := sim.DefaultConfig()
		addSimFlags(fs, &c)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		if c.ModelSpec == nil || c.ModelSpec.Layers != 16 {
			t.Fatalf("%v: model %+v", args, c.ModelSpec)
		}
		if wantFP8 := args[0] == "--precision"; (c.Precision == sim.FP8) != wantFP8 {
			t.Errorf("%v: precision %v", args, c.Precision)
		}
		if _, err := c.Resolve(); err != nil {
			t.Errorf("%v: %v", args, err)
		}
	}
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	c := sim.DefaultConfig()
	addSimFlags(fs, &c)
	if err := fs.Parse([]string{"--model-config", filepath.Join(dir, "none")}); err == nil {
		t.Error("a missing config: no error")
	}
}

// A results directory of an open-loop run against the built-in engine is a
// calibration source: replayed as recorded on the recorded engine.
func TestSimCalibrateResultsDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "res")
	var out, errb bytes.Buffer
	f := &Factory{Out: &out, Err: &errb, Getenv: func(string) string { return "" }}
	if code := execute(f, NewCmdRun(f, nil), "run", "--rate", "20", "--requests", "20", "--input-tokens", "200", "--output-tokens", "16",
		"--sim-speedup", "4", "--out", dir); code != 0 {
		t.Fatalf("run: exit %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "the built-in engine runs 4x as fast as the GPUs it models") {
		t.Errorf("run at --sim-speedup 4 did not say its latencies are wall time:\n%s", errb.String())
	}
	out.Reset()
	errb.Reset()
	prof := filepath.Join(t.TempDir(), "p.yaml")
	if code := execute(f, NewCmdSimCalibrate(f, nil), "calibrate", dir, "--out", prof, "--params", "step_base", "--max-evals", "6"); code != 0 {
		t.Fatalf("calibrate: exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"recorded in run.json", "speed-up 4", "prompts share no prefix"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("calibrate's notes lack %q:\n%s", want, errb.String())
		}
	}
	if !strings.Contains(out.String(), "fitted on 1 experiments") {
		t.Errorf("calibrate output:\n%s", out.String())
	}
}
