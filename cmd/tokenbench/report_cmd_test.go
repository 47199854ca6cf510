package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// importsDir holds vLLM and AIPerf results in their documented formats.
const importsDir = "../../report/testdata/imports"

func TestReportFlagParsing(t *testing.T) {
	tests := []struct {
		name     string
		compare  bool
		args     []string
		wantCode int
		want     ReportOptions
		wantErr  string
	}{
		{name: "defaults", args: []string{"report", "a"},
			want: ReportOptions{Paths: []string{"a"}, Format: "table", GPUs: 1}},
		{name: "every flag", args: []string{"report", "a", "b", "-o", "html", "--out", "r.html", "--plots", "p", "--gpus", "8"},
			want: ReportOptions{Paths: []string{"a", "b"}, Format: "html", Out: "r.html", Plots: "p", GPUs: 8}},
		{name: "--output", args: []string{"report", "a", "--output", "json"},
			want: ReportOptions{Paths: []string{"a"}, Format: "json", GPUs: 1}},
		{name: "deprecated --format still works", args: []string{"report", "a", "--format", "csv"},
			want: ReportOptions{Paths: []string{"a"}, Format: "csv", GPUs: 1}, wantErr: "--format is deprecated, use -o/--output"},
		{name: "--format with -o", args: []string{"report", "a", "--format", "csv", "-o", "json"}, wantCode: ExitUsage, wantErr: "give only -o"},
		{name: "no -f shorthand: run's -f is a scenario file", args: []string{"report", "a", "-f", "csv"}, wantCode: ExitUsage},
		{name: "unknown format", args: []string{"report", "a", "-o", "pdf"}, wantCode: ExitUsage, wantErr: "-o/--output must be one of"},
		{name: "no GPUs", args: []string{"report", "a", "--gpus", "0"}, wantCode: ExitUsage},
		{name: "no path", args: []string{"report"}, wantCode: ExitUsage},
		{name: "unknown flag", args: []string{"report", "a", "--colour"}, wantCode: ExitUsage},
		{name: "compare two", compare: true, args: []string{"compare", "a", "b", "-o", "markdown"},
			want: ReportOptions{Paths: []string{"a", "b"}, Format: "markdown", GPUs: 1}},
		{name: "compare one", compare: true, args: []string{"compare", "a"}, wantCode: ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, errb, _ := testFactory(nil)
			var got *ReportOptions
			runF := func(o *ReportOptions) error { got = o; return nil }
			cmd := NewCmdReport(f, runF)
			if tt.compare {
				cmd = NewCmdCompare(f, runF)
			}
			code := execute(f, cmd, tt.args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d: %s", code, tt.wantCode, errb.String())
			}
			if !strings.Contains(errb.String(), tt.wantErr) {
				t.Errorf("stderr %q lacks %q", errb.String(), tt.wantErr)
			}
			if tt.wantCode != 0 {
				return
			}
			if strings.Join(got.Paths, ",") != strings.Join(tt.want.Paths, ",") || got.Format != tt.want.Format ||
				got.Out != tt.want.Out || got.Plots != tt.want.Plots || got.GPUs != tt.want.GPUs {
				t.Errorf("options = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestReportRuns(t *testing.T) {
	vllm := filepath.Join(importsDir, "vllm_detailed.json")
	agg := filepath.Join(importsDir, "vllm_aggregate.json")
	aiperf := filepath.Join(importsDir, "aiperf")
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  []string
		wantErr  string
	}{
		{name: "vLLM result as a table", args: []string{"report", vllm},
			wantOut: []string{"TTFT (ms)", "Source: vllm-bench-serve-detailed", "Unavailable from this format: schedule_lag_ms"}},
		{name: "aggregate-only shows n/a", args: []string{"report", agg, "-o", "markdown"},
			wantOut: []string{"| TTFT (ms) | 5 | 39.36 | 39.10 | n/a | n/a | 51.75 | n/a |"}},
		{name: "json of one run is its summary", args: []string{"report", aiperf, "-o", "json"},
			wantOut: []string{`"ttft_ms": {`, `"format": "aiperf-profile-export-jsonl"`}},
		{name: "csv", args: []string{"report", vllm, "--output", "csv"},
			wantOut: []string{"metric,statistic,unit,value\n", "ttft_ms,p50,ms,39.1"}},
		{name: "compare", args: []string{"compare", vllm, aiperf},
			wantOut: []string{"vllm_detailed", "vs vllm_detailed", "worse", "vllm_detailed: Source:"}},
		{name: "missing path", args: []string{"report", "no/such/dir"}, wantCode: ExitError, wantErr: "no/such/dir"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, out, errb, _ := testFactory(nil)
			cmd := NewCmdReport(f, nil)
			if tt.args[0] == "compare" {
				cmd = NewCmdCompare(f, nil)
			}
			if code := execute(f, cmd, tt.args...); code != tt.wantCode {
				t.Fatalf("exit %d, want %d: %s", code, tt.wantCode, errb.String())
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			if !strings.Contains(errb.String(), tt.wantErr) {
				t.Errorf("stderr %q lacks %q", errb.String(), tt.wantErr)
			}
		})
	}
}

func TestReportWritesHTMLAndPlots(t *testing.T) {
	dir := t.TempDir()
	page, plots := filepath.Join(dir, "report.html"), filepath.Join(dir, "plots")
	f, out, errb, _ := testFactory(nil)
	code := execute(f, NewCmdReport(f, nil), "report", filepath.Join(importsDir, "vllm_detailed.json"),
		"-o", "html", "--out", page, "--plots", plots)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if out.Len() != 0 {
		t.Errorf("--out given, but stdout got %d bytes", out.Len())
	}
	b, err := os.ReadFile(page)
	if err != nil || !bytes.Contains(b, []byte("<!DOCTYPE html>")) || !bytes.Contains(b, []byte("data:image/png;base64,")) {
		t.Fatalf("report.html: %v, %.100s", err, b)
	}
	for _, name := range []string{"ttft_cdf.png", "ttft_cdf.svg", "itl_hist.png", "throughput_series.svg"} {
		if st, err := os.Stat(filepath.Join(plots, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
}
