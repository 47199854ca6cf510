package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/report"
	"github.com/tokenbench/tokenbench/workloads"
)

// TestRunLoadTimedWorkload: a timed workload runs on its own clock by
// default (no in-flight cap, no 20 s stop); --concurrency, --requests and
// --duration still apply when given; --rate is refused.
func TestRunLoadTimedWorkload(t *testing.T) {
	timed := &workloads.Plan{Items: 1138, Timed: true, TimeScale: 10, Span: 24 * time.Second, WindowDuration: 4 * time.Minute}
	tests := []struct {
		name  string
		args  []string
		plan  *workloads.Plan
		check func(t *testing.T, l bench.Load, info bench.LoadInfo)
		usage bool
	}{
		{name: "trace defaults", plan: timed, check: func(t *testing.T, l bench.Load, info bench.LoadInfo) {
			if !l.Trace || l.Concurrency != 0 || l.Duration != 0 || l.Requests != 0 || info.Mode != "trace" {
				t.Errorf("load %+v info %+v", l, info)
			}
			want := bench.TraceInfo{TimeScale: 10, WindowDurationS: 240, Requests: 1138, SpanS: 24}
			if info.Trace == nil || *info.Trace != want {
				t.Errorf("trace info %+v, want %+v", info.Trace, want)
			}
		}},
		{name: "trace capped and stopped when asked", args: []string{"--concurrency", "16", "--duration", "20s"}, plan: timed,
			check: func(t *testing.T, l bench.Load, info bench.LoadInfo) {
				if !l.Trace || l.Concurrency != 16 || l.Duration != 20*time.Second || info.Concurrency != 16 {
					t.Errorf("load %+v", l)
				}
			}},
		{name: "trace with a rate", args: []string{"--rate", "4"}, plan: timed, usage: true},
		{name: "untimed sessions stay a closed loop", plan: &workloads.Plan{Items: 8, Sessions: true},
			check: func(t *testing.T, l bench.Load, info bench.LoadInfo) {
				if l.Trace || l.Concurrency != DefaultConcurrency || l.Duration != DefaultDuration || info.Mode != "closed" || info.Trace != nil {
					t.Errorf("load %+v info %+v", l, info)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := parseRunFlags(t, tt.args...)
			l, info, err := o.load(tt.plan)
			if tt.usage {
				if _, ok := err.(usageError); !ok {
					t.Errorf("err %v, want a usage error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, l, info)
		})
	}
}

// parseRunFlags parses `tokenbench run ARGS` into its options.
func parseRunFlags(t *testing.T, args ...string) *RunOptions {
	t.Helper()
	f, _, _, _ := testFactory(nil)
	var o *RunOptions
	cmd := NewCmdRun(f, func(_ context.Context, ro *RunOptions) error { o = ro; return nil })
	cmd.SetArgs(args)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	return o
}

// TestRunTraceWithDefaultFlags replays a timed JSONL with default flags:
// run.json says mode trace with its clock, every request is sent at its
// offset, nothing is held back. With --requests 2 the summary and the
// terminal say that one request was held back, and by what.
func TestRunTraceWithDefaultFlags(t *testing.T) {
	const trace = "../../workloads/testdata/requests_timed.jsonl"
	dir := filepath.Join(t.TempDir(), "trace")
	f, _, errb, _ := testFactory(nil)
	if code := Main(f, []string{"run", "--workload", "jsonl:" + trace, "--time-scale", "20", "--no-metrics", "--sim-time-scale", "0.05", "--out", dir, "-q"}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	var ri struct {
		Load bench.LoadInfo `json:"load"`
	}
	readJSON(t, filepath.Join(dir, bench.RunFile), &ri)
	if ri.Load.Mode != "trace" || ri.Load.Concurrency != 0 || ri.Load.DurationS != 0 || ri.Load.Trace == nil ||
		ri.Load.Trace.Requests != 3 || ri.Load.Trace.TimeScale != 20 || ri.Load.Trace.SpanS != 0.050025 {
		t.Errorf("run.json load %+v trace %+v", ri.Load, ri.Load.Trace)
	}
	var sum struct {
		Requests struct{ Total int } `json:"requests"`
		HeldBack *bench.HeldBack     `json:"held_back"`
	}
	readJSON(t, filepath.Join(dir, "summary.json"), &sum)
	if sum.Requests.Total != 3 || sum.HeldBack != nil {
		t.Errorf("summary: %d requests, held back %+v; want all 3, none", sum.Requests.Total, sum.HeldBack)
	}

	dir2 := filepath.Join(t.TempDir(), "held")
	f2, _, errb2, _ := testFactory(nil)
	if code := Main(f2, []string{"run", "--workload", "jsonl:" + trace, "--requests", "2", "--no-metrics", "--sim-time-scale", "0.05", "--time-scale", "20", "--out", dir2}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb2)
	}
	readJSON(t, filepath.Join(dir2, "summary.json"), &sum)
	if h := sum.HeldBack; h == nil || *h != (bench.HeldBack{Requests: 1, Of: 3, By: bench.StopRequests}) {
		t.Errorf("held_back %+v", h)
	}
	// workload.json keeps it, so a rebuilt summary has it too.
	if rebuilt, _, err := report.Summarize(dir2); err != nil || rebuilt.HeldBack == nil || rebuilt.HeldBack.Requests != 1 {
		t.Errorf("summarize: held back %+v (%v)", rebuilt.HeldBack, err)
	}
	for _, want := range []string{"trace on its own clock: 3 requests over 50ms (time scale 20), no cap on requests in flight, stopping after 2",
		"warning: 1 of the workload's 3 requests were not sent: --requests stopped the run first"} {
		if !strings.Contains(errb2.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb2)
		}
	}
}

// TestRunBadSessionsFailUpFront: a session file with a bad last line, or
// none at all, is a usage error naming file and line, before any results
// directory is made.
func TestRunBadSessionsFailUpFront(t *testing.T) {
	tmp := t.TempDir()
	for _, tc := range []struct{ name, text, want string }{
		{"bad last line", `{"session_id": "a", "turns": [{"user": "x"}]}` + "\n" + `{"session_id": "b", "turns": [{"usr": "x"}]}` + "\n",
			`line 2: turns[0]: unknown field "usr"`},
		{"empty", "", "no sessions in the file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(tmp, strings.ReplaceAll(tc.name, " ", "_")+".jsonl")
			if err := os.WriteFile(p, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(tmp, "out-"+strings.ReplaceAll(tc.name, " ", "_"))
			f, _, errb, _ := testFactory(nil)
			code := Main(f, []string{"run", "--workload", "sessions:" + p, "--no-metrics", "--out", dir, "-q"})
			if code != ExitUsage || !strings.Contains(errb.String(), tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errb, ExitUsage, tc.want)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("results directory made: %v", err)
			}
		})
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
