package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/internal/golden"

	"github.com/spf13/cobra"
)

// checkGolden compares got with testdata/name.golden, or rewrites it under -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name+".golden"), got)
}

// execute runs cmd under a root that maps flag errors and exit codes as
// NewRootCmd does, and returns the exit code.
func execute(f *Factory, cmd *cobra.Command, args ...string) int {
	root := &cobra.Command{Use: "tokenbench", SilenceUsage: true, SilenceErrors: true}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(cmd)
	root.SetArgs(args)
	root.SetOut(f.Out)
	root.SetErr(f.Err)
	return exitCode(f, root.Execute())
}

// writeSummaryJSON writes a summary.json with the given body in a fresh
// directory and returns the directory.
func writeSummaryJSON(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "summary.json"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// A summary.json as report writes it (fields cost does not read included).
const summaryNoSLO = `{
  "requests": {"total": 100, "ok": 100, "failed": 0, "warmup_excluded": 0, "errors": {}},
  "window_s": 10,
  "tokens": {"input": 150000, "output": 80000, "estimated_records": 0},
  "throughput": {"requests_per_s": 10, "input_tokens_per_s": 15000, "output_tokens_per_s": 8000, "total_tokens_per_s": 23000},
  "concurrency_achieved": 31.5
}
`

const summaryWithGoodput = `{
  "throughput": {"requests_per_s": 10, "input_tokens_per_s": 15000, "output_tokens_per_s": 8000, "total_tokens_per_s": 23000},
  "goodput": {"slo": {"ttft_ms": 500}, "met": 81, "slo_attainment": 0.81, "requests_per_s": 8.1, "output_tokens_per_s": 6500}
}
`

func TestCostFlagParsing(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     CostOptions
	}{
		{name: "catalog tier", args: []string{"d", "--gpu", "h100", "--gpus", "8", "--tier", "hyperscaler"},
			want: CostOptions{Dir: "d", GPU: "h100", GPUs: 8, Tier: "hyperscaler", Output: "table"}},
		{name: "provider and json", args: []string{"d", "--gpu", "h200", "--gpus", "1", "--tier", "on-demand", "--provider", "aws", "-o", "json"},
			want: CostOptions{Dir: "d", GPU: "h200", GPUs: 1, Tier: "on-demand", Provider: "aws", Output: "json"}},
		{name: "price needs no tier", args: []string{"d", "--gpu", "b200", "--gpus", "8", "--price", "2.10", "--prices", "p.yaml"},
			want: CostOptions{Dir: "d", GPU: "b200", GPUs: 8, Price: 2.10, PricesFile: "p.yaml", Output: "table"}},
		{name: "no dir", args: []string{"--gpu", "h100", "--gpus", "8", "--tier", "hyperscaler"}, wantCode: ExitError},
		{name: "no gpu", args: []string{"d", "--gpus", "8", "--tier", "hyperscaler"}, wantCode: ExitUsage},
		{name: "gpus not given", args: []string{"d", "--gpu", "h100", "--tier", "hyperscaler"}, wantCode: ExitUsage},
		{name: "zero gpus", args: []string{"d", "--gpu", "h100", "--gpus", "0", "--tier", "hyperscaler"}, wantCode: ExitUsage},
		{name: "no tier nor price", args: []string{"d", "--gpu", "h100", "--gpus", "8"}, wantCode: ExitUsage},
		{name: "negative price", args: []string{"d", "--gpu", "h100", "--gpus", "8", "--price", "-1"}, wantCode: ExitUsage},
		{name: "bad price", args: []string{"d", "--gpu", "h100", "--gpus", "8", "--price", "cheap"}, wantCode: ExitUsage},
		{name: "bad output", args: []string{"d", "--gpu", "h100", "--gpus", "8", "--tier", "hyperscaler", "-o", "csv"}, wantCode: ExitUsage},
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

func TestCostGolden(t *testing.T) {
	noSLO := writeSummaryJSON(t, summaryNoSLO)
	withGoodput := writeSummaryJSON(t, summaryWithGoodput)
	tests := []struct {
		name string
		args []string
	}{
		{"cost_table", []string{noSLO, "--gpu", "h100", "--gpus", "8", "--tier", "hyperscaler"}},
		{"cost_json", []string{noSLO, "--gpu", "h100", "--gpus", "8", "--tier", "hyperscaler", "--output", "json"}},
		{"cost_goodput_table", []string{withGoodput, "--gpu", "MI300X", "--gpus", "4", "--tier", "on-demand", "--provider", "azure"}},
		{"cost_goodput_json", []string{withGoodput, "--gpu", "MI300X", "--gpus", "4", "--tier", "on-demand", "--provider", "azure", "-o", "json"}},
		{"cost_prices_file_table", []string{noSLO, "--gpu", "H100 SXM", "--gpus", "8", "--tier", "hyperscaler", "--prices", "testdata/prices.yaml"}},
		{"cost_user_price_json", []string{noSLO, "--gpu", "B200", "--gpus", "8", "--price", "2.10", "-o", "json"}},
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

func TestCostErrors(t *testing.T) {
	good := writeSummaryJSON(t, summaryNoSLO)
	tests := []struct {
		name     string
		dir      string
		args     []string
		wantCode int
		want     []string
	}{
		{name: "unknown GPU lists known", dir: good, args: []string{"--gpu", "h900", "--gpus", "1", "--tier", "hyperscaler"},
			wantCode: ExitUsage, want: []string{`GPU "h900" is not in the catalog; known: H100 SXM`}},
		{name: "ambiguous provider lists them", dir: good, args: []string{"--gpu", "h100", "--gpus", "1", "--tier", "on-demand"},
			wantCode: ExitUsage, want: []string{"pick one: aws, azure, lambda, runpod, nebius"}},
		{name: "no summary", dir: t.TempDir(), args: []string{"--gpu", "h100", "--gpus", "1", "--tier", "hyperscaler"},
			wantCode: ExitError, want: []string{"summary.json not found", "tokenbench summarize"}},
		{name: "not a summary", dir: writeSummaryJSON(t, `{"kind": "sweep"}`), args: []string{"--gpu", "h100", "--gpus", "1", "--tier", "hyperscaler"},
			wantCode: ExitError, want: []string{"summary.json: no requests or throughput field"}},
		{name: "broken JSON names the line", dir: writeSummaryJSON(t, "{\n  \"throughput\": {\n    \"output_tokens_per_s\": \"fast\"\n  }\n}\n"),
			args: []string{"--gpu", "h100", "--gpus", "1", "--tier", "hyperscaler"}, wantCode: ExitError, want: []string{"summary.json: line 3:"}},
		{name: "bad prices file names the line", dir: good, args: []string{"--gpu", "h100", "--gpus", "1", "--tier", "hyperscaler", "--prices", "testdata/prices_typo.yaml"},
			wantCode: ExitError, want: []string{`testdata/prices_typo.yaml line 4: unknown field "usd_per_hour"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, errb, _ := testFactory(nil)
			code := execute(f, NewCmdCost(f, nil), append([]string{"cost", tt.dir}, tt.args...)...)
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

func TestParseSummaryThroughput(t *testing.T) {
	tp, err := parseSummaryThroughput("s.json", []byte(summaryWithGoodput))
	if err != nil {
		t.Fatal(err)
	}
	if tp.OutputTokensPerS != 8000 || tp.InputTokensPerS != 15000 || tp.TotalTokensPerS != 23000 || tp.GoodOutputTokensPerS != 6500 {
		t.Errorf("throughput %+v", tp)
	}
	if _, err := parseSummaryThroughput("s.json", []byte(`{"throughput": {"output_tokens_per_s": -1}}`)); err == nil ||
		!strings.Contains(err.Error(), "throughput.output_tokens_per_s is negative") {
		t.Errorf("negative throughput: error %v", err)
	}
}

// FuzzCostSummary feeds arbitrary bytes as summary.json: never a panic, and
// an accepted summary has no negative rate.
func FuzzCostSummary(f *testing.F) {
	f.Add([]byte(summaryNoSLO))
	f.Add([]byte(summaryWithGoodput))
	f.Add([]byte(`{"throughput": null}`))
	f.Add([]byte("{\n\"throughput\": {\"output_tokens_per_s\": 1e999}}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tp, err := parseSummaryThroughput("summary.json", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "summary.json: ") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if tp.OutputTokensPerS < 0 || tp.InputTokensPerS < 0 || tp.TotalTokensPerS < 0 || tp.GoodOutputTokensPerS < 0 {
			t.Fatalf("accepted a negative rate: %+v", tp)
		}
	})
}

func TestCostSaveWritesCostJSON(t *testing.T) {
	dir := writeSummaryJSON(t, `{"throughput":{"requests_per_s":1,"input_tokens_per_s":4000,"output_tokens_per_s":1000,"total_tokens_per_s":5000}}`)
	f, out, errb, _ := testFactory(nil)
	if code := execute(f, NewCmdCost(f, nil), "cost", dir, "--gpu", "h100", "--gpus", "1", "--price", "1.30", "--save"); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, "cost.json"))
	if err != nil || !strings.Contains(string(b), `"usd_per_mtok_output"`) || !strings.Contains(out.String(), "0.3611") {
		t.Errorf("cost.json %s (%v); printed %s", b, err, out)
	}
}
