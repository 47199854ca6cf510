package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/gate"
)

// GateFlags are the gate's settings, shared by `tokenbench gate` and
// `tokenbench run --gate`.
type GateFlags struct {
	File      string
	Baseline  string
	JUnit     string
	Markdown  string
	HistoryDB string
}

// GateOptions are the flags of `tokenbench gate`.
type GateOptions struct {
	Dir string
	GateFlags
	Output string
}

// gateFailedError is a gate that judged the run and failed it (exit 3).
type gateFailedError struct{ msg string }

func (e gateFailedError) Error() string { return e.msg }

// cannotJudgeError is a gate that could not judge the run (exit 4).
type cannotJudgeError struct{ msg string }

func (e cannotJudgeError) Error() string { return e.msg }

// NewCmdGate builds `tokenbench gate`; runF replaces the action in tests.
func NewCmdGate(f *Factory, runF func(context.Context, *GateOptions) error) *cobra.Command {
	o := &GateOptions{}
	cmd := &cobra.Command{
		Use:   "gate DIR -t gate.yaml",
		Short: "Pass or fail a run for CI: thresholds, and baselines under a significance test",
		Long: `Judge a results directory against a gate file and exit 0 (pass), 3 (failed) or 4 (cannot judge).

The gate file holds rules, expressions over summary.json paths and, as cost.*, cost.json paths
(ttft_ms.p99 < 800, requests.failed / requests.total <= 0.01, cost.usd_per_mtok_output <= 0.40),
and baseline tolerances per metric (ttft_ms.p50: +10%, throughput.output_tokens_per_s: -5%)
judged against --baseline DIR or --baseline history:FILE (the median of the last runs of the
same scenario) with a bootstrap confidence interval over the per-request samples: a metric fails
when it moved beyond its tolerance and the interval says the move is not noise.

A run cannot be judged (exit 4) when its own validity check marked it invalid, when no request
succeeded, or when a statistic has too few samples (p99 needs 100, p999 1000, others 20).`,
		Example: `  tokenbench gate results/pr -t gate.yaml
  tokenbench gate results/pr -t gate.yaml --baseline results/main --junit gate.xml --markdown "$GITHUB_STEP_SUMMARY"
  tokenbench gate results/pr -t gate.yaml --baseline history:history.db -o json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{fmt.Errorf("gate needs one results directory, got %d arguments", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Dir = args[0]
			if o.File == "" {
				return usageError{errors.New("gate needs a gate file: -t gate.yaml")}
			}
			if err := checkOutput(o.Output); err != nil {
				return usageError{err}
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return gateRun(context.Background(), f, o)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&o.File, "gate", "t", "", "gate file (YAML): rules and baseline tolerances")
	addGateFlags(fl, &o.GateFlags)
	fl.StringVarP(&o.Output, "output", "o", "table", "output format: table or json")
	return cmd
}

// addGateFlags registers the flags `gate` and `run --gate` share.
func addGateFlags(fl *pflag.FlagSet, g *GateFlags) {
	fl.StringVar(&g.Baseline, "baseline", "", "baseline: a results DIR, or history:FILE (median of the last runs of the same scenario)")
	fl.StringVar(&g.JUnit, "junit", "", "write the verdict as JUnit XML (one testcase per rule and baseline metric)")
	fl.StringVar(&g.Markdown, "markdown", "", `append the verdict as Markdown, e.g. to "$GITHUB_STEP_SUMMARY"`)
	fl.StringVar(&g.HistoryDB, "history-db", "", "record the run (and the gate's verdict) in this SQLite history database")
}

// check refuses gate settings that cannot apply to a run.
func (g GateFlags) check(multi bool) error {
	if g.File == "" && (g.Baseline != "" || g.JUnit != "" || g.Markdown != "") {
		return errors.New("--baseline, --junit and --markdown need --gate FILE")
	}
	if multi && (g.File != "" || g.HistoryDB != "") {
		return errors.New("--gate and --history-db judge and record one run: not with --sweep or --search-max-goodput")
	}
	return nil
}

// gateRun judges o.Dir and records it when asked.
func gateRun(ctx context.Context, f *Factory, o *GateOptions) error {
	file, err := gate.ReadFile(o.File)
	if err != nil {
		return err
	}
	view, err := gate.ReadView(o.Dir)
	if err != nil {
		return err
	}
	in := gate.Input{View: view}
	tols, _ := file.Tolerances()
	if len(tols) > 0 && o.Baseline == "" {
		return fmt.Errorf("%s has baseline tolerances: give --baseline DIR or --baseline history:FILE", o.File)
	}
	if len(tols) > 0 || o.HistoryDB != "" {
		if in.Samples, err = readSamples(f, o.Dir); err != nil {
			return err
		}
	}
	if o.Baseline != "" {
		if in.Baseline, err = loadBaseline(ctx, f, o.Baseline, o.Dir, file.HistoryRuns); err != nil {
			return err
		}
	}
	v, err := gate.Judge(file, in)
	if err != nil {
		return err
	}
	switch o.Output {
	case "json":
		err = v.WriteJSON(f.Out)
	case "table":
		err = v.WriteTable(f.Out)
	}
	if err != nil {
		return err
	}
	if err := writeGateFiles(v, o.GateFlags); err != nil {
		return err
	}
	if o.HistoryDB != "" {
		if err := recordRun(ctx, f, o.HistoryDB, o.Dir, view, in.Samples, string(v.Status)); err != nil {
			return err
		}
	}
	return verdictError(v)
}

func readSamples(f *Factory, dir string) (gate.Samples, error) {
	s, warns, err := gate.ReadSamples(dir)
	for _, w := range warns {
		if w.Line == 0 { // about the whole file (gate.ReadSamples)
			fmt.Fprintf(f.Err, "tokenbench: %s: %s\n", filepath.Join(dir, bench.RecordsFile), w.Msg)
			continue
		}
		fmt.Fprintf(f.Err, "tokenbench: %s %s\n", filepath.Join(dir, bench.RecordsFile), w)
	}
	return s, err
}

// loadBaseline reads --baseline: a results directory or history:FILE.
func loadBaseline(ctx context.Context, f *Factory, spec, dir string, n int) (*gate.Baseline, error) {
	if db, ok := strings.CutPrefix(spec, "history:"); ok {
		return gate.HistoryBaseline(ctx, spec, db, dir, n)
	}
	if st, err := os.Stat(spec); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("--baseline %s: not a results directory (or history:FILE)", spec)
	}
	s, err := readSamples(f, spec)
	if err != nil {
		return nil, err
	}
	cur, err1 := gate.ReadIdentity(dir)
	base, err2 := gate.ReadIdentity(spec)
	if err1 == nil && err2 == nil && cur.Scenario != base.Scenario {
		fmt.Fprintf(f.Err, "tokenbench: warning: the baseline %s ran another scenario than %s (load, workload, model or engine differ): its figures may not be comparable\n", spec, dir)
	}
	return &gate.Baseline{Name: spec, Runs: []gate.BaselineRun{{Label: spec, Samples: s}}}, nil
}

func writeGateFiles(v *gate.Verdict, g GateFlags) error {
	if g.JUnit != "" {
		var b bytesBuffer
		if err := v.WriteJUnit(&b); err != nil {
			return err
		}
		if err := bench.WriteFileAtomic(g.JUnit, b.Bytes()); err != nil {
			return fmt.Errorf("--junit: %w", err)
		}
	}
	if g.Markdown != "" {
		fh, err := os.OpenFile(g.Markdown, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("--markdown: %w", err)
		}
		werr := v.WriteMarkdown(fh)
		if err := errors.Join(werr, fh.Close()); err != nil {
			return fmt.Errorf("--markdown: %w", err)
		}
	}
	return nil
}

// verdictError maps the verdict to the command's error (exit code).
func verdictError(v *gate.Verdict) error {
	msg := v.Summary()
	if fails := v.Failures(); len(fails) > 0 {
		msg += "\n  " + strings.Join(fails, "\n  ")
	}
	switch v.Status {
	case gate.Fail:
		return gateFailedError{msg}
	case gate.NotJudged:
		return cannotJudgeError{msg}
	}
	return nil
}

// gateAfterRun gates and records a finished run (run --gate, --history-db);
// runErr is the run's own outcome. An interrupted run is neither judged
// nor recorded. The gate's verdict decides the exit code, unless it passed
// and the run itself failed. With run -o json the verdict table goes to
// stderr.
func gateAfterRun(ctx context.Context, f *Factory, g GateFlags, dir string, quiet, jsonOut bool, runErr error) error {
	if errors.Is(runErr, errInterrupted) || (g.File == "" && g.HistoryDB == "") {
		return runErr
	}
	if g.File == "" {
		view, err := gate.ReadView(dir)
		if err != nil {
			return errors.Join(runErr, err)
		}
		s, err := readSamples(f, dir)
		if err == nil {
			err = recordRun(ctx, f, g.HistoryDB, dir, view, s, "")
		}
		return errors.Join(runErr, err)
	}
	out := "table"
	if quiet {
		out = "none"
	}
	if jsonOut {
		// stdout holds summary.json alone, for pipes; the verdict table
		// goes beside the logs.
		f = &Factory{Out: f.Err, Err: f.Err, Getenv: f.Getenv, ErrIsTTY: f.ErrIsTTY, Interrupt: f.Interrupt}
	}
	err := gateRun(ctx, f, &GateOptions{Dir: dir, GateFlags: g, Output: out})
	if err != nil || runErr == nil {
		return err
	}
	return runErr
}
