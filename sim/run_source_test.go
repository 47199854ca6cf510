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
	// A closed loop's arrivals replay as recorded, with a note.
	if e, notes, err := ReadRunExperiment(writeRun(t, cfg, "closed", reqs, true), cfg); err != nil || len(e.Replay) != 40 ||
		!strings.Contains(strings.Join(notes, "\n"), "a closed-loop run: its arrivals") {
		t.Errorf("closed loop: %v, %d requests, notes %q", err, len(e.Replay), notes)
	}
	if _, _, err := ReadRunExperiment(writeRun(t, cfg, "sideways", reqs, true), cfg); err == nil || !strings.Contains(err.Error(), `load mode "sideways"`) {
		t.Errorf("unknown mode: %v", err)
	}
	if _, _, err := ReadRunExperiment(t.TempDir(), cfg); err == nil {
		t.Error("no run.json: no error")
	}
}

// Prefix sharing is rebuilt from what the records show: a session's turn
// starts with its previous turn's prompt and answer (the keys the engine
// gives the answer's tokens), and requests with reported cached tokens
// share that many; the replay's prefix cache then hits there.
func TestReadRunExperimentRebuildsPrefixSharing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sessions")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	if err := bench.WriteRunInfo(dir, bench.RunInfo{Tool: "tokenbench", Load: bench.LoadInfo{Mode: "trace"}, Engine: cfg}); err != nil {
		t.Fatal(err)
	}
	ttft := 20.0
	cached := 256
	recs := []bench.Record{
		{Session: "a", Turn: 0, TStartMS: 0, InputTokens: 500, OutputTokens: 40},
		{Session: "b", Turn: 0, TStartMS: 1000, InputTokens: 300, OutputTokens: 30, CachedTokens: &cached},
		{Session: "a", Turn: 1, TStartMS: 2000, InputTokens: 700, OutputTokens: 40}, // 500 + 40 + 160 new
		{Session: "a", Turn: 2, TStartMS: 4000, InputTokens: 600, OutputTokens: 10}, // a shorter history
		{TStartMS: 5000, InputTokens: 400, OutputTokens: 10, CachedTokens: &cached}, // shares with b's first 256
		{TStartMS: 6000, InputTokens: 400, OutputTokens: 10},                        // its own
	}
	var b strings.Builder
	for i := range recs {
		recs[i].RequestID, recs[i].OK, recs[i].TSchedMS, recs[i].TTFTMS, recs[i].E2EMS = "r", true, recs[i].TStartMS, &ttft, 500
		line, _ := json.Marshal(recs[i])
		b.Write(append(line, '\n'))
	}
	if err := os.WriteFile(filepath.Join(dir, bench.RecordsFile), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	e, notes, err := ReadRunExperiment(dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(notes, "\n"), "2 turns continue their session's context, 2 other requests share their reported cached tokens") {
		t.Errorf("notes %q", notes)
	}
	k := func(i int) []uint64 { return e.Replay[i].Keys }
	common := func(x, y []uint64) int {
		n := 0
		for n < min(len(x), len(y)) && x[n] == y[n] {
			n++
		}
		return n
	}
	for i, r := range e.Replay {
		if len(r.Keys) != r.Prompt {
			t.Fatalf("request %d: %d keys for a prompt of %d", i, len(r.Keys), r.Prompt)
		}
	}
	answer := func(i, j int) uint64 { return wordHashes[wordIndex(replayRequestKey(i), j)] }
	for _, c := range []struct {
		name string
		got  int
		want int
	}{
		{"turn 1 continues turn 0's prompt and answer", common(k(2), k(0)), 500},
		{"turn 2 keeps turn 1's first 600 tokens", common(k(3), k(2)), 600},
		{"cached requests share 256", common(k(4), k(1)), 256},
		{"the uncached request shares nothing", common(k(5), k(1)) + common(k(5), k(0)), 0},
		{"sessions do not share", common(k(0), k(1)), 0},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d tokens in common, want %d", c.name, c.got, c.want)
		}
	}
	if k(2)[500] != answer(0, 0) || k(2)[539] != answer(0, 39) || k(2)[540] == answer(0, 40) {
		t.Errorf("turn 1 does not carry turn 0's answer at 500..539")
	}
	// Turn 0's keys are intact after its session grew in place.
	if common(k(0), k(2)) != 500 || common(k(3), k(0)) != 500 {
		t.Error("a later turn overwrote an earlier turn's keys")
	}
	// The replay hits the cache where the server did: turn 1's TTFT is
	// shorter than a request of its length with no shared prefix.
	d, err := cfg.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	res, err := Replay(d, e.Replay)
	if err != nil {
		t.Fatal(err)
	}
	own := []ReplayRequest{{Prompt: 700, Output: 40}}
	cold, err := Replay(d, own)
	if err != nil {
		t.Fatal(err)
	}
	if !(res[2].TTFT() < cold[0].TTFT()) {
		t.Errorf("turn 1's TTFT %v, a cold prompt of its length %v: want the context's cache hit to shorten it", res[2].TTFT(), cold[0].TTFT())
	}
}
