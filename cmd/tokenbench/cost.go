package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/pricing"
	"github.com/tokenbench/tokenbench/report"
)

// CostOptions are the flags of `tokenbench cost`.
type CostOptions struct {
	Dir        string
	GPU        string
	GPUs       int
	Tier       string
	Provider   string
	Price      float64 // USD per GPU-hour; 0 means take it from the catalog
	PricesFile string
	Output     string
	// Interactivity, when > 0, prices DIR as a sweep at this many output
	// tokens/s per user.
	Interactivity float64
	// Save writes the run's cost into DIR/cost.json for the report.
	Save bool
}

// NewCmdCost builds `tokenbench cost`; runF replaces the action in tests.
func NewCmdCost(f *Factory, runF func(*CostOptions) error) *cobra.Command {
	o := &CostOptions{}
	cmd := &cobra.Command{
		Use:   "cost DIR --gpu TYPE --gpus N (--tier TIER | --price USD | --interactivity TOK/S)",
		Short: "Cost per million tokens of a run on a GPU type",
		Long: `Price the throughput a run measured (DIR/summary.json) on the GPUs that served it:
USD per million output, input and total tokens, per million good output tokens when the
run had SLOs, energy per output token and output tokens/s per MW.

cost per 1M tokens = price per GPU-hour * GPUs / (tokens/s * 3600) * 1e6

Each figure charges the whole GPU-hour to one token type, as InferenceX does: they do
not add up. --gpus counts every GPU behind the endpoint (replicas times tensor-parallel
size; prefill plus decode GPUs when disaggregated). When the built-in engine ran, run.json
knows them (--replicas, --disagg, --tp) and --gpus and --gpu may be left out. Prices come from the built-in catalog (tokenbench pricing list), a prices file
(--prices, same YAML schema, overriding the catalog) or --price for a one-off rate;
every figure names its source.

With --interactivity, DIR is a sweep (DIR/sweep.json, or subdirectories each holding a
summary.json) measured on --gpus GPUs of type --gpu. Each point is put on InferenceX's
axes, interactivity = 1000 / TPOT p50 ms against output tokens/s per GPU; the Pareto front
is interpolated at the target with a monotone cubic (no overshoot, no extrapolation: a
target outside the front's range is an error naming it), and one million output tokens
there are priced at every price of the GPU measured (narrowed by --tier and --provider,
plus --price). A sweep measures one GPU type: it prices that type only.

To size a fleet for a load from a sweep, see tokenbench cost plan.`,
		Example: `  tokenbench cost results/vllm-c32 --gpu h100 --gpus 8 --tier hyperscaler
  tokenbench cost results/vllm-c32 --gpu H200 --gpus 1 --tier on-demand --provider nebius --output json
  tokenbench cost results/vllm-c32 --gpu B200 --gpus 8 --price 2.10
  tokenbench cost results/vllm-c32 --gpu h100 --gpus 8 --tier hyperscaler --prices my-prices.yaml
  tokenbench cost results/vllm-sweep --gpu h100 --gpus 8 --interactivity 50
  tokenbench cost results/vllm-sweep --gpu h100 --gpus 8 --interactivity 50 --tier on-demand --price 2.10 -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Dir = args[0]
			gpusGiven := cmd.Flags().Changed("gpus")
			if !gpusGiven && !cmd.Flags().Changed("interactivity") {
				if g, ok := report.ReadBuiltinGPUs(o.Dir); ok {
					o.GPUs, gpusGiven = g.GPUs, true
					if o.GPU == "" {
						o.GPU = g.GPU
					}
					fmt.Fprintf(f.Err, "tokenbench: --gpus %d from %s: %s\n", g.GPUs, filepath.Join(o.Dir, bench.RunFile), g.Why)
				}
			}
			if err := o.validate(cmd.Flags(), gpusGiven); err != nil {
				return usageError{err}
			}
			if runF != nil {
				return runF(o)
			}
			return costRun(f, o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.GPU, "gpu", "", "GPU type serving the endpoint: a catalog name or alias (h100, MI300X...)")
	fl.IntVar(&o.GPUs, "gpus", 0, "GPUs serving the endpoint, all replicas and ranks (required, unless the built-in engine ran: run.json counts its GPUs, and --gpu defaults to its GPU)")
	addPriceFlags(fl, &o.Tier, &o.Provider, &o.Price, "USD per GPU-hour, replacing the catalog price", &o.PricesFile, &o.Output)
	fl.BoolVar(&o.Save, "save", false, "also write the cost into DIR/cost.json, where tokenbench report shows it")
	fl.Float64Var(&o.Interactivity, "interactivity", 0, "price DIR as a sweep at this many output tokens/s per user (1000 / TPOT ms)")
	groupFlags(cmd, costFlagGroups)
	cmd.AddCommand(NewCmdCostPlan(f, nil), NewCmdCostProject(f, nil), NewCmdCostCompare(f, nil))
	return cmd
}

// addPriceFlags registers the price-selection flags every cost command
// shares; priceHelp says what --price does in that command (nil price: the
// command takes none).
func addPriceFlags(fl *pflag.FlagSet, tier, provider *string, price *float64, priceHelp string, prices, output *string) {
	fl.StringVar(tier, "tier", "", "price tier (only its prices): hyperscaler, neocloud, rental-3y, on-demand")
	fl.StringVar(provider, "provider", "", "price provider within --tier (aws, azure, lambda, runpod, nebius...)")
	if price != nil {
		fl.Float64Var(price, "price", 0, priceHelp)
	}
	fl.StringVar(prices, "prices", "", "merge the YAML prices file `FILE` over the built-in catalog")
	fl.StringVarP(output, "output", "o", "table", "output format: table or json")
}

// checkPriceFlags checks the flags addPriceFlags registered, with pricing's
// rules and in one wording for every cost command: --price when given (0
// too: leaving --price out is how the catalog's prices are chosen), and
// --provider only within a --tier.
func checkPriceFlags(fl *pflag.FlagSet, tier, provider string, price float64) error {
	if fl.Lookup("price") != nil && fl.Changed("price") {
		if err := pricing.CheckPrice(price); err != nil {
			return fmt.Errorf("--price: %w", err)
		}
	}
	if pricing.CheckSelection(tier, provider) != nil {
		return errors.New("--provider needs --tier")
	}
	return nil
}

// checkInteractivityFlag checks --interactivity with pricing's rule.
func checkInteractivityFlag(v float64) error {
	if pricing.CheckInteractivity(v) != nil {
		return fmt.Errorf("--interactivity must be a finite number of output tokens/s per user > 0, got %v", v)
	}
	return nil
}

// validate checks the flags alone; the catalog checks the names.
func (o *CostOptions) validate(fl *pflag.FlagSet, gpusGiven bool) error {
	if fl.Changed("interactivity") {
		if err := checkInteractivityFlag(o.Interactivity); err != nil {
			return err
		}
	}
	if err := checkPriceFlags(fl, o.Tier, o.Provider, o.Price); err != nil {
		return err
	}
	switch {
	case o.GPU == "":
		return errors.New("--gpu is required (see tokenbench pricing list)")
	case !gpusGiven:
		return errors.New("--gpus is required: every GPU serving the endpoint (replicas times tensor-parallel size)")
	case o.GPUs < 1:
		return fmt.Errorf("--gpus must be at least 1, got %d", o.GPUs)
	case o.Price == 0 && o.Tier == "" && o.Interactivity == 0:
		return errors.New("--tier is required unless --price is given (hyperscaler, neocloud, rental-3y, on-demand)")
	}
	return checkOutput(o.Output)
}

func costRun(f *Factory, o *CostOptions) error {
	cat, err := loadCatalog(o.PricesFile)
	if err != nil {
		return err
	}
	if o.Interactivity > 0 {
		return costSweepRun(f, o, cat)
	}
	tp, err := readThroughput(o.Dir)
	if err != nil {
		return err
	}
	c, err := cat.Estimate(tp, pricing.Options{
		GPU: o.GPU, GPUs: o.GPUs, Tier: o.Tier, Provider: o.Provider, USDPerGPUHour: o.Price,
	})
	var le *pricing.LookupError
	if errors.As(err, &le) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	if o.Save {
		var b bytes.Buffer
		if err := c.WriteJSON(&b); err != nil {
			return err
		}
		if err := bench.WriteFileAtomic(filepath.Join(o.Dir, report.CostFile), b.Bytes()); err != nil {
			return err
		}
	}
	if o.Output == "json" {
		return c.WriteJSON(f.Out)
	}
	return c.WriteTable(f.Out)
}

// costSweepRun prices the sweep in o.Dir at o.Interactivity.
func costSweepRun(f *Factory, o *CostOptions, cat *pricing.Catalog) error {
	quotes, err := cat.Quotes(pricing.Options{
		GPU: o.GPU, GPUs: o.GPUs, Tier: o.Tier, Provider: o.Provider, USDPerGPUHour: o.Price,
	})
	if err != nil {
		return asUsage(err)
	}
	s, err := pricing.ReadSweep(os.DirFS(o.Dir), o.Dir, report.ReadSweepRun)
	if err != nil {
		return err
	}
	c, err := pricing.PriceSweep(s, o.Interactivity, quotes)
	if err != nil {
		return asUsage(err)
	}
	if o.Output == "json" {
		return c.WriteJSON(f.Out)
	}
	return c.WriteTable(f.Out)
}

// asUsage marks err as a usage error when the catalog could not resolve a
// flag (an unknown GPU, tier or provider) or the data cannot serve an
// option (a target outside the measured range); the message names it.
func asUsage(err error) error {
	var le *pricing.LookupError
	var oe *pricing.OptionError
	if errors.As(err, &le) || errors.As(err, &oe) {
		return usageError{err}
	}
	return err
}

// loadCatalog returns the built-in catalog with the prices file, if any,
// merged over it.
func loadCatalog(pricesFile string) (*pricing.Catalog, error) {
	cat, err := pricing.Load()
	if err != nil {
		return nil, err
	}
	if pricesFile != "" {
		user, err := pricing.LoadFile(pricesFile)
		if err != nil {
			return nil, err
		}
		cat.Merge(user)
	}
	return cat, nil
}

// readThroughput reads the throughput figures of DIR/summary.json
// (report.ReadSummary).
func readThroughput(dir string) (pricing.Throughput, error) {
	path := filepath.Join(dir, report.SummaryFile)
	s, err := report.ReadSummary(path)
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := os.Stat(filepath.Join(dir, pricing.SweepFile)); serr == nil {
			return pricing.Throughput{}, fmt.Errorf("%s is a sweep, not one run: price it at a target with --interactivity TOKENS/S, size a fleet with tokenbench cost plan, or price one point: tokenbench cost %s", dir, filepath.Join(dir, "POINT"))
		}
		return pricing.Throughput{}, fmt.Errorf("%s not found: is %s a results directory? (tokenbench summarize %s rebuilds it from requests.jsonl)", path, dir, dir)
	}
	if err != nil {
		return pricing.Throughput{}, err
	}
	return s.PricingThroughput(), nil
}

// parseSummaryThroughput reads the throughput of summary.json content
// through report.ParseSummary; name labels errors.
func parseSummaryThroughput(name string, b []byte) (pricing.Throughput, error) {
	s, err := report.ParseSummary(name, b)
	if err != nil {
		return pricing.Throughput{}, err
	}
	return s.PricingThroughput(), nil
}
