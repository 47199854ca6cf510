package main

import (
	"github.com/spf13/cobra"
)

// PricingListOptions are the flags of `tokenbench pricing list`.
type PricingListOptions struct {
	PricesFile string
	Output     string
}

// NewCmdPricing builds `tokenbench pricing` and its `list` subcommand; runF
// replaces the list action in tests.
func NewCmdPricing(f *Factory, runF func(*PricingListOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pricing",
		Short: "The GPU catalog: specs and prices per GPU-hour that cost uses",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newCmdPricingList(f, runF))
	return cmd
}

func newCmdPricingList(f *Factory, runF func(*PricingListOptions) error) *cobra.Command {
	o := &PricingListOptions{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List GPU types and their prices per GPU-hour, with sources and dates",
		Long: `List the built-in GPU catalog: one row per price (tier and provider), with the GPU's
memory and bandwidth and the price's source and date. With --prices, a YAML file of your
own prices (same schema as the catalog, e.g. a negotiated rate) is merged over it: a price
for the same GPU, tier and provider replaces the catalog's, others are added.

Tiers: hyperscaler, neocloud and rental-3y are SemiAnalysis's TCO figures (provider
"market"); on-demand prices are one provider's list price per GPU.`,
		Example: `  tokenbench pricing list
  tokenbench pricing list --output json
  tokenbench pricing list --prices my-prices.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(o.Output); err != nil {
				return usageError{err}
			}
			if runF != nil {
				return runF(o)
			}
			cat, err := loadCatalog(o.PricesFile)
			if err != nil {
				return err
			}
			if o.Output == "json" {
				return cat.WriteJSON(f.Out)
			}
			return cat.WriteTable(f.Out)
		},
	}
	cmd.Flags().StringVar(&o.PricesFile, "prices", "", "YAML prices file merged over the built-in catalog")
	cmd.Flags().StringVarP(&o.Output, "output", "o", "table", "output format: table or json")
	return cmd
}
