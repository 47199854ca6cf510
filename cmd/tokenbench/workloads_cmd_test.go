package main

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/tokenbench/tokenbench/workloads"
)

// wlExecute runs `tokenbench workloads ARGS...` as Main would, returning
// the exit code.
func wlExecute(f *Factory, cmd *cobra.Command, args ...string) int {
	return execute(f, cmd, append([]string{"workloads"}, args...)...)
}

func TestWorkloadsConvertFlags(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     WorkloadsConvertOptions
	}{
		{"bfcl", []string{"convert", "--from", "bfcl", "b.json"}, 0, WorkloadsConvertOptions{From: "bfcl", Path: "b.json", Seed: workloads.DefaultSeed}},
		{"mooncake options", []string{"convert", "--from", "mooncake", "--limit", "5", "--block-tokens", "16", "--seed", "3", "m.jsonl"}, 0,
			WorkloadsConvertOptions{From: "mooncake", Path: "m.jsonl", Limit: 5, BlockTokens: 16, Seed: 3}},
		{"func docs", []string{"convert", "--from", "bfcl", "--bfcl-func-docs", "d", "b.json"}, 0,
			WorkloadsConvertOptions{From: "bfcl", Path: "b.json", FuncDocDir: "d", Seed: workloads.DefaultSeed}},
		{"unknown format", []string{"convert", "--from", "sharegpt", "x"}, ExitUsage, WorkloadsConvertOptions{}},
		{"no format", []string{"convert", "x"}, ExitUsage, WorkloadsConvertOptions{}},
		{"no file", []string{"convert", "--from", "bfcl"}, ExitError, WorkloadsConvertOptions{}},
		{"negative limit", []string{"convert", "--from", "bfcl", "--limit", "-1", "x"}, ExitUsage, WorkloadsConvertOptions{}},
		{"bad flag", []string{"convert", "--frm", "bfcl", "x"}, ExitUsage, WorkloadsConvertOptions{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, errb, _ := testFactory(nil)
			var got *WorkloadsConvertOptions
			code := wlExecute(f, NewCmdWorkloads(f, func(o *WorkloadsConvertOptions) error { got = o; return nil }), tt.args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tt.wantCode, errb)
			}
			if tt.wantCode == 0 && *got != tt.want {
				t.Errorf("options %+v, want %+v", *got, tt.want)
			}
		})
	}
}

// TestWorkloadsConvert runs the real conversion: stdout is exactly the
// session JSONL that the workloads package's golden files hold.
func TestWorkloadsConvert(t *testing.T) {
	const dir = "../../workloads/testdata/sessions/"
	tests := []struct {
		args   []string
		golden string
	}{
		{[]string{"--from", "bfcl", dir + "bfcl_sample.json"}, "bfcl_sample"},
		{[]string{"--from", "swe-agent", dir + "swe_simple.traj"}, "swe_simple"},
		{[]string{"--from", "mooncake", "--block-tokens", "4", "--seed", "0", dir + "mooncake_small.jsonl"}, "mooncake_small"},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			f, out, errb, _ := testFactory(nil)
			if code := wlExecute(f, NewCmdWorkloads(f, nil), append([]string{"convert"}, tt.args...)...); code != 0 {
				t.Fatalf("exit %d: %s", code, errb)
			}
			want, err := os.ReadFile(dir + tt.golden + ".golden.jsonl")
			if err != nil {
				t.Fatal(err)
			}
			if out.String() != string(want) {
				t.Errorf("stdout differs from %s.golden.jsonl:\n%.1000s", tt.golden, out)
			}
			if !strings.Contains(errb.String(), "sessions from") {
				t.Errorf("stderr %q", errb)
			}
		})
	}
}

func TestWorkloadsConvertErrors(t *testing.T) {
	f, out, errb, _ := testFactory(nil)
	code := wlExecute(f, NewCmdWorkloads(f, nil), "convert", "--from", "sessions", "../../workloads/testdata/sessions/mooncake_small.jsonl")
	if code != ExitError || !strings.Contains(errb.String(), `mooncake_small.jsonl line 1: session: unknown field "timestamp"`) || out.Len() != 0 {
		t.Errorf("exit %d, stderr %q, stdout %q", code, errb, out)
	}
}

// TestWorkloadsConvertSendsWhatRunSends: convert and run share one default
// seed, so a Mooncake trace converted with default flags and replayed as
// sessions sends the words `run --workload mooncake-sessions:FILE` sends.
func TestWorkloadsConvertSendsWhatRunSends(t *testing.T) {
	const trace = "../../workloads/testdata/sessions/mooncake_small.jsonl"
	f, out, errb, _ := testFactory(nil)
	if code := wlExecute(f, NewCmdWorkloads(f, nil), "convert", "--from", "mooncake", trace); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	conv := filepath.Join(t.TempDir(), "mc.jsonl")
	if err := os.WriteFile(conv, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ro := &RunOptions{}
	cmd := NewCmdRun(f, func(_ context.Context, o *RunOptions) error { ro = o; return nil })
	cmd.SetArgs([]string{"--workload", "mooncake-sessions:" + trace})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	direct, err := workloads.Open(ro.Spec)
	if err != nil {
		t.Fatal(err)
	}
	converted, err := workloads.Open(workloads.Spec{Kind: "sessions", Path: conv, Seed: ro.Seed})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		a, errA := direct.Next()
		b, errB := converted.Next()
		if errA != nil || errB != nil {
			if errA != errB {
				t.Fatalf("session %d: %v vs %v", i, errA, errB)
			}
			break
		}
		if !reflect.DeepEqual(a.Request, b.Request) {
			t.Fatalf("session %d: run sends %+.200v, the converted file %+.200v", i, a.Request.Messages, b.Request.Messages)
		}
	}
}

// Bad input to inspect is a usage error naming the file, as it is to run.
func TestWorkloadsInspectBadInputExits2(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	if err := os.WriteFile(bad, []byte("{\"timestamp\": 0, \"input_length\": 10, \"output_length\": 5}\nnot json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, arg := range []string{"mooncake:" + bad, "mooncake:" + filepath.Join(t.TempDir(), "missing.jsonl")} {
		code, _, errs := mainCode("workloads", "inspect", arg)
		if code != ExitUsage || !strings.Contains(errs, filepath.Base(strings.TrimPrefix(arg, "mooncake:"))) {
			t.Errorf("inspect %s: exit %d, stderr %q; want 2 naming the file", arg, code, errs)
		}
	}
}
