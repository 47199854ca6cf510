package sim

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/bench"
)

// writeRun writes a results directory of an open-loop run whose records are
// what the engine with cfg predicts for reqs.
func writeRun(t *testing.T, cfg Config, mode string, reqs []ReplayRequest, builtin bool) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "run-a")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ri := bench.RunInfo{Tool: "tokenbench", Load: bench.LoadInfo{Mode: mode, RatePerS: 5}, Target: bench.TargetInfo{Model: "served"}}
	if builtin {
		ri.Engine = cfg
	}
	if err := bench.WriteRunInfo(dir, ri); err != nil {
		t.Fatal(err)
	}
	d, err := cfg.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	res, err := Replay(d, reqs)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for i, r := range res {
		ttft := bench.Ms(r.TTFT())
		rec := bench.Record{RequestID: "r", OK: true, TSchedMS: bench.Ms(reqs[i].At), TStartMS: bench.Ms(reqs[i].At), TTFTMS: &ttft,
			E2EMS: bench.Ms(r.E2E()), InputTokens: reqs[i].Prompt, OutputTokens: r.Tokens}
		line, _ := json.Marshal(rec)
		b.Write(append(line, '\n'))
	}
	b.WriteString(`{"request_id": "failed", "ok": false, "t_sched_ms": 1, "e2e_ms": 3, "output_tokens": 0}` + "\n")
	if err := os.WriteFile(filepath.Join(dir, bench.RecordsFile), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestReadRunExperiment(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Model, cfg.TP = "llama-3.1-8b", 1
	var reqs []ReplayRequest
	for i := range 40 {
		reqs = append(reqs, ReplayRequest{At: time.Duration(i) * 200 * time.Millisecond, Prompt: 300 + 10*i, Output: 20 + i})
	}
	for _, builtin := range []bool{true, false} {
		dir := writeRun(t, cfg, "open", reqs, builtin)
		given := DefaultConfig() // a real server's run: the deployment given
		given.Model, given.TP = "llama-3.1-8b", 1
		e, notes, err := ReadRunExperiment(dir, given)
		if err != nil {
			t.Fatal(err)
		}
		if len(e.Replay) != 40 || e.ID != "run-a" || len(notes) < 2 || !strings.Contains(strings.Join(notes, "\n"), "prompts share no prefix") {
			t.Fatalf("builtin %v: %d requests, id %q, notes %q", builtin, len(e.Replay), e.ID, notes)
		}
		v, err := Validate([]Experiment{e}, DefaultConfig(), RequestOptions{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if m := v.MAPE["all"]["all"]; m > 1e-6 {
			t.Errorf("builtin %v: MAPE %v replaying the run on the engine that made it: want 0", builtin, m)
		}
		slow := DefaultConfig()
		slow.Timing.StepBase = 5 * time.Millisecond
		if v, _ := Validate([]Experiment{e}, slow, RequestOptions{}, 0); v.MAPE["all"]["itl"] < 10 {
			t.Errorf("builtin %v: a slower engine predicts the same (ITL MAPE %v)", builtin, v.MAPE["all"]["itl"])
		}
	}
	// A built-in engine run at speed-up 2: wall times are scaled back.
	fast := cfg
	fast.TimeScale = 0.5
	e, notes, err := ReadRunExperiment(writeRun(t, fast, "open", reqs, true), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(notes, "\n"), "speed-up 2: arrivals and latencies scaled back") || e.Replay[1].At != 400*time.Millisecond {
		t.Errorf("speed-up 2: notes %q, second arrival %v (want 400ms)", notes, e.Replay[1].At)
	}
	if v, err := Validate([]Experiment{e}, DefaultConfig(), RequestOptions{}, 0); err != nil || v.MAPE["all"]["all"] > 0.01 {
		t.Errorf("speed-up 2: MAPE %v (%v): want about 0", v.MAPE["all"]["all"], err)
	}
	if _, _, err := ReadRunExperiment(writeRun(t, cfg, "closed", reqs, true), cfg); err == nil || !strings.Contains(err.Error(), "only an open-loop run") {
		t.Errorf("closed loop: %v", err)
	}
	if _, _, err := ReadRunExperiment(t.TempDir(), cfg); err == nil {
		t.Error("no run.json: no error")
	}
}
