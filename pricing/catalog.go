package pricing

import (
	_ "embed"
	"fmt"
	"os"
)

//go:embed catalog.yaml
var builtinYAML []byte

// BuiltinOrigin is the Origin of every price of the embedded catalog.
const BuiltinOrigin = "built-in catalog"

// Catalog is a list of GPU types with their specs and prices. The embedded
// catalog (Load) and a user's prices file (LoadFile) share this schema.
type Catalog struct {
	GPUs []GPU `yaml:"gpus" json:"gpus"`
}

// GPU is one accelerator type. Zero specs are unknown, not zero: a user's
// prices file may add a GPU with prices only.
type GPU struct {
	// Name is the canonical name, as printed ("H100 SXM").
	Name string `yaml:"name" json:"name"`
	// Aliases are other names that find this GPU ("H100"); matching ignores
	// case, spaces, '-' and '_'.
	Aliases []string `yaml:"aliases,omitempty" json:"aliases,omitempty"`
	// MemoryGB is the accelerator memory (HBM or GDDR) in GB.
	MemoryGB float64 `yaml:"memory_gb,omitempty" json:"memory_gb,omitempty"`
	// BandwidthTBs is the nominal memory bandwidth in TB/s.
	BandwidthTBs float64 `yaml:"bandwidth_tb_per_s,omitempty" json:"bandwidth_tb_per_s,omitempty"`
	// TFLOPS is dense (no sparsity) tensor throughput by precision: bf16,
	// fp8, fp4 where the part has it.
	TFLOPS map[string]float64 `yaml:"tflops,omitempty" json:"tflops,omitempty"`
	// ScaleUpGBs is the scale-up link (NVLink, Infinity Fabric) bandwidth per
	// GPU in GB/s; 0 for PCIe-only parts.
	ScaleUpGBs float64 `yaml:"scale_up_gb_per_s,omitempty" json:"scale_up_gb_per_s,omitempty"`
	// Watts is the board power (TDP) of one GPU.
	Watts float64 `yaml:"watts,omitempty" json:"watts,omitempty"`
	// AllInKW is the facility power per GPU (host, network, cooling
	// included) in kW, as SemiAnalysis's TCO model counts it; 0 when unknown.
	AllInKW float64 `yaml:"all_in_kw,omitempty" json:"all_in_kw,omitempty"`
	// SpecSource cites where the specs come from.
	SpecSource string `yaml:"spec_source,omitempty" json:"spec_source,omitempty"`
	// Prices are the known prices of one GPU-hour.
	Prices []Price `yaml:"prices,omitempty" json:"prices"`
}

// Price is the cost of one GPU-hour in one tier from one provider.
type Price struct {
	// Tier is the kind of price: hyperscaler, neocloud, rental-3y
	// (SemiAnalysis TCO tiers), on-demand, or any tier a user names.
	Tier string `yaml:"tier" json:"tier"`
	// Provider sells at this price: "market" for the TCO tiers (a survey,
	// not one seller), else aws, azure, lambda, runpod, nebius...
	Provider string `yaml:"provider" json:"provider"`
	// USDPerGPUHour is the price of one GPU for one hour, in USD.
	USDPerGPUHour float64 `yaml:"usd_per_gpu_hour" json:"usd_per_gpu_hour"`
	// Source cites where the price comes from (URL, repository path, quote).
	Source string `yaml:"source,omitempty" json:"source,omitempty"`
	// Date is when the price was published or observed: YYYY-MM or YYYY-MM-DD.
	Date string `yaml:"date,omitempty" json:"date,omitempty"`
	// Origin says which file the price came from: BuiltinOrigin or
	// "prices file PATH". Set by the loader, never read from YAML.
	Origin string `yaml:"-" json:"origin"`
}

// Load returns the catalog embedded in the binary. Each call returns a fresh
// copy, so callers may Merge into it.
func Load() (*Catalog, error) {
	c, err := Parse("catalog.yaml", builtinYAML)
	if err != nil {
		return nil, fmt.Errorf("%w (built-in catalog)", err)
	}
	c.setOrigin(BuiltinOrigin)
	return c, nil
}

// LoadFile reads a user's prices file (same schema as the built-in catalog)
// and validates it. Errors name the file and the line.
func LoadFile(path string) (*Catalog, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("pricing: %w", err)
	}
	c, err := Parse(path, b)
	if err != nil {
		return nil, err
	}
	c.setOrigin("prices file " + path)
	return c, nil
}

func (c *Catalog) setOrigin(origin string) {
	for i := range c.GPUs {
		for j := range c.GPUs[i].Prices {
			c.GPUs[i].Prices[j].Origin = origin
		}
	}
}

// Merge adds user's GPUs and prices to c: a user price replaces the price of
// the same GPU, tier and provider; other prices are added. A user GPU that
// matches one of c (by name or alias) overrides the specs it gives (non-zero
// fields) and adds its aliases; an unknown GPU is appended whole.
func (c *Catalog) Merge(user *Catalog) {
	if user == nil {
		return
	}
	for _, ug := range user.GPUs {
		g := c.find(ug.Name)
		if g == nil {
			for _, a := range ug.Aliases {
				if g = c.find(a); g != nil {
					break
				}
			}
		}
		if g == nil {
			c.GPUs = append(c.GPUs, cloneGPU(ug))
			continue
		}
		g.mergeSpecs(ug)
		for _, p := range ug.Prices {
			g.setPrice(p)
		}
	}
}

func (g *GPU) mergeSpecs(u GPU) {
	for _, a := range append([]string{u.Name}, u.Aliases...) {
		if !g.matches(a) {
			g.Aliases = append(g.Aliases, a)
		}
	}
	over := func(dst *float64, v float64) {
		if v != 0 {
			*dst = v
		}
	}
	over(&g.MemoryGB, u.MemoryGB)
	over(&g.BandwidthTBs, u.BandwidthTBs)
	over(&g.ScaleUpGBs, u.ScaleUpGBs)
	over(&g.Watts, u.Watts)
	over(&g.AllInKW, u.AllInKW)
	if len(u.TFLOPS) > 0 && g.TFLOPS == nil {
		g.TFLOPS = map[string]float64{}
	}
	for k, v := range u.TFLOPS {
		g.TFLOPS[k] = v
	}
	if u.SpecSource != "" {
		g.SpecSource = u.SpecSource
	}
}

// setPrice replaces the price with p's tier and provider, or appends p.
func (g *GPU) setPrice(p Price) {
	for i, q := range g.Prices {
		if sameKey(q.Tier, p.Tier) && sameKey(q.Provider, p.Provider) {
			g.Prices[i] = p
			return
		}
	}
	g.Prices = append(g.Prices, p)
}

func cloneGPU(g GPU) GPU {
	g.Aliases = append([]string(nil), g.Aliases...)
	g.Prices = append([]Price(nil), g.Prices...)
	if g.TFLOPS != nil {
		m := make(map[string]float64, len(g.TFLOPS))
		for k, v := range g.TFLOPS {
			m[k] = v
		}
		g.TFLOPS = m
	}
	return g
}
