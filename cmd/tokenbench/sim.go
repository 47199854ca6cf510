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
	flags  *simFlags
}

// NewCmdSim builds `tokenbench sim`; runF replaces the action in tests.
func NewCmdSim(f *Factory, runF func(context.Context, *SimOptions) error) *cobra.Command {
	o := &SimOptions{Config: sim.DefaultConfig()}
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Serve the built-in simulated engine (OpenAI-compatible, vLLM metric names)",
		Long: `Serve the built-in simulated inference engine with the OpenAI surface clients use:
/v1/models and /v1/models/{id}, /v1/chat/completions and /v1/completions (streaming and not;
n, stop, prompt batches, response_format, logprobs, tool calls), vLLM's /tokenize and
/detokenize, /health and /metrics with vLLM's metric names. Requests are validated as vLLM
validates them and refused in its error shape. It models continuous batching on the given
GPUs (see package sim), so benchmarks and demos need no GPU. --speedup N runs it N times
faster than those GPUs; repeatable --api-key makes /v1 answer 401 without one of the keys.`,
		Example: `  tokenbench sim --addr 127.0.0.1:8000
  # in another shell
  tokenbench run --url http://127.0.0.1:8000/v1 --requests 100

  # a 70B model on two B200s in fp4, ten times faster than real time, behind a key
  tokenbench sim --model llama-3.3-70b --gpu B200 --tp 2 --precision fp4 --speedup 10 --api-key secret`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			warning, err := o.flags.check(cmd.Flags(), "")
			if err != nil {
				return usageError{err}
			}
			if warning != "" {
				fmt.Fprintln(f.Err, "tokenbench sim: warning:", warning)
			}
			ctx, stop := interruptContext(f)
			defer stop()
			if runF != nil {
				return runF(ctx, o)
			}
			url, stopSim, err := sim.Start(ctx, o.Addr, o.Config)
			if err != nil {
				return err
			}
			d, _ := o.Config.Resolve()
			fmt.Fprintf(f.Err, "tokenbench sim: serving %s at %s (Ctrl-C stops)\n", d.String(), url)
			<-ctx.Done()
			return stopSim()
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Addr, "addr", "127.0.0.1:8000", "listen address")
	fl.Uint64Var(&o.Config.Seed, "seed", 1, "seed of output lengths, text, acceptance draws and faults")
	o.flags = addSimFlags(fl, &o.Config)
	cmd.AddCommand(NewCmdSimValidate(f, nil), NewCmdSimCalibrate(f, nil))
	return cmd
}
