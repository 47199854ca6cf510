package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/bench/route"
	"github.com/tokenbench/tokenbench/sim"
)

// SimOptions are the flags of `tokenbench sim`.
type SimOptions struct {
	Addr    string
	URLFile string
	Config  sim.Config
	flags   *simFlags
	// Replicas and Policy: serve that many engines behind one address
	// and a router (sim.Cluster).
	Replicas int
	Policy   string
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
  tokenbench sim --model llama-3.3-70b --gpu B200 --tp 2 --precision fp4 --speedup 10 --api-key secret

  # four replicas behind a prefix-aware router, as a gateway in front of them would be
  tokenbench sim --replicas 4 --route prefix-aware

  # any free port; the URL is written to sim.url
  tokenbench sim --addr 127.0.0.1:0 --url-file sim.url`,
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
			policy, err := route.ParsePolicy(o.Policy)
			if err != nil {
				return usageError{fmt.Errorf("--route: %w", err)}
			}
			if o.Replicas < 1 || o.Replicas > 256 {
				return usageError{fmt.Errorf("--replicas must be 1 to 256, got %d", o.Replicas)}
			}
			if runF != nil {
				return runF(ctx, o)
			}
			var (
				url     string
				stopSim func() error
			)
			if o.Replicas > 1 {
				_, url, stopSim, err = sim.StartCluster(ctx, o.Addr, o.Config, o.Replicas, policy, route.Options{Seed: o.Config.Seed})
			} else {
				url, stopSim, err = sim.Start(ctx, o.Addr, o.Config)
			}
			if err != nil {
				return err
			}
			d, _ := o.Config.Resolve()
			if o.Replicas > 1 {
				fmt.Fprintf(f.Err, "tokenbench sim: %d replicas behind the %s router (the response header %s names the replica; %s groups a session)\n", o.Replicas, policy, sim.EndpointHeader, sim.SessionHeader)
			}
			if o.URLFile != "" {
				// Written once listening, atomically: a script that waits
				// for the file reads a URL that answers.
				if err := bench.WriteFileAtomic(o.URLFile, []byte(url+"\n")); err != nil {
					return errors.Join(fmt.Errorf("--url-file: %w", err), stopSim())
				}
			}
			fmt.Fprintf(f.Err, "tokenbench sim: serving %s at %s (Ctrl-C stops)\n", d.String(), url)
			<-ctx.Done()
			return stopSim()
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Addr, "addr", "127.0.0.1:8000", "listen address (port 0: any free port; see --url-file)")
	fl.StringVar(&o.URLFile, "url-file", "", "write the base URL served (http://host:port/v1) to this file once listening")
	fl.Uint64Var(&o.Config.Seed, "seed", 1, "seed of output lengths, text, acceptance draws and faults")
	fl.IntVar(&o.Replicas, "replicas", 1, "serve this many engines, each with its own KV and prefix cache, behind one address and the --route policy")
	fl.StringVar(&o.Policy, "route", string(route.RoundRobin), "with --replicas: round-robin, random, least-outstanding, session (header X-Session-Id), prefix-aware, kv-aware")
	fl.StringVar(&o.Policy, "router", string(route.RoundRobin), "the same as --route")
	_ = fl.MarkHidden("router")
	o.flags = addSimFlags(fl, &o.Config)
	groupFlags(cmd, simFlagGroups(o.flags.names))
	cmd.AddCommand(NewCmdSimValidate(f, nil), NewCmdSimCalibrate(f, nil))
	return cmd
}
