package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// parseRun parses `tokenbench run` args (and a scenario file's bytes, when
// given) into RunOptions without running anything.
func parseRun(t *testing.T, scenario string, args ...string) (*RunOptions, error) {
	t.Helper()
	f, _, _, _ := testFactory(nil)
	var got *RunOptions
	cmd := NewCmdRun(f, func(_ context.Context, o *RunOptions) error { got = o; return nil })
	if scenario != "" {
		path := t.TempDir() + "/scenario.yaml"
		if err := writeFile(path, scenario); err != nil {
			t.Fatal(err)
		}
		args = append(args, "-f", path)
	}
	cmd.SetArgs(args)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	return got, err
}

func TestScenarioFiles(t *testing.T) {
	tests := []struct {
		name     string
		scenario string
		args     []string
		check    func(t *testing.T, o *RunOptions)
		errLike  string
	}{
		{
			name: "every kind of value",
			scenario: `name: chat-c8
concurrency: 8
duration: 90s
input-tokens: 300
force-length: false
header: ["X-A: 1", "X-B: 2"]
slo: {ttft: 500ms, tpot: 50ms}
sweep: {concurrency: [1, 2, 4]}
extra-body: '{"priority": 1}'
`,
			check: func(t *testing.T, o *RunOptions) {
				if o.Name != "chat-c8" || o.Concurrency != 8 || o.Duration != 90*time.Second || o.Synthetic.InputTokens != 300 || o.Synthetic.ForceLength {
					t.Errorf("options %+v", o)
				}
				if len(o.Headers) != 2 || o.Headers[1] != "X-B: 2" {
					t.Errorf("headers %q", o.Headers)
				}
				if o.slo.String() != "tpot=50ms,ttft=500ms" || o.Sweep != "concurrency=1,2,4" || o.ExtraBody != `{"priority": 1}` {
					t.Errorf("slo %q sweep %q extra %q", o.slo, o.Sweep, o.ExtraBody)
				}
				if !o.capSet {
					t.Error("concurrency from a scenario must count as given (it caps an open loop)")
				}
			},
		},
		{
			name:     "flags win over the file",
			scenario: "concurrency: 8\ninput-tokens: 300\n",
			args:     []string{"--concurrency", "2"},
			check: func(t *testing.T, o *RunOptions) {
				if o.Concurrency != 2 || o.Synthetic.InputTokens != 300 {
					t.Errorf("concurrency %d input %d", o.Concurrency, o.Synthetic.InputTokens)
				}
			},
		},
		{name: "empty file", scenario: "\n", check: func(t *testing.T, o *RunOptions) {}},
		{
			name:     "files are relative to the scenario",
			scenario: "workload: mooncake:data/trace.jsonl\n",
			check: func(t *testing.T, o *RunOptions) {
				if !strings.HasSuffix(o.Workload, "/data/trace.jsonl") || !strings.HasPrefix(o.Workload, "mooncake:/") {
					t.Errorf("workload %q not resolved against the scenario's directory", o.Workload)
				}
			},
		},
		{
			name:     "a workload flag stays relative to the working directory",
			scenario: "workload: mooncake:data/trace.jsonl\n",
			args:     []string{"--workload", "azure:x.csv"},
			check: func(t *testing.T, o *RunOptions) {
				if o.Workload != "azure:x.csv" {
					t.Errorf("workload %q", o.Workload)
				}
			},
		},
		{name: "unknown setting names line", scenario: "concurrency: 8\nconcurrenc: 9\n", errLike: "line 2: unknown setting \"concurrenc\""},
		{name: "bad value names line and setting", scenario: "rate: 1\nconcurrency: many\n", errLike: "line 2: concurrency"},
		{name: "list for a single flag", scenario: "concurrency: [1, 2]\n", errLike: "line 1: concurrency takes one value"},
		{name: "duplicate setting", scenario: "rate: 1\nrate: 2\n", errLike: "line 2: \"rate\" is set twice"},
		{name: "not a mapping", scenario: "- a\n- b\n", errLike: "line 1: a scenario is a mapping"},
		{name: "YAML syntax error", scenario: "rate: [1\n", errLike: "scenario.yaml"},
		{name: "a scenario cannot include itself", scenario: "file: other.yaml\n", errLike: "unknown setting \"file\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseRun(t, tt.scenario, tt.args...)
			if tt.errLike != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errLike) {
					t.Fatalf("err %v, want one containing %q", err, tt.errLike)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, o)
		})
	}
}

// FuzzScenario: any file content gives options or an error, never a panic.
func FuzzScenario(f *testing.F) {
	f.Add("concurrency: 8\nslo: {ttft: 1s}\n")
	f.Add("header: [a, b]\nsweep: {rate: [1, 2]}\n")
	f.Add("&a x: *a\n")
	f.Add("? [a]\n: b\n")
	f.Fuzz(func(t *testing.T, scenario string) {
		fl := NewCmdRun(&Factory{Getenv: func(string) string { return "" }}, nil).Flags()
		_ = applyScenario(fl, "fuzz.yaml", []byte(scenario))
	})
}

func TestParseSweep(t *testing.T) {
	tests := []struct {
		in      string
		param   string
		n       int
		wantErr bool
	}{
		{"concurrency=1,2,4,8", "concurrency", 4, false},
		{"rate=0.5, 1,2", "rate", 3, false},
		{"concurrency=1.5", "", 0, true},
		{"rate=0", "", 0, true},
		{"rate=", "", 0, true},
		{"batch=1,2", "", 0, true},
		{"concurrency", "", 0, true},
	}
	for _, tt := range tests {
		p, vs, err := parseSweep(tt.in)
		if (err != nil) != tt.wantErr || p != tt.param || len(vs) != tt.n {
			t.Errorf("parseSweep(%q) = %q %v %v", tt.in, p, vs, err)
		}
	}
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o644) }
