package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tokenbench/tokenbench/sim"
)

// SimCalibrateOptions are the flags of `tokenbench sim calibrate`.
type SimCalibrateOptions struct {
	Sources        []string
	Out            string
	EngineProfile  string
	Holdout        []string
	Params         []string
	MaxEvaluations int
	StageSeconds   float64
	CheckSeconds   float64
	experimentFlags
	LeaveOneOut bool
	// Deployment is the real server's, for results directories that did
	// not run against the built-in engine.
	Deployment sim.Config
}

// NewCmdSimCalibrate builds `tokenbench sim calibrate`; runF replaces the
// action in tests.
func NewCmdSimCalibrate(f *Factory, runF func(*SimCalibrateOptions) error) *cobra.Command {
	o := &SimCalibrateOptions{Deployment: sim.DefaultConfig()}
	cmd := &cobra.Command{
		Use:   "calibrate SOURCE... --out profile.yaml",
		Short: "Fit the built-in engine's timing parameters to measured runs; write an engine profile",
		Long: `Fit the built-in engine's timing parameters (compute and bandwidth efficiency, per-step and
per-sequence overheads, MoE and attention efficiency, tensor-parallel all-reduce latency,
frontend time, output lag) so that replaying each source's workload on the virtual clock
reproduces its measured TTFT, ITL and E2E (mean, p90, p99): Nelder-Mead on the mean absolute
percentage error. A SOURCE is an experiments file of the sim-to-real schema
(../shared/data/sim2real/experiments.json), or a tokenbench results directory: its requests
replay as the server received them (arrivals at t_start_ms, lengths from usage; a closed loop's
arrivals, which followed its latencies, replay as an open loop, so --rate runs fit best), with
the prefix sharing its records show (a session's turns continue its context; requests the server
reported cached tokens for share them), on the built-in engine's configuration recorded in
run.json, or for a real server's run on the deployment given by --model/--model-config, --gpu,
--tp, --precision, --max-batch and --token-budget. The fit replays load stages capped at
--stage-seconds (quicker); the check after it replays them whole unless --check-seconds caps
them. --holdout leaves experiments out of the fit (by id, model repository id or model name)
and reports the error on them; --leave-one-model-out then fits once per model without its
experiments and predicts them (as many fits again as there are models). The profile written is read by run, sim and sim validate
(--engine-profile). docs/ENGINE.md describes the procedure.`,
		Example: `  tokenbench sim calibrate ../shared/data/sim2real/experiments.json --out profile.yaml
  tokenbench sim calibrate experiments.json --holdout mistralai/Mixtral-8x7B-v0.1 --out profile.yaml
  tokenbench sim validate experiments.json --engine-profile profile.yaml`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Sources = args
			if o.Out == "" {
				return usageError{errors.New("--out FILE is required: where to write the engine profile")}
			}
			if err := o.experimentFlags.check(); err != nil {
				return err
			}
			if o.MaxEvaluations < 1 || o.StageSeconds < 0 || o.CheckSeconds < 0 {
				return usageError{fmt.Errorf("--max-evals %d, --stage-seconds %v, --check-seconds %v: want at least 1 evaluation and non-negative durations",
					o.MaxEvaluations, o.StageSeconds, o.CheckSeconds)}
			}
			if _, err := sim.LookupFitParams(o.Params); err != nil {
				return usageError{err}
			}
			if runF != nil {
				return runF(o)
			}
			var exps []sim.Experiment
			for _, s := range o.Sources {
				if st, err := os.Stat(s); err == nil && st.IsDir() {
					e, notes, err := sim.ReadRunExperiment(s, o.Deployment)
					for _, n := range notes {
						fmt.Fprintln(f.Err, "tokenbench sim calibrate:", n)
					}
					if err != nil {
						return err
					}
					exps = append(exps, e)
					continue
				}
				e, err := sim.ReadExperiments(s)
				if err != nil {
					return err
				}
				exps = append(exps, e...)
			}
			base, err := engineProfileConfig(o.EngineProfile)
			if err != nil {
				return err
			}
			req := o.requestOptions()
			c, err := sim.Calibrate(exps, base, sim.CalibrateOptions{Holdout: o.Holdout, CheckStageSeconds: o.CheckSeconds,
				Fit: sim.FitOptions{MaxEvaluations: o.MaxEvaluations, StageSeconds: o.StageSeconds, Params: o.Params, Requests: req}})
			if err != nil {
				return err
			}
			header := fmt.Sprintf("tokenbench engine profile: fitted by `tokenbench sim calibrate` on %d experiments of %s\n"+
				"objective %.1f%% MAPE (TTFT, ITL, E2E mean/p90/p99; stages capped at %g s)",
				len(c.Fitted.Experiments), strings.Join(o.Sources, ", "), c.Fit.MAPE, o.StageSeconds)
			if err := os.WriteFile(o.Out, sim.FormatEngineProfile(c.Timing, header), 0o644); err != nil {
				return fmt.Errorf("write the engine profile: %w", err)
			}
			if err := c.WriteText(f.Out); err != nil {
				return err
			}
			fmt.Fprintf(f.Err, "tokenbench sim calibrate: wrote %s\n", o.Out)
			if !o.LeaveOneOut {
				return nil
			}
			fmt.Fprintln(f.Out)
			v, err := sim.LeaveOneModelOut(exps, base, sim.CalibrateOptions{CheckStageSeconds: o.CheckSeconds,
				Fit: sim.FitOptions{MaxEvaluations: o.MaxEvaluations, StageSeconds: o.StageSeconds, Params: o.Params, Requests: req}},
				func(model string, r sim.FitResult) {
					fmt.Fprintf(f.Err, "tokenbench sim calibrate: without %s: objective %.1f%% after %d replays\n", model, r.MAPE, r.Evaluations)
				})
			if err != nil {
				return err
			}
			fmt.Fprintln(f.Out, "leave-one-model-out: each model's experiments predicted by a fit on the other models':")
			return v.WriteText(f.Out)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Out, "out", "", "file to write the engine profile (YAML) to")
	fl.StringVar(&o.EngineProfile, "engine-profile", "", "start from this engine profile instead of the defaults")
	fl.StringArrayVar(&o.Holdout, "holdout", nil, "leave experiments out of the fit and check the profile on them: an id, model repository id or model name (repeatable)")
	fl.StringSliceVar(&o.Params, "params", nil, "parameters to fit (default all): "+strings.Join(fitParamNames(), ", "))
	fl.IntVar(&o.MaxEvaluations, "max-evals", 200, "replays of the whole set the fit may make")
	fl.Float64Var(&o.StageSeconds, "stage-seconds", 60, "cap each load stage at this many seconds while fitting (0: whole stages)")
	fl.Float64Var(&o.CheckSeconds, "check-seconds", 0, "cap each load stage at this many seconds in the checks after the fit (0: whole stages)")
	o.experimentFlags.add(fl)
	d := &o.Deployment
	fl.Var(&profileValue{&d.Model, lookupModelName}, "model", "results of a real server: its model profile (or --model-config)")
	fl.Var(&modelConfigValue{c: d, fs: fl}, "model-config", "results of a real server: its model's Hugging Face config.json, or a directory holding it")
	fl.Var(&profileValue{&d.GPU, lookupGPUName}, "gpu", "results of a real server: its GPU profile")
	fl.IntVar(&d.TP, "tp", d.TP, "results of a real server: its tensor-parallel degree")
	fl.Var(&precisionValue{&d.Precision}, "precision", "results of a real server: its weight precision")
	fl.IntVar(&d.MaxBatch, "max-batch", d.MaxBatch, "results of a real server: its maximum running sequences (vLLM's max_num_seqs)")
	fl.IntVar(&d.TokenBudget, "token-budget", d.TokenBudget, "results of a real server: its tokens per step (vLLM's max_num_batched_tokens)")
	fl.BoolVar(&o.LeaveOneOut, "leave-one-model-out", false, "also fit once per model without its experiments and predict them (the error on models never seen)")
	return cmd
}

func fitParamNames() []string {
	var out []string
	for _, p := range sim.FitParams {
		out = append(out, p.Name)
	}
	return out
}
