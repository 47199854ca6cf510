package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tokenbench/tokenbench/report"
)

// MergeOptions are the flags of `tokenbench merge`.
type MergeOptions struct {
	Dirs         []string
	Out          string
	AllowPartial bool
	Output       string
	Quiet        bool
}

// NewCmdMerge builds `tokenbench merge`; runF replaces the action in tests.
func NewCmdMerge(f *Factory, runF func(*MergeOptions) error) *cobra.Command {
	o := &MergeOptions{}
	cmd := &cobra.Command{
		Use:   "merge DIR... --out DIR",
		Short: "Merge the results directories of a sharded run into one run",
		Long: `Merge the results of the shards of one run (run --shard i/N, for example the pods of a
Kubernetes Indexed Job) into one results directory, as one process sending the whole workload
would have written it: the union of the records on one clock (each shard's t_*_ms moved by its
epoch's distance from the earliest), statistics recomputed from the merged samples (never
averaged percentiles), a window spanning all shards, every shard's own files (engine scrapes
included) in DIR/shards/<index>/, and run.json listing the shards. A missing or duplicated shard
is an error naming it; --allow-partial merges what exists and says what is missing.`,
		Example: `  tokenbench merge results/shard-0 results/shard-1 results/shard-2 --out results/merged
  tokenbench merge /results/shard-* --out /results/merged --allow-partial`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Dirs = args
			if o.Out == "" {
				return usageError{fmt.Errorf("--out DIR is required: where to write the merged run")}
			}
			if err := checkOutput(o.Output); err != nil {
				return usageError{err}
			}
			if runF != nil {
				return runF(o)
			}
			return mergeRun(f, o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Out, "out", "", "write the merged run into the directory `DIR` (must not hold anything)")
	fl.BoolVar(&o.AllowPartial, "allow-partial", false, "merge the shards present when some are missing (said in the summary and here)")
	fl.StringVarP(&o.Output, "output", "o", "table", "output format: table or json (summary.json)")
	fl.BoolVarP(&o.Quiet, "quiet", "q", false, "print nothing but errors and warnings")
	return cmd
}

func mergeRun(f *Factory, o *MergeOptions) error {
	res, err := report.Merge(o.Dirs, o.Out, report.MergeOptions{AllowPartial: o.AllowPartial})
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(f.Err, "tokenbench: %s\n", w)
	}
	set := res.Info.Shards
	msg := fmt.Sprintf("tokenbench: merged %d of %d shards (%d requests) into %s", len(set.Merged), set.Count, res.Summary.Requests.Total, o.Out)
	if len(set.Missing) > 0 {
		missing := make([]string, len(set.Missing))
		for i, m := range set.Missing {
			missing[i] = fmt.Sprintf("%d/%d", m, set.Count)
		}
		msg += fmt.Sprintf("; MISSING shard %s: the merged run is partial", strings.Join(missing, ", "))
	}
	fmt.Fprintln(f.Err, msg)
	for _, n := range set.Notes {
		fmt.Fprintf(f.Err, "tokenbench: %s\n", n)
	}
	if o.Quiet {
		return nil
	}
	return printSummary(f.Out, o.Output, res.Summary)
}
