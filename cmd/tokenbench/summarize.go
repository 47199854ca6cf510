package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/report"
)

// SummarizeOptions are the flags of `tokenbench summarize`.
type SummarizeOptions struct {
	Dir    string
	Output string
	Quiet  bool
}

// NewCmdSummarize builds `tokenbench summarize`; runF replaces the action in tests.
func NewCmdSummarize(f *Factory, runF func(*SummarizeOptions) error) *cobra.Command {
	o := &SummarizeOptions{}
	cmd := &cobra.Command{
		Use:   "summarize DIR",
		Short: "Rebuild summary.json of a results directory from its requests.jsonl",
		Long: `Rebuild summary.json from the per-request records alone, for example after a crash
left a run without one. A line that does not decode (a write torn by a crash or a full disk),
anywhere in the file, is skipped and counted, with a warning naming it; *.tmp files left by an
interrupted write are removed.`,
		Example: `  tokenbench summarize results/20261126T210455Z
  tokenbench summarize results/vllm-c32 --output json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Dir = args[0]
			if err := checkOutput(o.Output); err != nil {
				return usageError{err}
			}
			if runF != nil {
				return runF(o)
			}
			removed, err := bench.RemoveStaleTemp(o.Dir)
			for _, n := range removed {
				fmt.Fprintf(f.Err, "tokenbench: removed %s/%s, left by an interrupted write\n", o.Dir, n)
			}
			if err != nil {
				return err
			}
			sum, warns, err := report.Summarize(o.Dir)
			for _, w := range warns {
				fmt.Fprintf(f.Err, "tokenbench: %s/requests.jsonl %s\n", o.Dir, w)
			}
			if err != nil {
				return err
			}
			if n := sum.Requests.SkippedLines; n > 0 {
				fmt.Fprintf(f.Err, "tokenbench: %d unreadable lines of %s/requests.jsonl skipped; the summary counts the %d records read\n", n, o.Dir, sum.Requests.Total+sum.Requests.WarmupExcluded)
			}
			if len(sum.SkippedValues) > 0 {
				fmt.Fprintf(f.Err, "tokenbench: %s/requests.jsonl: %s\n", o.Dir, report.SkippedValuesMessage(sum.SkippedValues))
			}
			if err := report.WriteSummaryFile(o.Dir, sum); err != nil {
				return err
			}
			if o.Quiet {
				return nil
			}
			return printSummary(f.Out, o.Output, sum)
		},
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", "table", "output format: table or json")
	cmd.Flags().BoolVarP(&o.Quiet, "quiet", "q", false, "write summary.json only")
	return cmd
}
