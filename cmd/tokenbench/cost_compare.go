package main

import (
	"errors"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tokenbench/tokenbench/pricing"
	"github.com/tokenbench/tokenbench/report"
)

// CostCompareOptions are the flags and arguments of `tokenbench cost
// compare`.
type CostCompareOptions struct {
	// Sweeps are the parsed SWEEP=GPU[xN] arguments.
	Sweeps        []pricing.SweepArg
	Interactivity float64
	Tier          string
	Provider      string
	PricesFile    string
	Output        string
}

// NewCmdCostCompare builds `tokenbench cost compare`; runF replaces the
// action in tests.
func NewCmdCostCompare(f *Factory, runF func(*CostCompareOptions) error) *cobra.Command {
	o := &CostCompareOptions{}
	cmd := &cobra.Command{
		Use:   "compare --interactivity TOK/S SWEEP=GPU[xN] SWEEP=GPU[xN]...",
		Short: "Cost per million output tokens by GPU type and tier at one interactivity, from one sweep per GPU type",
		Long: `Compare GPU types at the same target interactivity, each from a sweep measured on it.

Each argument is a sweep (a directory with sweep.json, or subdirectories each holding a
summary.json, as tokenbench cost --interactivity reads) with the GPU type it was measured
on and how many GPUs served it: SWEEP=GPU[xN], N defaulting to 1 (h100x8, "H100 SXM x8",
MI300Xx8). For each sweep the Pareto front of interactivity (1000 / TPOT p50 ms) against
output tokens/s per GPU is interpolated at --interactivity with a monotone cubic, and one
million output tokens there are priced at every price of that GPU in the catalog (narrowed
by --tier and --provider; --prices merges a prices file over it):

  cost per 1M output tokens = $/GPU-h / (output tokens/s per GPU * 3600) * 1e6

The rows of every GPU are listed cheapest first, with the cheapest of each tier marked and
every price's source numbered below. A target outside one sweep's measured range is
reported on that sweep's row; only when it is outside every sweep is it an error. Each
GPU's figures come from its own sweep: to estimate a GPU you have not measured, see
tokenbench cost project.`,
		Example: `  tokenbench cost compare --interactivity 50 results/h100-sweep=h100x8 results/mi300x-sweep=MI300Xx8
  tokenbench cost compare --interactivity 50 results/h100-sweep=h100x8 results/h200-sweep=h200x8 --tier hyperscaler
  tokenbench cost compare --interactivity 30 results/h100-sweep="H100 SXM x8" results/l40s-sweep=L40S --tier on-demand -o json
  tokenbench cost compare --interactivity 50 results/h100-sweep=h100x8 results/b200-sweep=b200x8 --prices my-prices.yaml`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.validate(cmd.Flags(), args); err != nil {
				return usageError{err}
			}
			if runF != nil {
				return runF(o)
			}
			return costCompareRun(f, o)
		},
	}
	fl := cmd.Flags()
	fl.Float64Var(&o.Interactivity, "interactivity", 0, "target output tokens/s per user (1000 / TPOT ms) to compare at (required)")
	addPriceFlags(fl, &o.Tier, &o.Provider, nil, "", &o.PricesFile, &o.Output)
	return cmd
}

// validate checks the flags and parses the arguments; the catalog and the
// sweeps check the rest.
func (o *CostCompareOptions) validate(fl *pflag.FlagSet, args []string) error {
	if !fl.Changed("interactivity") {
		return errors.New("--interactivity is required: the output tokens/s per user to compare the GPU types at")
	}
	if err := checkInteractivityFlag(o.Interactivity); err != nil {
		return err
	}
	if err := checkPriceFlags(fl, o.Tier, o.Provider, 0); err != nil {
		return err
	}
	if err := checkOutput(o.Output); err != nil {
		return err
	}
	sweeps, err := pricing.ParseSweepArgs(args)
	if err != nil {
		return err
	}
	o.Sweeps = sweeps
	return nil
}

func costCompareRun(f *Factory, o *CostCompareOptions) error {
	cat, err := loadCatalog(o.PricesFile)
	if err != nil {
		return err
	}
	// Resolve every GPU before reading any sweep: a typo is a usage error
	// that should not wait for the disk.
	args := make([]pricing.SweepArg, len(o.Sweeps))
	for i, a := range o.Sweeps {
		if args[i], err = cat.ResolveSweepArg(a); err != nil {
			return asUsage(err)
		}
	}
	sweeps := make([]pricing.MeasuredSweep, len(args))
	for i, a := range args {
		s, err := pricing.ReadSweep(os.DirFS(a.Dir), a.Dir, report.ReadSweepRun)
		if err != nil {
			return err
		}
		sweeps[i] = pricing.MeasuredSweep{Sweep: s, GPU: a.GPU, GPUs: a.GPUs}
	}
	c, err := cat.Compare(sweeps, pricing.CompareOptions{Interactivity: o.Interactivity, Tier: o.Tier, Provider: o.Provider})
	if err != nil {
		return asUsage(err)
	}
	if o.Output == "json" {
		return c.WriteJSON(f.Out)
	}
	return c.WriteTable(f.Out)
}
