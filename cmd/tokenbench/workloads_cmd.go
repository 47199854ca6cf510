package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tokenbench/tokenbench/workloads"
)

// NewCmdWorkloads builds `tokenbench workloads`, the commands that read
// workload files without sending anything; convertF replaces the action of
// `workloads convert` in tests.
func NewCmdWorkloads(f *Factory, convertF func(*WorkloadsConvertOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "workloads",
		Short: "Convert and inspect workload files without sending anything",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(NewCmdWorkloadsConvert(f, convertF), NewCmdWorkloadsInspect(f, nil))
	return cmd
}

// WorkloadsConvertOptions are the flags of `tokenbench workloads convert`.
type WorkloadsConvertOptions struct {
	From        string
	Path        string
	Limit       int
	BlockTokens int
	Seed        uint64
	FuncDocDir  string
}

// NewCmdWorkloadsConvert builds `tokenbench workloads convert`; runF
// replaces the action in tests.
func NewCmdWorkloadsConvert(f *Factory, runF func(*WorkloadsConvertOptions) error) *cobra.Command {
	o := &WorkloadsConvertOptions{}
	cmd := &cobra.Command{
		Use:   "convert --from FORMAT FILE",
		Short: "Write a trace as agentic sessions (session JSONL) to stdout",
		Long: `Convert a public trace into tokenbench's session JSONL (one session per line: system prompt,
tools, turns with recorded replies, tool results and think times; see workloads/session_schema.md),
for --workload sessions:FILE. The same formats are read directly as workload kinds bfcl,
swe-agent and mooncake-sessions; converting lets you inspect, edit and pin what a run sends.

Formats:
  bfcl       BFCL function-calling items (BFCL_v4_*.json); multi-turn items take their tools
             from multi_turn_func_doc/ next to the file (or --bfcl-func-docs)
  swe-agent  a SWE-agent trajectory (.traj) or a directory of them
  mooncake   a Mooncake conversation/toolagent trace, grouped into sessions by shared
             leading hash ids (whole traces are large: use --limit)
  sessions   a session file, validated and written back normalised`,
		Example: `  tokenbench workloads convert --from bfcl BFCL_v4_multi_turn_base.json > bfcl.jsonl
  tokenbench workloads convert --from swe-agent trajectories/ > swe.jsonl
  tokenbench workloads convert --from mooncake conversation_trace.jsonl --limit 50 > mc.jsonl
  tokenbench run --workload sessions:bfcl.jsonl --rate 2 --duration 5m`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Path = args[0]
			if o.From == "" {
				return usageError{fmt.Errorf("--from is required: one of %s", strings.Join(workloads.ConvertFormats(), ", "))}
			}
			if !slices.Contains(workloads.ConvertFormats(), o.From) {
				return usageError{fmt.Errorf("--from must be one of %s, got %q", strings.Join(workloads.ConvertFormats(), ", "), o.From)}
			}
			if o.Limit < 0 || o.BlockTokens < 0 {
				return usageError{fmt.Errorf("--limit and --block-tokens must not be negative")}
			}
			if runF != nil {
				return runF(o)
			}
			n, err := workloads.Convert(f.Out, o.From, o.Path, workloads.ConvertOptions{
				Limit: o.Limit, BlockTokens: o.BlockTokens, Seed: o.Seed, FuncDocDir: o.FuncDocDir,
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(f.Err, "tokenbench: %d sessions from %s\n", n, o.Path)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.From, "from", "", "format of FILE: "+strings.Join(workloads.ConvertFormats(), ", "))
	fl.IntVar(&o.Limit, "limit", 0, "write at most N sessions (0: all)")
	fl.IntVar(&o.BlockTokens, "block-tokens", 0, "tokens per Mooncake hash block (0: 512)")
	fl.Uint64Var(&o.Seed, "seed", workloads.DefaultSeed, "seed of the words of Mooncake sessions (the default is run's, so the file sends what a run of the trace sends)")
	fl.StringVar(&o.FuncDocDir, "bfcl-func-docs", "", "BFCL multi_turn_func_doc directory (default: next to FILE)")
	return cmd
}
