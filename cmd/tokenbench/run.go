package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/bench/scrape"
	"github.com/tokenbench/tokenbench/report"
	"github.com/tokenbench/tokenbench/sim"
	"github.com/tokenbench/tokenbench/workloads"
)

// RunOptions are the flags of `tokenbench run`.
type RunOptions struct {
	File            string
	Name            string
	URL             string
	Model           string
	APIKey          string
	API             string
	Headers         []string
	Timeout         time.Duration
	MaxBuffer       string
	maxBuffer       int64
	ExtraBody       string
	Concurrency     int
	capSet          bool // --concurrency given explicitly (caps an open loop)
	Rate            float64
	Arrival         string
	Burstiness      float64
	Requests        int
	Duration        time.Duration
	Warmup          int
	Grace           time.Duration
	Seed            uint64
	Synthetic       workloads.Synthetic
	Workload        string
	Spec            workloads.Spec
	RampUp          time.Duration
	Calibrate       string
	NoPreflight     bool
	NoPrewarm       bool
	Logprobs        bool
	SLO             string
	slo             report.SLO
	Sweep           string
	Search          bool
	Target          float64
	SearchSteps     int
	Sim             sim.Config
	simFlags        *simFlags
	MetricsURL      string
	Clock           string
	NoMetrics       bool
	MetricsInterval time.Duration
	Out             string
	Quiet           bool
	Output          string
	// Shard is --shard, --shards and --start-at (run_shard.go).
	Shard shardOptions
	// Route is --url (repeatable), --replicas and --route (run_route.go).
	Route routeOptions
	Gate  GateFlags // --gate, --baseline, --junit, --markdown, --history-db (gate.go)
}

// Defaults of `tokenbench run`.
const (
	DefaultConcurrency = 16
	DefaultDuration    = 20 * time.Second
)

