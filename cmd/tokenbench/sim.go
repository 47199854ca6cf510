package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tokenbench/tokenbench/sim"
)

// SimOptions are the flags of `tokenbench sim`.
type SimOptions struct {
	Addr   string
	Config sim.Config
}

// NewCmdSim builds `tokenbench sim`; runF replaces the action in tests.
func NewCmdSim(f *Factory, runF func(context.Context, *SimOptions) error) *cobra.Command {
	o := &SimOptions{Config: sim.DefaultConfig()}
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Serve the built-in simulated engine (OpenAI-compatible, vLLM metric names)",
		Long: `Serve the built-in simulated inference engine: /v1/models, /v1/chat/completions,
/v1/completions (streaming and not) and /metrics with vLLM's metric names. It models
continuous batching on one GPU (see package sim), so benchmarks and demos need no GPU.`,
		Example: `  tokenbench sim --addr 127.0.0.1:8000
  # in another shell
  tokenbench run --url http://127.0.0.1:8000/v1 --requests 100`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := interruptContext(f)
			defer stop()
			if runF != nil {
				return runF(ctx, o)
			}
			url, stopSim, err := sim.Start(ctx, o.Addr, o.Config)
			if err != nil {
				return err
			}
			fmt.Fprintf(f.Err, "tokenbench sim: serving %s at %s (Ctrl-C stops)\n", o.Config.Model, url)
			<-ctx.Done()
			return stopSim()
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Addr, "addr", "127.0.0.1:8000", "listen address")
	fl.StringVar(&o.Config.Model, "model", o.Config.Model, "model id served")
	fl.Uint64Var(&o.Config.Seed, "seed", 1, "seed of output lengths and text")
	fl.IntVar(&o.Config.MaxBatch, "max-batch", o.Config.MaxBatch, "maximum running sequences")
	fl.IntVar(&o.Config.TokenBudget, "token-budget", o.Config.TokenBudget, "maximum tokens per step (chunked prefill)")
	fl.IntVar(&o.Config.MaxModelLen, "max-model-len", o.Config.MaxModelLen, "context limit in tokens")
	fl.IntVar(&o.Config.KVCapacityTokens, "kv-tokens", o.Config.KVCapacityTokens, "KV cache capacity in tokens")
	fl.DurationVar(&o.Config.Timing.StepBase, "step-base", o.Config.Timing.StepBase, "fixed time of one forward step")
	fl.DurationVar(&o.Config.Timing.PrefillPerToken, "prefill-per-token", o.Config.Timing.PrefillPerToken, "prefill time per prompt token")
	fl.DurationVar(&o.Config.Timing.DecodePerSeq, "decode-per-seq", o.Config.Timing.DecodePerSeq, "added step time per running sequence")
	fl.DurationVar(&o.Config.Timing.PerKContext, "per-k-context", o.Config.Timing.PerKContext, "added step time per 1000 tokens of KV read")
	return cmd
}
