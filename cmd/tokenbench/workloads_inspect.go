package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tokenbench/tokenbench/workloads"
)

// WorkloadsInspectOptions are the flags of `tokenbench workloads inspect`.
type WorkloadsInspectOptions struct {
	Workload string
	Spec     workloads.Spec
	Limit    int
	Output   string
}

// NewCmdWorkloadsInspect builds `tokenbench workloads inspect`; runF
// replaces the action in tests.
func NewCmdWorkloadsInspect(f *Factory, runF func(*WorkloadsInspectOptions) error) *cobra.Command {
	o := &WorkloadsInspectOptions{Spec: workloads.Spec{Synthetic: workloads.Synthetic{
		InputTokens: workloads.DefaultInputTokens, OutputTokens: workloads.DefaultOutputTokens, ForceLength: true}}}
	cmd := &cobra.Command{
		Use:   "inspect KIND[:PATH]",
		Short: "Print what a workload holds: requests, lengths, timing, intended prefix reuse",
		Long: `Read a workload the way tokenbench run would, without sending anything, and print the
number of requests (sessions: first turns), whether they are timed and over what span, the
distributions of input and output lengths, and the prefix reuse a perfect prefix cache would
get from it (Mooncake hash ids, shared synthetic prefixes). The trace settings are those of
tokenbench run.`,
		Example: `  tokenbench workloads inspect mooncake:examples/data/mooncake_conversation_200.jsonl
  tokenbench workloads inspect azure:examples/data/azure_code_200.csv --time-scale 2 --trace-duration 1m
  tokenbench workloads inspect sharegpt:examples/data/sharegpt_50.json --output json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Workload = args[0]
			o.Spec.Kind, o.Spec.Path = workloads.ParseKind(o.Workload)
			o.Spec.Synthetic.Seed = o.Spec.Seed
			if o.Limit < 0 {
				return usageError{fmt.Errorf("--limit must not be negative")}
			}
			if err := checkOutput(o.Output); err != nil {
				return usageError{err}
			}
			if runF != nil {
				return runF(o)
			}
			ins, err := workloads.Inspect(o.Spec, o.Limit)
			if err != nil {
				return usageError{err} // bad input, as run reports it: exit 2
			}
			if o.Output == "json" {
				enc := json.NewEncoder(f.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(ins)
			}
			return ins.WriteText(f.Out)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&o.Limit, "limit", workloads.DefaultInspectLimit, "read at most this many requests (0: all; an endless workload needs a limit)")
	fl.StringVarP(&o.Output, "output", "o", "table", "output format: table or json")
	fl.Uint64Var(&o.Spec.Seed, "seed", workloads.DefaultSeed, "seed of every random choice")
	fl.IntVar(&o.Spec.BlockTokens, "block-tokens", 512, "mooncake: tokens per hash block")
	fl.Float64Var(&o.Spec.TimeScale, "time-scale", 1, "traces: replay speed (2 = twice as fast)")
	fl.DurationVar(&o.Spec.TraceStart, "trace-start", 0, "traces: skip this much trace time")
	fl.DurationVar(&o.Spec.TraceDuration, "trace-duration", 0, "traces: only this much trace time (0: all)")
	fl.StringVar(&o.Spec.BurstGPTModel, "burstgpt-model", "", "burstgpt: keep only rows of this model")
	fl.IntVar(&o.Spec.MaxTokens, "max-tokens", 0, "datasets: output cap for requests that give none")
	fl.IntVar(&o.Spec.PrefixTokens, "prefix-tokens", 0, "synthetic: a shared system prompt of this many tokens")
	fl.IntVar(&o.Spec.PrefixGroups, "prefix-groups", 1, "synthetic: number of distinct shared prefixes")
	fl.IntVar(&o.Spec.Synthetic.InputTokens, "input-tokens", workloads.DefaultInputTokens, "synthetic: prompt length")
	fl.IntVar(&o.Spec.Synthetic.OutputTokens, "output-tokens", workloads.DefaultOutputTokens, "synthetic: output length")
	return cmd
}