// NewCmdRun builds `tokenbench run`; runF replaces the action in tests.
func NewCmdRun(f *Factory, runF func(context.Context, *RunOptions) error) *cobra.Command {
	o := &RunOptions{Sim: sim.DefaultConfig()}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Send a workload to an endpoint and measure every request",
		Long: `Send a workload to an OpenAI-compatible endpoint, stream every answer, and write
run.json, requests.jsonl (one line per request, as it finishes) and summary.json to --out.

With no --url and no $OPENAI_BASE_URL, the built-in simulated engine starts on a loopback port.
A closed loop keeps --concurrency requests in flight; --rate R makes an open loop with
--arrival constant|poisson|gamma, capped by --concurrency only when that flag is given.
With neither --requests nor --duration the run lasts 20s. A timed workload (a trace,
timestamped JSONL, sessions with start_ms) runs on its own clock instead: all of it (or the
--trace-start/--trace-duration window), no cap on requests in flight unless --concurrency is
given; --requests and --duration still stop it, and the summary says what they held back.
Ctrl-C stops new requests, gives those in flight --grace to finish, writes the summary and
exits 130 (SIGTERM: 143).

Every flag is checked before anything is sent or created (exit 2). One probe request first
stops a run whose key, URL or model is wrong. summary.json's validity says whether the
client's own limits (CPU, scheduler, open files, a late schedule) shaped the numbers; a
warning line names each reason. A run where more than half of the requests failed exits 1.`,
		Example: `  # 20-second run against the built-in engine
  tokenbench run

  # vLLM on this machine, 32 streams, 500 requests
  tokenbench run --url http://127.0.0.1:8000/v1 --concurrency 32 --requests 500 --out results/vllm-c32

  # open loop, bursty arrivals at 8 req/s, at most 64 in flight
  tokenbench run --rate 8 --arrival gamma --burstiness 0.5 --concurrency 64 --duration 1m

  # shard 1 of 4 of a 2000-request run at 400 req/s, starting with the other shards
  tokenbench run --shard 1/4 --start-at 2026-12-05T21:00:00Z --requests 2000 --rate 400 --out results/shard-1

  # a whole trace on its own clock, ten times faster
  tokenbench run --workload azure:AzureLLMInferenceTrace_conv.csv --time-scale 10`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.File != "" {
				if err := applyScenarioFile(cmd.Flags(), o.File); err != nil {
					return err
				}
			}
			o.capSet = cmd.Flags().Changed("concurrency")
			if len(o.Route.URLs) > 0 {
				o.URL = o.Route.URLs[0]
			}
			if o.URL == "" && o.Clock != bench.ClockVirtual {
				o.URL = f.Getenv("OPENAI_BASE_URL")
			}
			if o.APIKey == "" {
				o.APIKey = f.Getenv("OPENAI_API_KEY")
			}
			o.registerSecrets(f)
			if err := o.validate(); err != nil {
				return usageError{err}
			}
			url := ""
			if o.URL != "" {
				url = "--url " + o.URL
				if !cmd.Flags().Changed("url") {
					url = "$OPENAI_BASE_URL " + o.URL
				}
			}
			warning, err := o.simFlags.check(cmd.Flags(), url)
			if err != nil {
				return usageError{err}
			}
			if warning != "" {
				fmt.Fprintln(f.Err, "tokenbench: warning:", warning)
			}
			if err := o.Shard.resolve(f.Getenv, o, time.Now()); err != nil {
				return usageError{err}
			}
			if err := o.checkFDLimit(f.FDLimit); err != nil {
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
	fl.StringVarP(&o.File, "file", "f", "", "scenario file (YAML): settings named like these flags; flags given here win")
	fl.StringVar(&o.Name, "name", "", "a label for the run in reports (default: the results directory's name)")
	fl.StringArrayVar(&o.Route.URLs, "url", nil, "OpenAI base URL, e.g. http://127.0.0.1:8000/v1 (default $OPENAI_BASE_URL, else the built-in engine); repeat it to route over several endpoints with --route")
	fl.StringVar(&o.Model, "model", "", "model id (default: the first id from GET /models)")
	fl.StringVar(&o.APIKey, "api-key", "", "bearer token (default $OPENAI_API_KEY); never written anywhere")
	fl.StringVar(&o.API, "api", bench.APIChat, "API to call: chat or completions")
	fl.StringArrayVar(&o.Headers, "header", nil, "extra HTTP header 'Name: value' (repeatable); values are not recorded")
	fl.DurationVar(&o.Timeout, "timeout", 5*time.Minute, "limit on one request, from t_start to t_done")
	fl.StringVar(&o.MaxBuffer, "max-buffer", bench.DefaultMaxBuffer, "budget of event bytes all streams may buffer at once, e.g. 256MB or 1GiB (0: none); a stream that needs more fails as client_limit")
	fl.StringVar(&o.ExtraBody, "extra-body", "", `JSON object of engine-specific fields added to every request, e.g. '{"cache_prompt":false}'`)
	fl.IntVar(&o.Concurrency, "concurrency", DefaultConcurrency, "closed loop: requests in flight; with --rate: the cap on requests in flight")
	fl.Float64Var(&o.Rate, "rate", 0, "open loop: requests per second (0: closed loop)")
	fl.StringVar(&o.Arrival, "arrival", workloads.ArrivalPoisson, "open-loop arrival process: constant, poisson or gamma")
	fl.Float64Var(&o.Burstiness, "burstiness", 1, "gamma shape of inter-arrival gaps (1 = Poisson, <1 burstier)")
	fl.IntVar(&o.Requests, "requests", 0, "stop after this many measured requests (session workloads: sessions, each with all its turns)")
	fl.DurationVar(&o.Duration, "duration", 0, "stop sending after this long (default 20s when --requests is not given)")
	fl.IntVar(&o.Warmup, "warmup", 0, "requests sent first and excluded from statistics")
	fl.DurationVar(&o.Grace, "grace", 10*time.Second, "on Ctrl-C, how long requests in flight may finish")
	fl.Uint64Var(&o.Seed, "seed", workloads.DefaultSeed, "seed of every random choice (prompts, lengths, arrivals, the built-in engine)")
	fl.IntVar(&o.Synthetic.InputTokens, "input-tokens", workloads.DefaultInputTokens, "synthetic prompt length in tokens (mean)")
	fl.Float64Var(&o.Synthetic.InputStddev, "input-stddev", 0, "standard deviation of the prompt length")
	fl.IntVar(&o.Synthetic.OutputTokens, "output-tokens", workloads.DefaultOutputTokens, "output length in tokens (mean), sent as max_tokens")
	fl.Float64Var(&o.Synthetic.OutputStddev, "output-stddev", 0, "standard deviation of the output length")
	fl.BoolVar(&o.Synthetic.ForceLength, "force-length", true, "force the output length with ignore_eos and min_tokens (turn off for servers that reject them)")
	fl.StringVar(&o.Workload, "workload", "synthetic", "what to send: KIND[:PATH], KIND one of "+strings.Join(workloads.Kinds(), ", "))
	fl.IntVar(&o.Spec.PrefixTokens, "prefix-tokens", 0, "synthetic: a shared system prompt of this many tokens")
	fl.IntVar(&o.Spec.PrefixGroups, "prefix-groups", 1, "synthetic: number of distinct shared prefixes")
	fl.IntVar(&o.Spec.BlockTokens, "block-tokens", 512, "mooncake: tokens per hash block")
	fl.Float64Var(&o.Spec.TimeScale, "time-scale", 1, "traces: replay speed (2 = twice as fast)")
	fl.DurationVar(&o.Spec.TraceStart, "trace-start", 0, "traces: skip this much trace time")
	fl.DurationVar(&o.Spec.TraceDuration, "trace-duration", 0, "traces: replay only this much trace time (0: all)")
	fl.StringVar(&o.Spec.BurstGPTModel, "burstgpt-model", "", "burstgpt: keep only rows of this model")
	fl.StringVar(&o.Spec.History, "history", "recorded", "sessions: history of later turns: recorded (the trace's replies) or live (the model's)")
	fl.IntVar(&o.Spec.MaxTokens, "max-tokens", 0, "datasets: output cap for requests that give none")
	fl.StringVar(&o.Spec.Tokenizer, "tokenizer", "", "synthetic: count prompt tokens with approx (default), cl100k, o200k or a tokenizer.json; prompts then come from a natural-text corpus")
	fl.StringVar(&o.Calibrate, "calibrate", "auto", "generated prompts: resize them so the server's own count (POST /tokenize) hits the target: auto (when the server has /tokenize), fit (exact, asks per request), off")
	fl.BoolVar(&o.NoPreflight, "no-preflight", false, "skip the one probe request sent before the load (it stops a run whose key, URL or model is wrong)")
	fl.BoolVar(&o.NoPrewarm, "no-prewarm", false, "do not open the connections before the measured phase (up to --concurrency, or an open loop's first second of arrivals): the first requests then dial, and http.conn_ms shows it")
	fl.DurationVar(&o.RampUp, "ramp-up", 0, "grow the load linearly over this long: closed loop opens slots one by one, open loop ramps the rate")
	fl.BoolVar(&o.Logprobs, "logprobs", false, "request logprobs, so each event lists its tokens (exact tokens per event)")
	fl.StringVar(&o.SLO, "slo", "", "per-request SLOs for goodput, e.g. ttft=500ms,tpot=50ms (also itl, e2e)")
	fl.StringVar(&o.Sweep, "sweep", "", "one sub-run per value, e.g. concurrency=1,2,4,8 or rate=1,2,4")
	fl.BoolVar(&o.Search, "search-max-goodput", false, "find the highest rate whose SLO attainment stays at --goodput-target (needs --slo)")
	fl.Float64Var(&o.Target, "goodput-target", 0.9, "SLO attainment the goodput search must keep (0..1)")
	fl.IntVar(&o.SearchSteps, "search-steps", 5, "bisection steps of the goodput search after the bracketing")
	fl.StringVar(&o.Clock, "clock", bench.ClockReal, "real, or virtual: run against the built-in engine as a discrete-event simulation (no sockets, no sleeping; times are simulated)")
	fl.StringVar(&o.MetricsURL, "metrics-url", "", "engine metrics to scrape (default: the base URL without /v1, plus /metrics)")
	fl.BoolVar(&o.NoMetrics, "no-metrics", false, "do not scrape the engine's metrics")
	fl.DurationVar(&o.MetricsInterval, "metrics-interval", scrape.DefaultInterval, "time between engine metric scrapes")
	fl.StringVar(&o.Out, "out", "", "write the results into the directory `DIR` (default results/<UTC timestamp>)")
	fl.BoolVarP(&o.Quiet, "quiet", "q", false, "print nothing but errors")
	fl.StringVarP(&o.Output, "output", "o", "table", "output format printed at the end: table or json (summary.json)")
	addShardFlags(fl, &o.Shard)
	addRouteFlags(fl, &o.Route)
	fl.StringVar(&o.Gate.File, "gate", "", "judge the run with this gate file (tokenbench gate) and exit with its code")
	addGateFlags(fl, &o.Gate)
	// The built-in engine's settings, used when there is no --url; after
	// run's own flags, so that --model, --seed, --time-scale and --api-key
	// stay run's (the engine's model profile is then --sim-model, its
	// speed-up --sim-speedup; a key given to run guards the engine too).
	o.simFlags = addSimFlags(fl, &o.Sim)
	groupFlags(cmd, runFlagGroups(o.simFlags.names))
	return cmd
}
