package main

import (
	"errors"
	"fmt"
	"math"
	"os"

	"github.com/spf13/cobra"

	"github.com/tokenbench/tokenbench/pricing"
	"github.com/tokenbench/tokenbench/report"
)

// CostPlanOptions are the flags of `tokenbench cost plan`.
type CostPlanOptions struct {
	Dir            string
	Load           string
	InputTokens    int
	OutputTokens   int
	SLO            string
	Attainment     float64
	ScaleBy        string
	GPU            string
	GPUsPerReplica int
	Headroom       float64
	Tier           string
	Provider       string
	Price          float64 // USD per GPU-hour; 0 means the catalog's prices
	PricesFile     string
	Output         string

	// Parsed by validate.
	loadPerS float64
	slo      pricing.SLO
}

// NewCmdCostPlan builds `tokenbench cost plan`; runF replaces the action
// in tests.
func NewCmdCostPlan(f *Factory, runF func(*CostPlanOptions) error) *cobra.Command {
	o := &CostPlanOptions{}
	cmd := &cobra.Command{
		Use:   "plan DIR --load RATE --input-tokens N --output-tokens N --gpu TYPE --gpus-per-replica N",
		Short: "Replicas, GPUs and cost per month to serve a load within an SLO, from a measured sweep",
		Long: `Size a fleet from a sweep (DIR/sweep.json, or subdirectories each holding a summary.json)
measured on one replica of --gpus-per-replica GPUs of type --gpu.

Each point is judged against the SLO: by its own SLO attainment (summary.json goodput) when
the sweep was run with the same --slo, else by its latency percentiles (the one --attainment
names: 0.99 reads p99) and its share of failed requests. Of the points that meet it, the one
where a replica sustains the most requests/s is chosen. That rate is scaled to the plan's
token mix (--scale-by output: output tokens/s measured / --output-tokens; total: all tokens/s
/ (input + output); requests: as measured), then

  replicas = ceil(load * (1 + headroom) / requests/s per replica)
  GPUs     = replicas * GPUs per replica

and the fleet is priced per hour and per month (730 h) at every price of the GPU in the
catalog (narrowed by --tier and --provider, plus --price), with the cost of a million
output tokens at the planned load. The output says which SLO basis and scaling were used.`,
		Example: `  tokenbench cost plan results/vllm-sweep --load 200req/s --input-tokens 1500 --output-tokens 300 \
      --slo ttft=500ms,tpot=50ms --gpu h100 --gpus-per-replica 8
  tokenbench cost plan results/vllm-sweep --load 12000/min --input-tokens 1500 --output-tokens 300 \
      --gpu h100 --gpus-per-replica 8 --headroom 0.3 --tier hyperscaler -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Dir = args[0]
			if err := o.validate(cmd); err != nil {
				return usageError{err}
			}
			if runF != nil {
				return runF(o)
			}
			return costPlanRun(f, o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Load, "load", "", "load to serve: 200req/s, 200/s, 12000req/min or 12000/min (required)")
	fl.IntVar(&o.InputTokens, "input-tokens", 0, "mean input tokens per planned request (required)")
	fl.IntVar(&o.OutputTokens, "output-tokens", 0, "mean output tokens per planned request (required)")
	fl.StringVar(&o.SLO, "slo", "", "per-request SLO, e.g. ttft=500ms,tpot=50ms (also e2e; itl needs a sweep run with it); default: the sweep's own")
	fl.Float64Var(&o.Attainment, "attainment", pricing.DefaultAttainment, "share of requests that must meet the SLO (0.99: p99)")
	fl.StringVar(&o.ScaleBy, "scale-by", pricing.ScaleByOutput, "scale a point's rate to the token mix by output, total or requests")
	fl.StringVar(&o.GPU, "gpu", "", "GPU type of the replica the sweep measured: a catalog name or alias (required)")
	fl.IntVar(&o.GPUsPerReplica, "gpus-per-replica", 0, "GPUs of one replica, the endpoint the sweep measured (required)")
	fl.Float64Var(&o.Headroom, "headroom", 0.2, "spare capacity above the load, as a fraction (0.2 = 20%)")
	addPriceFlags(fl, &o.Tier, &o.Provider, &o.Price, "also price the plan at this USD per GPU-hour", &o.PricesFile, &o.Output)
	return cmd
}

// validate checks and parses the flags alone; the sweep and the catalog
// check the rest.
func (o *CostPlanOptions) validate(cmd *cobra.Command) error {
	changed := cmd.Flags().Changed
	for _, req := range []string{"load", "input-tokens", "output-tokens", "gpu", "gpus-per-replica"} {
		if !changed(req) {
			return fmt.Errorf("--%s is required", req)
		}
	}
	load, err := pricing.ParseLoad(o.Load)
	if err != nil {
		return fmt.Errorf("--load: %w", err)
	}
	o.loadPerS = load
	slo, err := report.ParseSLO(o.SLO)
	if err != nil {
		return fmt.Errorf("--slo: %w", err)
	}
	o.slo = pricing.SLO(slo)
	switch {
	case o.InputTokens < 1:
		return fmt.Errorf("--input-tokens must be at least 1, got %d", o.InputTokens)
	case o.OutputTokens < 1:
		return fmt.Errorf("--output-tokens must be at least 1, got %d", o.OutputTokens)
	case o.GPU == "":
		return errors.New("--gpu is required (see tokenbench pricing list)")
	case o.GPUsPerReplica < 1:
		return fmt.Errorf("--gpus-per-replica must be at least 1, got %d", o.GPUsPerReplica)
	case !(o.Attainment > 0 && o.Attainment <= 1):
		return fmt.Errorf("--attainment must be a share in (0, 1], got %v", o.Attainment)
	case o.ScaleBy != pricing.ScaleByOutput && o.ScaleBy != pricing.ScaleByTotal && o.ScaleBy != pricing.ScaleByRequests:
		return fmt.Errorf("--scale-by must be output, total or requests, got %q", o.ScaleBy)
	case !(o.Headroom >= 0) || math.IsInf(o.Headroom, 0):
		return fmt.Errorf("--headroom must be a fraction >= 0 (0.2 for 20%%), got %v", o.Headroom)
	}
	if err := checkPriceFlags(cmd.Flags(), o.Tier, o.Provider, o.Price); err != nil {
		return err
	}
	return checkOutput(o.Output)
}

func costPlanRun(f *Factory, o *CostPlanOptions) error {
	cat, err := loadCatalog(o.PricesFile)
	if err != nil {
		return err
	}
	quotes, err := cat.Quotes(pricing.Options{
		GPU: o.GPU, GPUs: 1, Tier: o.Tier, Provider: o.Provider, USDPerGPUHour: o.Price,
	})
	if err != nil {
		return asUsage(err)
	}
	s, err := pricing.ReadSweep(os.DirFS(o.Dir), o.Dir, report.ReadSweepRun)
	if err != nil {
		return err
	}
	plan, err := pricing.NewPlan(s, pricing.PlanOptions{
		LoadRequestsPerS: o.loadPerS, InputTokens: o.InputTokens, OutputTokens: o.OutputTokens,
		SLO: o.slo, Attainment: o.Attainment, ScaleBy: o.ScaleBy,
		GPUsPerReplica: o.GPUsPerReplica, Headroom: o.Headroom,
	}, quotes)
	if err != nil {
		return asUsage(err)
	}
	if o.Output == "json" {
		return plan.WriteJSON(f.Out)
	}
	return plan.WriteTable(f.Out)
}
