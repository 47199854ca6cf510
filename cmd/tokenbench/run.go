package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/sim"
	"github.com/tokenbench/tokenbench/workloads"
)

// RunOptions are the flags of `tokenbench run`.
type RunOptions struct {
	URL         string
	Model       string
	APIKey      string
	API         string
	Headers     []string
	Timeout     time.Duration
	ExtraBody   string
	Concurrency int
	capSet      bool // --concurrency given explicitly (caps an open loop)
	Rate        float64
	Arrival     string
	Burstiness  float64
	Requests    int
	Duration    time.Duration
	Warmup      int
	Grace       time.Duration
	Seed        uint64
	Synthetic   workloads.Synthetic
	Out         string
	Quiet       bool
	Output      string
}

// Defaults of `tokenbench run`.
const (
	DefaultConcurrency = 16
	DefaultDuration    = 20 * time.Second
)

// NewCmdRun builds `tokenbench run`; runF replaces the action in tests.
func NewCmdRun(f *Factory, runF func(context.Context, *RunOptions) error) *cobra.Command {
	o := &RunOptions{}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Send a workload to an endpoint and measure every request",
		Long: `Send a workload to an OpenAI-compatible endpoint, stream every answer, and write
run.json, requests.jsonl (one line per request, as it finishes) and summary.json to --out.

With no --url and no $OPENAI_BASE_URL, the built-in simulated engine starts on a loopback port.
A closed loop keeps --concurrency requests in flight; --rate R makes an open loop with
--arrival constant|poisson|gamma, capped by --concurrency only when that flag is given.
With neither --requests nor --duration the run lasts 20s. Ctrl-C stops new requests, gives
those in flight --grace to finish, writes the summary and exits 130.`,
		Example: `  # 20-second run against the built-in engine
  tokenbench run

  # vLLM on this machine, 32 streams, 500 requests
  tokenbench run --url http://127.0.0.1:8000/v1 --concurrency 32 --requests 500 --out results/vllm-c32

  # open loop, bursty arrivals at 8 req/s, at most 64 in flight
  tokenbench run --rate 8 --arrival gamma --burstiness 0.5 --concurrency 64 --duration 1m`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.capSet = cmd.Flags().Changed("concurrency")
			if o.URL == "" {
				o.URL = f.Getenv("OPENAI_BASE_URL")
			}
			if o.APIKey == "" {
				o.APIKey = f.Getenv("OPENAI_API_KEY")
			}
			if err := o.validate(); err != nil {
				return usageError{err}
			}
			ctx, stop := interruptContext(f)
			defer stop()
			if runF != nil {
				return runF(ctx, o)
			}
			return runRun(ctx, f, o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.URL, "url", "", "OpenAI base URL, e.g. http://127.0.0.1:8000/v1 (default $OPENAI_BASE_URL, else the built-in engine)")
	fl.StringVar(&o.Model, "model", "", "model id (default: the first id from GET /models)")
	fl.StringVar(&o.APIKey, "api-key", "", "bearer token (default $OPENAI_API_KEY); never written anywhere")
	fl.StringVar(&o.API, "api", bench.APIChat, "API to call: chat or completions")
	fl.StringArrayVar(&o.Headers, "header", nil, "extra HTTP header 'Name: value' (repeatable); values are not recorded")
	fl.DurationVar(&o.Timeout, "timeout", 5*time.Minute, "limit on one request, from t_start to t_done")
	fl.StringVar(&o.ExtraBody, "extra-body", "", `JSON object of engine-specific fields added to every request, e.g. '{"cache_prompt":false}'`)
	fl.IntVar(&o.Concurrency, "concurrency", DefaultConcurrency, "closed loop: requests in flight; with --rate: the cap on requests in flight")
	fl.Float64Var(&o.Rate, "rate", 0, "open loop: requests per second (0: closed loop)")
	fl.StringVar(&o.Arrival, "arrival", workloads.ArrivalPoisson, "open-loop arrival process: constant, poisson or gamma")
	fl.Float64Var(&o.Burstiness, "burstiness", 1, "gamma shape of inter-arrival gaps (1 = Poisson, <1 burstier)")
	fl.IntVar(&o.Requests, "requests", 0, "stop after this many measured requests")
	fl.DurationVar(&o.Duration, "duration", 0, "stop sending after this long (default 20s when --requests is not given)")
	fl.IntVar(&o.Warmup, "warmup", 0, "requests sent first and excluded from statistics")
	fl.DurationVar(&o.Grace, "grace", 10*time.Second, "on Ctrl-C, how long requests in flight may finish")
	fl.Uint64Var(&o.Seed, "seed", 1, "seed of every random choice (prompts, lengths, arrivals, the built-in engine)")
	fl.IntVar(&o.Synthetic.InputTokens, "input-tokens", workloads.DefaultInputTokens, "synthetic prompt length in tokens (mean)")
	fl.Float64Var(&o.Synthetic.InputStddev, "input-stddev", 0, "standard deviation of the prompt length")
	fl.IntVar(&o.Synthetic.OutputTokens, "output-tokens", workloads.DefaultOutputTokens, "output length in tokens (mean), sent as max_tokens")
	fl.Float64Var(&o.Synthetic.OutputStddev, "output-stddev", 0, "standard deviation of the output length")
	fl.BoolVar(&o.Synthetic.ForceLength, "force-length", true, "force the output length with ignore_eos and min_tokens (turn off for servers that reject them)")
	fl.StringVar(&o.Out, "out", "", "results directory (default results/<UTC timestamp>)")
	fl.BoolVarP(&o.Quiet, "quiet", "q", false, "print nothing but errors")
	fl.StringVarP(&o.Output, "output", "o", "table", "what to print at the end: table or json (summary.json)")
	return cmd
}

