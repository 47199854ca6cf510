package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tokenbench/tokenbench/projection"
	"github.com/tokenbench/tokenbench/sim"
)

// cost_project.go: `tokenbench cost project`, flags only; the projection
// and its rendering are package projection.

// CostProjectOptions are the flags of `tokenbench cost project`.
type CostProjectOptions struct {
	Dir        string
	GPU        string // source GPU; default from run.json's built-in engine
	To         []string
	Model      string
	TP         int // source tensor-parallel size; 0: run.json's or 1
	ToTP       int // target tensor-parallel size; 0: TP
	Precision  string
	GPUs       int // GPUs behind the measured endpoint; 0: one replica
	Tier       string
	Provider   string
	Price      float64
	PricesFile string
	Output     string
}

// NewCmdCostProject builds `tokenbench cost project`; runF replaces the
// action in tests.
func NewCmdCostProject(f *Factory, runF func(*CostProjectOptions) error) *cobra.Command {
	o := &CostProjectOptions{}
	cmd := &cobra.Command{
		Use:   "project DIR --to GPU[,GPU...] [--gpu GPU] [--model NAME]",
		Short: "Project a measured run onto other GPU types with the built-in engine's roofline (projected, not measured)",
		Long: `Project what a run measured (DIR/summary.json) onto other GPU types. The projection is a
model, not a measurement: the built-in engine's roofline models the run's operating point
(its concurrency as the batch, its mean input and output lengths) on the GPU it ran on and on
each target, and the measured figures are scaled by the modelled ratios:

  projected output tokens/s = measured * modelled throughput on target / on source
  projected TPOT p50        = measured * modelled decode step on target / on source
  projected TTFT p50        = measured * modelled prefill on target / on source

The output shows, for each GPU, how much of the modelled decode step and prefill is bound by
memory bandwidth and how much by compute, which is why the ratios differ from the datasheet
ratios. Every projected figure says "projected"; the measured ones are shown apart.

When DIR/run.json records the built-in engine, its configuration is the source (flags
override it); otherwise give --gpu and --model (a model profile of tokenbench sim). --gpus
counts the GPUs behind the measured endpoint (replicas times --tp; default one replica); the
targets keep as many replicas of --to-tp GPUs each. Cost per 1M output tokens uses the
catalog's prices of each GPU (narrowed by --tier and --provider; --price adds a rate for every
GPU), each figure with its price source and GPU count.`,
		Example: `  tokenbench cost project results/sim-c16 --to H200,B200
  tokenbench cost project results/vllm-c32 --gpu H100 --model llama-3.1-8b --to H200,B200,MI300X --tier hyperscaler
  tokenbench cost project results/vllm-70b --gpu H100 --tp 4 --gpus 8 --model llama-3.3-70b --precision fp8 \
      --to B200 --to-tp 2 --tier on-demand --provider nebius -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Dir = args[0]
			if err := o.validate(cmd.Flags()); err != nil {
				return usageError{err}
			}
			if runF != nil {
				return runF(o)
			}
			return costProjectRun(f, o)
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&o.To, "to", nil, "target GPU types, comma-separated: "+strings.Join(sim.GPUNames(), ", ")+" (required)")
	fl.StringVar(&o.GPU, "gpu", "", "GPU type the run measured (default: run.json's built-in engine)")
	fl.StringVar(&o.Model, "model", "", "model profile: "+strings.Join(sim.ModelNames(), ", ")+" (default: run.json's)")
	fl.IntVar(&o.TP, "tp", 0, "tensor-parallel size of the measured replica (default: run.json's, else 1)")
	fl.IntVar(&o.ToTP, "to-tp", 0, "tensor-parallel size of a target replica (default: --tp)")
	fl.StringVar(&o.Precision, "precision", "", "weight precision: bf16, fp8 or fp4 (default: run.json's, else bf16)")
	fl.IntVar(&o.GPUs, "gpus", 0, "GPUs behind the measured endpoint, all replicas and ranks (default: one replica, --tp)")
	addPriceFlags(fl, &o.Tier, &o.Provider, &o.Price, "also price every GPU at this USD per GPU-hour", &o.PricesFile, &o.Output)
	return cmd
}

// validate checks the flags alone; the profiles and the catalog check the
// names.
func (o *CostProjectOptions) validate(fl *pflag.FlagSet) error {
	var to []string
	for _, g := range o.To {
		if g = strings.TrimSpace(g); g != "" {
			to = append(to, g)
		}
	}
	o.To = to
	switch {
	case len(o.To) == 0:
		return fmt.Errorf("--to is required: the GPU types to project onto (%s)", strings.Join(sim.GPUNames(), ", "))
	case o.TP < 0 || o.ToTP < 0:
		return fmt.Errorf("--tp and --to-tp must be at least 1, got %d and %d", o.TP, o.ToTP)
	case o.GPUs < 0:
		return fmt.Errorf("--gpus must be at least 1, got %d", o.GPUs)
	}
	if err := checkPriceFlags(fl, o.Tier, o.Provider, o.Price); err != nil {
		return err
	}
	if err := checkOutput(o.Output); err != nil {
		return err
	}
	if o.Precision != "" {
		p, err := sim.ParsePrecision(o.Precision)
		if err != nil {
			return fmt.Errorf("--precision: %w", err)
		}
		o.Precision = string(p)
	}
	return nil
}

func costProjectRun(f *Factory, o *CostProjectOptions) error {
	cat, err := loadCatalog(o.PricesFile)
	if err != nil {
		return err
	}
	r, err := projection.Project(o.Dir, cat, projection.Options{GPU: o.GPU, To: o.To, Model: o.Model, TP: o.TP, ToTP: o.ToTP,
		Precision: o.Precision, GPUs: o.GPUs, Tier: o.Tier, Provider: o.Provider, Price: o.Price})
	var oe *projection.OptionError
	if errors.As(err, &oe) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	if o.Output == "json" {
		return r.WriteJSON(f.Out)
	}
	return r.WriteTable(f.Out)
}
