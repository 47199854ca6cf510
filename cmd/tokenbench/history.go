package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tokenbench/tokenbench/gate"
	"github.com/tokenbench/tokenbench/history"
	"github.com/tokenbench/tokenbench/report"
)

// HistoryOptions are the flags of `tokenbench history`.
type HistoryOptions struct {
	DB       string
	Add      []string
	Scenario string
	Last     int
	Metric   string
	Plot     string
	HTML     string
	Output   string
}

// NewCmdHistory builds `tokenbench history`; runF replaces the action in tests.
func NewCmdHistory(f *Factory, runF func(context.Context, *HistoryOptions) error) *cobra.Command {
	o := &HistoryOptions{}
	cmd := &cobra.Command{
		Use:   "history FILE",
		Short: "List the runs of a history database and plot a metric over time",
		Long: `List the runs recorded in a history database (tokenbench run --history-db FILE, or --add DIR),
newest first, with a metric's value, and plot that metric over time (--plot FILE.png or .svg).

The database is SQLite (created when missing); parallel CI jobs may write it at once. Each run
keeps its scenario (a hash of the load, workload, model and engine), tool and git version,
every number of its summary, and the per-request samples that tokenbench gate --baseline
history:FILE compares with.`,
		Example: `  tokenbench history history.db
  tokenbench history history.db --add results/nightly --metric ttft_ms.p99 --plot ttft.svg --html history.html
  tokenbench history history.db --scenario 3f2a9c1d0b7e6a55 --last 10 -o json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{fmt.Errorf("history needs one database file, got %d arguments", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.DB = args[0]
			if err := checkOutput(o.Output); err != nil {
				return usageError{err}
			}
			if ext := strings.ToLower(filepath.Ext(o.Plot)); o.Plot != "" && ext != ".png" && ext != ".svg" {
				return usageError{fmt.Errorf("--plot %s: want a .png or .svg file", o.Plot)}
			}
			if o.Last < 0 {
				return usageError{errors.New("--last must not be negative")}
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return historyRun(context.Background(), f, o)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&o.Add, "add", nil, "record this results directory first (repeatable)")
	fl.StringVar(&o.Scenario, "scenario", "", "only runs of this scenario")
	fl.IntVar(&o.Last, "last", 20, "list the newest N runs (0: all)")
	fl.StringVar(&o.Metric, "metric", "ttft_ms.p50", "summary.json path to list and plot")
	fl.StringVar(&o.Plot, "plot", "", "plot the metric over time into FILE.png or FILE.svg")
	fl.StringVar(&o.HTML, "html", "", "write the plot into a self-contained HTML page, with the newest listed run's report when its directory is here")
	fl.StringVarP(&o.Output, "output", "o", "table", "output format: table or json")
	return cmd
}

func historyRun(ctx context.Context, f *Factory, o *HistoryOptions) error {
	for _, dir := range o.Add {
		view, err := gate.ReadView(dir)
		if err != nil {
			return err
		}
		s, err := readSamples(f, dir)
		if err != nil {
			return err
		}
		if err := recordRun(ctx, f, o.DB, dir, view, s, ""); err != nil {
			return err
		}
	}
	db, err := history.Open(ctx, o.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	runs, err := db.Runs(ctx, history.Filter{Scenario: o.Scenario, Limit: o.Last})
	if err != nil {
		return err
	}
	if o.Plot != "" || o.HTML != "" {
		if err := historyPlots(ctx, db, o, runs); err != nil {
			return err
		}
	}
	list := history.List{DB: o.DB, Metric: o.Metric, Runs: runs}
	if o.Output == "json" {
		return list.WriteJSON(f.Out)
	}
	return list.WriteTable(f.Out)
}

// recordRun records a results directory into the history database.
func recordRun(ctx context.Context, f *Factory, dbPath, dir string, view *gate.View, s gate.Samples, status string) error {
	added, err := gate.RecordRun(ctx, dbPath, dir, view, s, status, f.Getenv("GITHUB_SHA"))
	if err == nil && !added && status == "" {
		fmt.Fprintf(f.Err, "tokenbench: %s is already in %s\n", dir, dbPath)
	}
	return err
}

// historyPlots writes the metric's plot over time (--plot) and the HTML
// page (--html) with it and the newest listed run's report.
func historyPlots(ctx context.Context, db *history.DB, o *HistoryOptions, runs []history.Run) error {
	pts, err := db.Series(ctx, o.Scenario, o.Metric)
	if err != nil {
		return err
	}
	if len(pts) == 0 {
		return fmt.Errorf("no run in %s has %s", o.DB, o.Metric)
	}
	hp := make([]report.HistoryPoint, len(pts))
	for i, p := range pts {
		hp[i] = report.HistoryPoint{Time: p.StartedAt, Value: p.Value, Label: p.Name}
	}
	fig := report.HistoryFigure("history", o.Metric, hp)
	if o.Plot != "" {
		if err := report.WriteFigureFile(o.Plot, fig, report.PlotOptions{}); err != nil {
			return err
		}
	}
	if o.HTML == "" {
		return nil
	}
	newest := ""
	if len(runs) > 0 {
		newest = runs[0].Dir
	}
	return report.WriteHistoryHTML(o.HTML, o.Metric, fig, newest)
}
