package pricing

import (
	"fmt"
	"strings"
)

// LookupError is every Lookup and FindGPU error: the GPU, tier or provider
// asked for is not in the catalog, or the choice is ambiguous. Its message
// lists what exists. Commands map it to a usage error.
type LookupError struct{ Msg string }

func (e *LookupError) Error() string { return "pricing: " + e.Msg }

func lookupErr(format string, args ...any) error {
	return &LookupError{Msg: fmt.Sprintf(format, args...)}
}

// normalize folds a GPU, tier or provider name for matching: case, spaces,
// '-' and '_' do not matter ("h100-sxm" finds "H100 SXM").
func normalize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch r {
		case ' ', '\t', '-', '_':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func sameKey(a, b string) bool { return normalize(a) == normalize(b) }

// matches reports whether name is g's name or one of its aliases.
func (g *GPU) matches(name string) bool {
	k := normalize(name)
	if k == "" {
		return false
	}
	if normalize(g.Name) == k {
		return true
	}
	for _, a := range g.Aliases {
		if normalize(a) == k {
			return true
		}
	}
	return false
}

// find returns the GPU named name (or aliased), or nil. Canonical names win
// over aliases, so a user GPU named like another's alias stays reachable.
func (c *Catalog) find(name string) *GPU {
	for i := range c.GPUs {
		if normalize(c.GPUs[i].Name) == normalize(name) {
			return &c.GPUs[i]
		}
	}
	for i := range c.GPUs {
		if c.GPUs[i].matches(name) {
			return &c.GPUs[i]
		}
	}
	return nil
}

// FindGPU returns the GPU named name or one of its aliases, ignoring case,
// spaces, '-' and '_'. The error lists the known GPUs.
func (c *Catalog) FindGPU(name string) (*GPU, error) {
	if g := c.find(name); g != nil {
		return g, nil
	}
	return nil, lookupErr("GPU %q is not in the catalog; known: %s (see tokenbench pricing list)",
		name, c.gpuNames())
}

// Lookup returns the price of gpu in tier from provider. An empty provider
// is fine when the tier has a single one (the TCO tiers' "market"); when the
// tier has several, the error lists them. Errors list what exists.
func (c *Catalog) Lookup(gpu, tier, provider string) (Price, error) {
	g, err := c.FindGPU(gpu)
	if err != nil {
		return Price{}, err
	}
	return g.Lookup(tier, provider)
}

// Lookup returns the price of g in tier from provider; see Catalog.Lookup.
func (g *GPU) Lookup(tier, provider string) (Price, error) {
	var inTier []Price
	for _, p := range g.Prices {
		if sameKey(p.Tier, tier) {
			inTier = append(inTier, p)
		}
	}
	if len(inTier) == 0 {
		return Price{}, lookupErr("%s has no price in tier %q; tiers (providers): %s",
			g.Name, tier, g.tierList())
	}
	if provider == "" {
		if len(inTier) == 1 {
			return inTier[0], nil
		}
		return Price{}, lookupErr("%s %s has %d providers, pick one: %s",
			g.Name, inTier[0].Tier, len(inTier), providerList(inTier))
	}
	for _, p := range inTier {
		if sameKey(p.Provider, provider) {
			return p, nil
		}
	}
	return Price{}, lookupErr("%s %s has no price from provider %q; providers: %s",
		g.Name, inTier[0].Tier, provider, providerList(inTier))
}

// tierList names each tier once with its providers: "hyperscaler (market),
// on-demand (aws, azure)".
func (g *GPU) tierList() string {
	if len(g.Prices) == 0 {
		return "none"
	}
	var order []string
	by := map[string][]Price{}
	for _, p := range g.Prices {
		k := normalize(p.Tier)
		if _, ok := by[k]; !ok {
			order = append(order, k)
		}
		by[k] = append(by[k], p)
	}
	parts := make([]string, len(order))
	for i, k := range order {
		parts[i] = fmt.Sprintf("%s (%s)", by[k][0].Tier, providerList(by[k]))
	}
	return strings.Join(parts, ", ")
}

func providerList(ps []Price) string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Provider
	}
	return strings.Join(names, ", ")
}