func (o *RunOptions) validate() error {
	if o.API != bench.APIChat && o.API != bench.APICompletions {
		return fmt.Errorf("--api must be chat or completions, got %q", o.API)
	}
	if o.Output != "table" && o.Output != "json" {
		return fmt.Errorf("--output must be table or json, got %q", o.Output)
	}
	if o.Concurrency < 0 || o.Requests < 0 || o.Warmup < 0 || o.Duration < 0 || o.Rate < 0 || o.Timeout < 0 {
		return fmt.Errorf("--concurrency, --requests, --warmup, --duration, --rate and --timeout must not be negative")
	}
	if o.Rate == 0 && o.Concurrency == 0 {
		return fmt.Errorf("--concurrency must be at least 1 for a closed loop (or give --rate)")
	}
	if _, err := parseHeaders(o.Headers); err != nil {
		return err
	}
	if _, err := o.extraBody(); err != nil {
		return err
	}
	o.Synthetic.Seed = o.Seed
	return o.Synthetic.Validate()
}

func parseHeaders(hs []string) (http.Header, error) {
	h := http.Header{}
	for _, s := range hs {
		k, v, ok := strings.Cut(s, ":")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("--header %q: want 'Name: value'", s)
		}
		h.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	return h, nil
}

func (o *RunOptions) extraBody() (map[string]any, error) {
	if o.ExtraBody == "" {
		return nil, nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(o.ExtraBody), &m); err != nil {
		return nil, fmt.Errorf("--extra-body: want a JSON object: %v", err)
	}
	return m, nil
}

// load turns the options into a bench.Load.
func (o *RunOptions) load() (bench.Load, bench.LoadInfo, error) {
	l := bench.Load{Concurrency: o.Concurrency, Requests: o.Requests, Duration: o.Duration, Warmup: o.Warmup, Grace: o.Grace}
	if l.Requests == 0 && l.Duration == 0 {
		l.Duration = DefaultDuration
	}
	info := bench.LoadInfo{Mode: "closed", Concurrency: l.Concurrency, Requests: l.Requests,
		DurationS: l.Duration.Seconds(), Warmup: l.Warmup, GraceS: l.Grace.Seconds(), Seed: o.Seed}
	if o.Rate > 0 {
		a, err := workloads.NewArrival(o.Arrival, o.Rate, o.Burstiness, o.Seed)
		if err != nil {
			return l, info, usageError{err}
		}
		l.Arrival = a
		if !o.capSet {
			l.Concurrency = 0
		}
		info.Mode, info.Concurrency, info.Arrival, info.RatePerS = "open", l.Concurrency, o.Arrival, o.Rate
		if o.Arrival == workloads.ArrivalGamma {
			info.Burstiness = o.Burstiness
		}
	}
	return l, info, nil
}

// simConfig is the built-in engine's configuration for this run.
func (o *RunOptions) simConfig() sim.Config {
	c := sim.DefaultConfig()
	c.Seed = o.Seed
	return c
}
