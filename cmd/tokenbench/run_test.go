package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/report"
)

func testFactory(env map[string]string) (*Factory, *bytes.Buffer, *bytes.Buffer, chan os.Signal) {
	var out, errb bytes.Buffer
	sigs := make(chan os.Signal, 2)
	return &Factory{Out: &out, Err: &errb, Getenv: func(k string) string { return env[k] }, Interrupt: sigs}, &out, &errb, sigs
}

func TestRunFlagParsing(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantCode int
		check    func(t *testing.T, o *RunOptions)
	}{
		{name: "defaults", args: nil, check: func(t *testing.T, o *RunOptions) {
			l, info, err := o.load(nil)
			if err != nil || l.Concurrency != DefaultConcurrency || l.Duration != DefaultDuration || l.Arrival != nil || info.Mode != "closed" {
				t.Errorf("load %+v info %+v err %v", l, info, err)
			}
			if o.URL != "" || o.API != "chat" || !o.Synthetic.ForceLength || o.Synthetic.InputTokens != 512 || o.maxBuffer != 256e6 {
				t.Errorf("options %+v", o)
			}
		}},
		{name: "environment gives URL and key", env: map[string]string{"OPENAI_BASE_URL": "http://h:1/v1", "OPENAI_API_KEY": "k"}, check: func(t *testing.T, o *RunOptions) {
			if o.URL != "http://h:1/v1" || o.APIKey != "k" {
				t.Errorf("url %q key %q", o.URL, o.APIKey)
			}
		}},
		{name: "flags beat environment", args: []string{"--url", "http://x/v1", "--api-key", "f"}, env: map[string]string{"OPENAI_BASE_URL": "http://h:1/v1", "OPENAI_API_KEY": "k"}, check: func(t *testing.T, o *RunOptions) {
			if o.URL != "http://x/v1" || o.APIKey != "f" {
				t.Errorf("url %q key %q", o.URL, o.APIKey)
			}
		}},
		{name: "open loop uncapped unless --concurrency given", args: []string{"--rate", "5", "--arrival", "gamma", "--burstiness", "0.5", "--requests", "9"}, check: func(t *testing.T, o *RunOptions) {
			l, info, err := o.load(nil)
			if err != nil || l.Arrival == nil || l.Concurrency != 0 || l.Duration != 0 || info.Mode != "open" || info.Burstiness != 0.5 {
				t.Errorf("load %+v info %+v err %v", l, info, err)
			}
		}},
		{name: "open loop capped", args: []string{"--rate", "5", "--concurrency", "3"}, check: func(t *testing.T, o *RunOptions) {
			l, _, _ := o.load(nil)
			if l.Concurrency != 3 {
				t.Errorf("cap %d, want 3", l.Concurrency)
			}
		}},
		{name: "headers parsed", args: []string{"--header", "X-A: 1", "--header", "X-B:two"}, check: func(t *testing.T, o *RunOptions) {
			h, err := parseHeaders(o.Headers)
			if err != nil || h.Get("X-A") != "1" || h.Get("X-B") != "two" {
				t.Errorf("headers %v err %v", h, err)
			}
		}},
		{name: "engine flags with --url refused", args: []string{"--url", "http://x/v1", "--gpu", "B200", "--sim-model", "llama-3.1-70b"}, wantCode: ExitUsage},
		{name: "engine flags with $OPENAI_BASE_URL refused", args: []string{"--sim-speedup", "10"}, env: map[string]string{"OPENAI_BASE_URL": "http://h:1/v1"}, wantCode: ExitUsage},
		{name: "run's own flags with --url", args: []string{"--url", "http://x/v1", "--model", "m", "--seed", "3", "--time-scale", "2"}},
		{name: "engine speed-up", args: []string{"--sim-speedup", "10"}, check: func(t *testing.T, o *RunOptions) {
			if o.Sim.TimeScale != 0.1 || o.Spec.TimeScale != 1 {
				t.Errorf("engine time scale %v trace time scale %v, want 0.1 and 1", o.Sim.TimeScale, o.Spec.TimeScale)
			}
		}},
		{name: "deprecated engine time scale", args: []string{"--sim-time-scale", "0.5"}, check: func(t *testing.T, o *RunOptions) {
			if o.Sim.TimeScale != 0.5 {
				t.Errorf("engine time scale %v, want 0.5", o.Sim.TimeScale)
			}
		}},
		{name: "both engine speeds", args: []string{"--sim-time-scale", "0.5", "--sim-speedup", "2"}, wantCode: ExitUsage},
		{name: "the key guards the in-process engine", args: []string{"--api-key", "k"}, check: func(t *testing.T, o *RunOptions) {
			if keys := o.simConfig().APIKeys; len(keys) != 1 || keys[0] != "k" {
				t.Errorf("engine keys %v, want [k]", keys)
			}
		}},
		{name: "buffer budget", args: []string{"--max-buffer", "64MiB"}, check: func(t *testing.T, o *RunOptions) {
			if o.maxBuffer != 64<<20 {
				t.Errorf("max buffer %d, want %d", o.maxBuffer, 64<<20)
			}
		}},
		{name: "bad buffer budget", args: []string{"--max-buffer", "lots"}, wantCode: ExitUsage},
		{name: "bad api", args: []string{"--api", "responses"}, wantCode: ExitUsage},
		{name: "bad header", args: []string{"--header", "nocolon"}, wantCode: ExitUsage},
		{name: "bad extra body", args: []string{"--extra-body", "[1]"}, wantCode: ExitUsage},
		{name: "zero input tokens", args: []string{"--input-tokens", "0"}, wantCode: ExitUsage},
		{name: "closed loop without concurrency", args: []string{"--concurrency", "0"}, wantCode: ExitUsage},
		{name: "unknown flag", args: []string{"--nope"}, wantCode: ExitUsage},
		{name: "bad output", args: []string{"--output", "xml"}, wantCode: ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, errb, _ := testFactory(tt.env)
			var got *RunOptions
			root := NewRootCmd(f)
			for _, c := range root.Commands() {
				if c.Name() == "run" {
					root.RemoveCommand(c)
				}
			}
			root.AddCommand(NewCmdRun(f, func(_ context.Context, o *RunOptions) error { got = o; return nil }))
			root.SetArgs(append([]string{"run"}, tt.args...))
			code := exitCode(f, root.Execute())
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tt.wantCode, errb.String())
			}
			if tt.check != nil {
				tt.check(t, got)
			}
		})
	}
}

