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
HTML page (-o html) with latency CDFs, histograms, time series and engine gauges.

Each argument is a results directory of tokenbench run, a sweep directory (subdirectories that
each hold a run), or a result written by another tool: vLLM "vllm bench serve --save-result"
JSON (with or without --save-detailed) or an AIPerf profile_export_aiperf.json,
profile_export.jsonl or artifact directory. Several runs are put side by side, with deltas
against the first and whether each is better or worse. Metrics a format cannot give are
listed as unavailable, never made up.`,
		Example: `  tokenbench report results/vllm-c32
  tokenbench report results/vllm-c32 -o html --out report.html
  tokenbench report results/h100 results/h200 -o markdown
  tokenbench report results/sweep-h100 -o html --gpus 8 --out sweep.html
  tokenbench report vllm-result.json --plots plots/`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{fmt.Errorf("report needs at least one results directory or file")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Paths = args
			if err := deprecatedFormat(f, cmd); err != nil {
				return err
			}
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
  tokenbench compare results/h100 results/h200 vllm-result.json -o html --out compare.html`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 {
				return usageError{fmt.Errorf("compare needs at least two runs, got %d", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Paths = args
			if err := deprecatedFormat(f, cmd); err != nil {
				return err
			}
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
	fl := cmd.Flags()
	fl.StringVarP(&o.Format, "output", "o", report.FormatTable,
		"output format: "+strings.Join(report.Formats, ", "))
	// --format was report's name for -o before every command used -o; it
	// still works, hidden, with a warning on stderr (deprecatedFormat): not
	// pflag's MarkDeprecated, whose notice cobra prints on stdout, into the
	// JSON or HTML a pipe is reading.
	fl.StringVar(&o.Format, "format", report.FormatTable, "deprecated alias of -o/--output")
	_ = fl.MarkHidden("format")
	fl.StringVar(&o.Out, "out", "", "write the output to the file `FILE` instead of standard output")
	fl.StringVar(&o.Plots, "plots", "", "also write every chart as PNG and SVG into the directory `DIR`")
	cmd.Flags().IntVar(&o.GPUs, "gpus", 1, "GPUs serving the endpoint, for throughput per GPU in sweep charts")
	groupFlags(cmd, reportFlagGroups)
}

// deprecatedFormat warns that --format is now -o/--output, and refuses both
// given at once (the later would silently win).
func deprecatedFormat(f *Factory, cmd *cobra.Command) error {
	fl := cmd.Flags()
	if !fl.Changed("format") {
		return nil
	}
	if fl.Changed("output") {
		return usageError{fmt.Errorf("--format is the deprecated name of -o/--output: give only -o")}
	}
	fmt.Fprintln(f.Err, "tokenbench: warning: --format is deprecated, use -o/--output")
	return nil
}

func (o *ReportOptions) validate() error {
	if !slices.Contains(report.Formats, o.Format) {
		return usageError{fmt.Errorf("-o/--output must be one of %s, got %q", strings.Join(report.Formats, ", "), o.Format)}
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
