package pricing

import (
	"fmt"
	"strings"
)

// PriceQuote is a Quote with the catalog price it came from, whose source
// and date a table footnotes; Price is zero for a user --price.
type PriceQuote struct {
	Quote
	Price Price
}

// footnote is what a table cites for q: the price's source and the file
// it came from when not the built-in catalog.
func (q PriceQuote) footnote() string {
	if q.Price.Origin == "" && q.Price.Source == "" {
		return q.Source
	}
	note := q.Price.Source
	if q.Price.Origin != "" && q.Price.Origin != BuiltinOrigin {
		if note == "" {
			return q.Price.Origin
		}
		note += " (" + q.Price.Origin + ")"
	}
	return note
}

// Quotes resolves o against the catalog into one quote per price of o.GPU:
// every tier and provider the catalog knows, narrowed to o.Tier (and
// o.Provider) when given, then o.USDPerGPUHour as a user price when given.
// It is the price list of a sweep cost or a capacity plan, where Quote
// picks one price for one run. With a user price the GPU need not be in
// the catalog. Errors name what is missing and list what exists.
func (c *Catalog) Quotes(o Options) ([]PriceQuote, error) {
	if strings.TrimSpace(o.GPU) == "" {
		return nil, lookupErr("no GPU type given; known: %s", c.gpuNames())
	}
	if o.GPUs < 1 {
		return nil, fmt.Errorf("pricing: %d GPUs: want at least 1", o.GPUs)
	}
	if o.USDPerGPUHour != 0 {
		if err := CheckPrice(o.USDPerGPUHour); err != nil {
			return nil, fmt.Errorf("pricing: %w", err)
		}
	}
	if err := CheckSelection(o.Tier, o.Provider); err != nil {
		return nil, err
	}
	user := PriceQuote{Quote: Quote{GPU: o.GPU, GPUs: o.GPUs, USDPerGPUHour: o.USDPerGPUHour, Source: UserPriceSource}}
	g := c.find(o.GPU)
	if g == nil {
		if o.USDPerGPUHour > 0 {
			return []PriceQuote{user}, nil
		}
		_, err := c.FindGPU(o.GPU)
		return nil, err
	}
	user.GPU, user.Watts, user.AllInKW = g.Name, g.Watts, g.AllInKW
	var qs []PriceQuote
	for _, p := range g.Prices {
		if o.Tier != "" && !sameKey(p.Tier, o.Tier) || o.Provider != "" && !sameKey(p.Provider, o.Provider) {
			continue
		}
		qs = append(qs, PriceQuote{Quote: Quote{GPU: g.Name, GPUs: o.GPUs, Tier: p.Tier, Provider: p.Provider,
			USDPerGPUHour: p.USDPerGPUHour, Source: p.Describe(g.Name), Watts: g.Watts, AllInKW: g.AllInKW}, Price: p})
	}
	if len(qs) == 0 && o.Tier != "" {
		// Let Lookup say what exists: the tiers, or the tier's providers.
		if _, err := g.Lookup(o.Tier, o.Provider); err != nil {
			return nil, err
		}
	}
	if o.USDPerGPUHour > 0 {
		qs = append(qs, user)
	}
	if len(qs) == 0 {
		return nil, lookupErr("%s has no price in the catalog; give one with --price or a prices file", g.Name)
	}
	return qs, nil
}
