package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tokenbench/tokenbench/sim"
)

// SimValidateOptions are the flags of `tokenbench sim validate`.
type SimValidateOptions struct {
	File          string
	EngineProfile string
	Output        string
	StageSeconds  float64
	Stages        bool
	experimentFlags
}

// NewCmdSimValidate builds `tokenbench sim validate`; runF replaces the
// action in tests.
func NewCmdSimValidate(f *Factory, runF func(*SimValidateOptions) error) *cobra.Command {
	o := &SimValidateOptions{}
	cmd := &cobra.Command{
		Use:   "validate EXPERIMENTS.json",
		Short: "Replay measured experiments on the built-in engine's virtual clock and print its error",
		Long: `Replay every experiment of a sim-to-real experiments file (real vLLM deployments, their
inference-perf shared-prefix workloads and measured latencies; ../shared/data/sim2real/experiments.json
is the development set) on the built-in engine's virtual clock, and print predicted against
measured TTFT, ITL and E2E (mean, p90, p99) per experiment, the mean absolute percentage error
(MAPE) per metric family for all, dense and MoE models, and the figures published for other
simulators on the same kind of data. It replays with the shipped "vllm" engine profile (fitted
on that development set) unless --engine-profile names another: "defaults" (the engine's own,
calibrated on TensorRT-LLM's offline throughput) or a file from tokenbench sim calibrate.
--stage-seconds caps each load stage for a quick look.
docs/ENGINE.md describes the model and the measured error.`,
		Example: `  tokenbench sim validate ../shared/data/sim2real/experiments.json
  tokenbench sim validate experiments.json --engine-profile profile.yaml -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.File = args[0]
			if o.Output != "table" && o.Output != "json" {
				return usageError{fmt.Errorf("--output %q: want table or json", o.Output)}
			}
			if err := o.experimentFlags.check(); err != nil {
				return err
			}
			if o.StageSeconds < 0 {
				return usageError{fmt.Errorf("--stage-seconds %v: want 0 (whole stages) or more", o.StageSeconds)}
			}
			if runF != nil {
				return runF(o)
			}
			exps, err := sim.ReadExperiments(o.File)
			if err != nil {
				return err
			}
			base, err := engineProfileConfig(o.EngineProfile)
			if err != nil {
				return err
			}
			v, err := sim.Validate(exps, base, o.requestOptions(), o.StageSeconds)
			if err != nil {
				return err
			}
			v.EngineProfile, v.ShowStages = o.EngineProfile, o.Stages
			if o.Output == "json" {
				return v.WriteJSON(f.Out)
			}
			return v.WriteText(f.Out)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.EngineProfile, "engine-profile", "vllm", "engine profile: a shipped one by name ("+strings.Join(sim.EngineProfileNames(), ", ")+") or a YAML file (tokenbench sim calibrate)")
	fl.StringVarP(&o.Output, "output", "o", "table", "table or json")
	fl.Float64Var(&o.StageSeconds, "stage-seconds", 0, "cap each load stage at this many seconds (0: whole stages, as measured)")
	o.experimentFlags.add(fl)
	fl.BoolVar(&o.Stages, "stages", false, "also print predicted against measured per load stage (JSON always has them)")
	return cmd
}

// engineProfileConfig is the built-in engine's default configuration with
// the engine profile at path (if any) over its timing.
func engineProfileConfig(path string) (sim.Config, error) {
	c := sim.DefaultConfig()
	if path == "" {
		return c, nil
	}
	t, err := sim.LoadEngineProfile(path, c.Timing)
	if err != nil {
		return c, usageError{err}
	}
	c.Timing = t
	return c, nil
}

// experimentFlags are how sim validate and sim calibrate build an
// experiment's requests (sim.RequestOptions).
type experimentFlags struct {
	FreshQuestions bool
	ClientTimeout  time.Duration
	Seed           uint64
}

func (e *experimentFlags) add(fl *pflag.FlagSet) {
	fl.BoolVar(&e.FreshQuestions, "fresh-questions", false, "every request asks a new question, instead of each user repeating its own every G x U requests (prefix-cache hits)")
	fl.DurationVar(&e.ClientTimeout, "client-timeout", sim.InferencePerfTimeout, "experiments files: the load generator's total timeout per request; requests that would take longer fail, are aborted by the server and are not in the measured figures (inference-perf's default, aiohttp's, is 300s; 0: none)")
	fl.Uint64Var(&e.Seed, "seed", 1, "seed of the users' shuffle against system prompts")
}

func (e experimentFlags) check() error {
	if e.ClientTimeout < 0 {
		return usageError{fmt.Errorf("--client-timeout %v: want 0 (none) or more", e.ClientTimeout)}
	}
	return nil
}

func (e experimentFlags) requestOptions() sim.RequestOptions {
	return sim.RequestOptions{Seed: e.Seed, FreshQuestions: e.FreshQuestions, ClientTimeout: e.ClientTimeout}
}