// runMain runs tokenbench with args and returns the exit code.
func runMain(t *testing.T, f *Factory, args ...string) int {
	t.Helper()
	return Main(f, args)
}

func TestRunAgainstBuiltinEngineWritesResults(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	f, out, errb, _ := testFactory(map[string]string{"OPENAI_API_KEY": "sk-secret-do-not-write"})
	code := runMain(t, f, "run", "--requests", "30", "--concurrency", "8", "--warmup", "2", "--input-tokens", "64",
		"--output-tokens", "16", "--out", dir, "--header", "X-Tenant: hunter2", "--output", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if first := strings.SplitN(errb.String(), "\n", 2)[0]; !strings.Contains(first, "built-in simulated engine") {
		t.Errorf("first line does not say the built-in engine started: %q", first)
	}
	var printed report.Summary
	if err := json.Unmarshal(out.Bytes(), &printed); err != nil {
		t.Fatalf("--output json printed %q: %v", out.String(), err)
	}
	if printed.Requests.Total != 30 || printed.Requests.OK != 30 || printed.Requests.WarmupExcluded != 2 {
		t.Errorf("requests %+v", printed.Requests)
	}
	if printed.Tokens.Output != 30*16 || printed.TTFTMS == nil || printed.TPOTMS == nil || printed.ITLMS == nil {
		t.Errorf("summary tokens %+v ttft %v tpot %v", printed.Tokens, printed.TTFTMS, printed.TPOTMS)
	}

	// The three files, with the named fields.
	ri, err := bench.ReadRunInfo(dir)
	if err != nil || !ri.Target.Builtin || ri.Target.Model == "" || !ri.Target.APIKeySet || ri.Load.Requests != 30 {
		t.Errorf("run.json %+v err %v", ri, err)
	}
	// The 8 connections were open before the measured phase (the warm-up
	// may have opened some of them).
	if ri.Health == nil || ri.Health.Prewarm == nil || ri.Health.Prewarm.Asked != 8 ||
		ri.Health.Prewarm.Opened+ri.Health.Prewarm.Reused != 8 || ri.Health.Prewarm.Failed != 0 {
		t.Errorf("run.json health.prewarm %+v", ri.Health)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, bench.RecordsFile))
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 32 {
		t.Fatalf("%d records, want 32", len(lines))
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"request_id", "response_id", "ok", "status", "warmup", "t_sched_ms", "t_start_ms", "ttft_ms", "e2e_ms", "tpot_ms",
		"events_ms", "input_tokens", "output_tokens", "cached_tokens", "tokens_source"} {
		if _, ok := m[k]; !ok {
			t.Errorf("record lacks %s: %s", k, lines[0])
		}
	}
	sumRaw, _ := os.ReadFile(filepath.Join(dir, "summary.json"))
	for _, k := range []string{`"requests"`, `"window_s"`, `"throughput"`, `"requests_per_s"`, `"ttft_ms"`, `"ttft_sched_ms"`, `"tpot_ms"`,
		`"itl_ms"`, `"e2e_ms"`, `"schedule_lag_ms"`, `"output_speed_tokens_per_s"`, `"p999"`} {
		if !bytes.Contains(sumRaw, []byte(k)) {
			t.Errorf("summary.json lacks %s", k)
		}
	}

	// Secrets appear nowhere.
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		b, _ := os.ReadFile(p)
		for _, secret := range []string{"sk-secret-do-not-write", "hunter2"} {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s contains a secret", p)
			}
		}
		return nil
	})
	if strings.Contains(errb.String()+out.String(), "sk-secret") {
		t.Error("output shows the API key")
	}

	// summarize rebuilds the same summary from the records alone.
	os.Remove(filepath.Join(dir, "summary.json"))
	f2, out2, errb2, _ := testFactory(nil)
	if code := runMain(t, f2, "summarize", dir, "--output", "json"); code != 0 {
		t.Fatalf("summarize exit %d: %s", code, errb2.String())
	}
	if !bytes.Equal(out2.Bytes(), out.Bytes()) {
		t.Errorf("summarize gave\n%s\nrun printed\n%s", out2, out)
	}

	// A results directory is never overwritten.
	f3, _, errb3, _ := testFactory(nil)
	if code := runMain(t, f3, "run", "--requests", "1", "--out", dir); code != ExitUsage || !strings.Contains(errb3.String(), "already holds a run") {
		t.Errorf("rerun into the same --out: exit %d %q", code, errb3.String())
	}
}

