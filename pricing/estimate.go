package pricing

import (
	"fmt"
	"strings"
)

// Options choose the price of an endpoint, as `tokenbench cost` takes them.
type Options struct {
	// GPU is the GPU type (a catalog name or alias).
	GPU string
	// GPUs is how many GPUs serve the endpoint (all replicas, all
	// tensor-parallel ranks).
	GPUs int
	// Tier and Provider pick the catalog price; Provider may be empty when
	// the tier has one.
	Tier, Provider string
	// USDPerGPUHour, when > 0, replaces the catalog price (a one-off
	// --price). The GPU then need not be in the catalog; when it is, its
	// power still gives the energy figures.
	USDPerGPUHour float64
}

// Quote resolves o against the catalog: the price, its source, and the GPU's
// power. Errors name what is missing and list what exists.
func (c *Catalog) Quote(o Options) (Quote, error) {
	if strings.TrimSpace(o.GPU) == "" {
		return Quote{}, lookupErr("no GPU type given; known: %s", c.gpuNames())
	}
	if o.GPUs < 1 {
		return Quote{}, fmt.Errorf("pricing: %d GPUs: want at least 1 (all GPUs serving the endpoint)", o.GPUs)
	}
	if o.USDPerGPUHour != 0 {
		if err := CheckPrice(o.USDPerGPUHour); err != nil {
			return Quote{}, fmt.Errorf("pricing: %w", err)
		}
	}
	q := Quote{GPU: o.GPU, GPUs: o.GPUs, Tier: o.Tier, Provider: o.Provider}
	g := c.find(o.GPU)
	if g != nil {
		q.GPU, q.Watts, q.AllInKW = g.Name, g.Watts, g.AllInKW
	}
	if o.USDPerGPUHour > 0 {
		q.USDPerGPUHour, q.Source = o.USDPerGPUHour, UserPriceSource
		return q, nil
	}
	if g == nil {
		_, err := c.FindGPU(o.GPU)
		return Quote{}, err
	}
	if o.Tier == "" {
		return Quote{}, lookupErr("no tier given for %s (or give a price); tiers (providers): %s", g.Name, g.tierList())
	}
	p, err := g.Lookup(o.Tier, o.Provider)
	if err != nil {
		return Quote{}, err
	}
	q.Tier, q.Provider, q.USDPerGPUHour = p.Tier, p.Provider, p.USDPerGPUHour
	q.Source = p.Describe(g.Name)
	return q, nil
}

// Describe names where p comes from, for a cost figure's price_source:
// "built-in catalog: H100 SXM hyperscaler market, SemiAnalysis ..., 2025-08".
func (p Price) Describe(gpu string) string {
	origin := p.Origin
	if origin == "" {
		origin = "catalog"
	}
	s := fmt.Sprintf("%s: %s %s %s", origin, gpu, p.Tier, p.Provider)
	if p.Source != "" {
		s += ", " + p.Source
	}
	if p.Date != "" {
		s += ", price as of " + p.Date
	}
	return s
}

// Estimate prices a run: it resolves o against the catalog and computes
// every cost figure from tp. This is `tokenbench cost` without the files.
func (c *Catalog) Estimate(tp Throughput, o Options) (Cost, error) {
	q, err := c.Quote(o)
	if err != nil {
		return Cost{}, err
	}
	return NewCost(tp, q)
}

func (c *Catalog) gpuNames() string {
	names := make([]string, len(c.GPUs))
	for i, g := range c.GPUs {
		names[i] = g.Name
	}
	return strings.Join(names, ", ")
}
