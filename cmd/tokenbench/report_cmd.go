package main

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/report"
)

// ReportOptions are the flags of `tokenbench report` and `tokenbench compare`.
type ReportOptions struct {
	Paths  []string
	Format string
	Out    string
	Plots  string
	GPUs   int
}

// NewCmdReport builds `tokenbench report`; runF replaces the action in tests.
func NewCmdReport(f *Factory, runF func(*ReportOptions) error) *cobra.Command {
	o := &ReportOptions{}
	cmd := &cobra.Command{
		Use:   "report DIR|FILE...",
		Short: "Render results as a table, JSON, CSV, Markdown or one HTML page with charts",
		Long: `Render one or more results as a terminal table, JSON, CSV, Markdown, or one self-contained
HTML page (--format html) with latency CDFs, histograms, time series and engine gauges.

Each argument is a results directory of tokenbench run, a sweep directory (subdirectories that
each hold a run), or a result written by another tool: vLLM "vllm bench serve --save-result"
JSON (with or without --save-detailed) or an AIPerf profile_export_aiperf.json,
profile_export.jsonl or artifact directory. Several runs are put side by side, with deltas
against the first and whether each is better or worse. Metrics a format cannot give are
listed as unavailable, never made up.`,
		Example: `  tokenbench report results/vllm-c32
  tokenbench report results/vllm-c32 --format html --out report.html
  tokenbench report results/h100 results/h200 --format markdown
  tokenbench report results/sweep-h100 --format html --gpus 8 --out sweep.html
  tokenbench report vllm-result.json --plots plots/`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{fmt.Errorf("report needs at least one results directory or file")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Paths = args
			if err := o.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return reportRun(f, o)
		},
	}
	o.addFlags(cmd)
	return cmd
}

// NewCmdCompare builds `tokenbench compare`: report with at least two runs,
// side by side.
func NewCmdCompare(f *Factory, runF func(*ReportOptions) error) *cobra.Command {
	o := &ReportOptions{}
	cmd := &cobra.Command{
		Use:   "compare BASELINE OTHER...",
		Short: "Put runs side by side with deltas against the first",
		Long: `Put two or more runs side by side: the key metrics of each, the delta against the first
(the baseline) and whether it is better or worse (lower is better for latencies and errors,
higher for throughputs). Runs are labelled by the name in run.json or the directory name.
Same as tokenbench report with several runs.`,
		Example: `  tokenbench compare results/vllm-c32 results/sglang-c32
  tokenbench compare results/h100 results/h200 vllm-result.json --format html --out compare.html`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 {
				return usageError{fmt.Errorf("compare needs at least two runs, got %d", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Paths = args
			if err := o.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return reportRun(f, o)
		},
	}
	o.addFlags(cmd)
	return cmd
}

func (o *ReportOptions) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.Format, "format", report.FormatTable,
		"output format: "+strings.Join(report.Formats, ", "))
	cmd.Flags().StringVar(&o.Out, "out", "", "write the output to this file instead of standard output")
	cmd.Flags().StringVar(&o.Plots, "plots", "", "also write every chart as PNG and SVG into this directory")
	cmd.Flags().IntVar(&o.GPUs, "gpus", 1, "GPUs serving the endpoint, for throughput per GPU in sweep charts")
}

func (o *ReportOptions) validate() error {
	if !slices.Contains(report.Formats, o.Format) {
		return usageError{fmt.Errorf("--format must be one of %s, got %q", strings.Join(report.Formats, ", "), o.Format)}
	}
	if o.GPUs < 1 {
		return usageError{fmt.Errorf("--gpus must be at least 1, got %d", o.GPUs)}
	}
	return nil
}

// reportRun loads the paths and renders them.
func reportRun(f *Factory, o *ReportOptions) error {
	set, err := report.Load(o.Paths...)
	if err != nil {
		return err
	}
	for _, r := range set.Runs {
		for _, w := range r.Warnings {
			fmt.Fprintf(f.Err, "tokenbench: %s: %s\n", r.Path, w)
		}
	}
	popts := report.PlotOptions{GPUs: o.GPUs}
	var b bytes.Buffer
	if err := report.Render(&b, set, o.Format, popts); err != nil {
		return err
	}
	if o.Plots != "" {
		if err := report.WritePlots(o.Plots, report.Figures(set, popts), popts); err != nil {
			return err
		}
	}
	if o.Out == "" {
		_, err := f.Out.Write(b.Bytes())
		return err
	}
	// Written whole, through a rename: a reader never sees half a page.
	return bench.WriteFileAtomic(o.Out, b.Bytes())
}