func TestRunInterruptedWritesPartialResults(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	f, _, errb, sigs := testFactory(nil)
	go func() {
		// Interrupt once records exist on disk and more are in flight.
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if b, _ := os.ReadFile(filepath.Join(dir, bench.RecordsFile)); bytes.Count(b, []byte("\n")) >= 3 {
				break
			}
		}
		sigs <- syscall.SIGINT
	}()
	code := runMain(t, f, "run", "--concurrency", "4", "--input-tokens", "32", "--output-tokens", "8", "--output-stddev", "200",
		"--duration", "1h", "--grace", "0s", "--out", dir, "-q")
	if code != ExitInterrupted {
		t.Fatalf("exit %d, want 130: %s", code, errb.String())
	}
	sum, warns, err := report.Summarize(dir)
	if err != nil || len(warns) != 0 {
		t.Fatalf("summarize: %v %v", err, warns)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "summary.json"))
	var written report.Summary
	if err := json.Unmarshal(b, &written); err != nil {
		t.Fatalf("summary.json: %v", err)
	}
	if written.Requests.Total != sum.Requests.Total || sum.Requests.Total < 3 {
		t.Errorf("summary.json total %d, records %d", written.Requests.Total, sum.Requests.Total)
	}
	if sum.Requests.OK+sum.Requests.Errors[bench.ErrCanceled] != sum.Requests.Total {
		t.Errorf("requests %+v: every record is ok or canceled", sum.Requests)
	}
}

func TestRunEveryRequestFailedExitsNonZero(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":{"message":"model overloaded"}}`, http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	f, _, errb, _ := testFactory(nil)
	dir := filepath.Join(t.TempDir(), "down")
	code := Main(f, []string{"run", "--url", srv.URL + "/v1", "--model", "m", "--requests", "4", "--no-metrics", "--calibrate", "off", "--out", dir})
	if code != ExitError || !strings.Contains(errb.String(), "every request failed (http_5xx 4)") || !strings.Contains(errb.String(), "model overloaded") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
	if sum, _, err := report.Summarize(dir); err != nil || sum.Requests.Failed != 4 {
		t.Errorf("results not written: %v %+v", err, sum)
	}
}
