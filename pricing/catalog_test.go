package pricing

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// referencePath is the shared GPU reference the catalog is built from.
const referencePath = "../../shared/data/gpu-reference.md"

// referenceGPUs are the GPUs of gpu-reference.md, checked even when the
// reference itself is not beside the repository.
var referenceGPUs = []string{"H100 SXM", "H200", "B200", "GB200", "A100 80GB SXM", "L40S", "L4", "MI300X", "MI325X", "MI355X"}

func TestBuiltinCatalog(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range c.GPUs {
		names = append(names, g.Name)
		if len(g.Prices) == 0 {
			t.Errorf("%s: no price", g.Name)
		}
		if g.MemoryGB <= 0 || g.BandwidthTBs <= 0 || g.Watts <= 0 || g.TFLOPS["bf16"] <= 0 || g.SpecSource == "" {
			t.Errorf("%s: incomplete specs %+v", g.Name, g)
		}
		for _, p := range g.Prices {
			if p.Source == "" || p.Date == "" || p.Origin != BuiltinOrigin {
				t.Errorf("%s %s %s: want source, date and origin, got %+v", g.Name, p.Tier, p.Provider, p)
			}
		}
	}
	if !slices.Equal(names, referenceGPUs) {
		t.Errorf("GPUs %q, want %q", names, referenceGPUs)
	}
	// Each Load is a fresh copy: merging into one leaves the next intact.
	c.GPUs[0].Prices[0].USDPerGPUHour = 99
	if d, _ := Load(); d.GPUs[0].Prices[0].USDPerGPUHour == 99 {
		t.Error("Load shares state between calls")
	}
}

// column maps a header of a reference table to the catalog figure it gives.
type column struct {
	tier, provider string               // a price, or
	spec           func(g *GPU) float64 // a spec
}

var referenceColumns = map[string]column{
	"hyperscaler, owned":    {tier: "hyperscaler", provider: "market"},
	"neocloud, owned":       {tier: "neocloud", provider: "market"},
	"neocloud rental, 3-yr": {tier: "rental-3y", provider: "market"},
	"all-in kW per GPU":     {spec: func(g *GPU) float64 { return g.AllInKW }},
	"AWS us-east-1":         {tier: "on-demand", provider: "aws"},
	"Azure pay-as-you-go":   {tier: "on-demand", provider: "azure"},
	"Lambda":                {tier: "on-demand", provider: "lambda"},
	"RunPod":                {tier: "on-demand", provider: "runpod"},
	"Nebius":                {tier: "on-demand", provider: "nebius"},
	"BF16":                  {spec: func(g *GPU) float64 { return g.TFLOPS["bf16"] }},
	"FP8":                   {spec: func(g *GPU) float64 { return g.TFLOPS["fp8"] }},
	"FP4":                   {spec: func(g *GPU) float64 { return g.TFLOPS["fp4"] }},
	"memory GB":             {spec: func(g *GPU) float64 { return g.MemoryGB }},
	"TB/s":                  {spec: func(g *GPU) float64 { return g.BandwidthTBs }},
	"scale-up GB/s":         {spec: func(g *GPU) float64 { return g.ScaleUpGBs }},
	"TDP W":                 {spec: func(g *GPU) float64 { return g.Watts }},
}

var leadingNumber = regexp.MustCompile(`^~?([0-9][0-9,]*(?:\.[0-9]+)?)`)

// TestCatalogMatchesReference reads every table of gpu-reference.md whose
// first column is GPU and checks each cell against the catalog: every GPU
// present, every price and spec equal, and no catalog price the reference
// does not give.
func TestCatalogMatchesReference(t *testing.T) {
	b, err := os.ReadFile(referencePath)
	if err != nil {
		t.Skipf("reference not available: %v", err)
	}
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	prices := 0
	var header []string
	for n, ln := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(ln, "|") {
			header = nil
			continue
		}
		cells := strings.Split(strings.Trim(ln, "| "), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		switch {
		case header == nil:
			header = cells
			continue
		case header[0] != "GPU" || strings.HasPrefix(cells[0], "---"):
			continue
		}
		name := strings.TrimSuffix(cells[0], " (per GPU)")
		g, err := c.FindGPU(name)
		if err != nil {
			t.Errorf("reference line %d: %v", n+1, err)
			continue
		}
		seen[g.Name] = true
		for i, cell := range cells[1:] {
			col, ok := referenceColumns[header[i+1]]
			if !ok {
				t.Fatalf("reference line %d: unknown column %q: map it in referenceColumns", n+1, header[i+1])
			}
			want := 0.0
			if m := leadingNumber.FindStringSubmatch(cell); m != nil {
				want, _ = strconv.ParseFloat(strings.ReplaceAll(m[1], ",", ""), 64)
			} else if cell != "-" && cell != "PCIe" {
				t.Fatalf("reference line %d: cell %q is not a number", n+1, cell)
			}
			if col.spec != nil {
				if got := col.spec(g); got != want {
					t.Errorf("%s %s = %v, reference says %q", g.Name, header[i+1], got, cell)
				}
				continue
			}
			p, err := g.Lookup(col.tier, col.provider)
			switch {
			case want == 0 && err == nil:
				t.Errorf("%s %s %s: catalog has %v, reference has none", g.Name, col.tier, col.provider, p.USDPerGPUHour)
			case want != 0 && err != nil:
				t.Errorf("%s: reference gives %q: %v", g.Name, cell, err)
			case want != 0 && p.USDPerGPUHour != want:
				t.Errorf("%s %s %s = %v, reference says %q", g.Name, col.tier, col.provider, p.USDPerGPUHour, cell)
			case want != 0:
				prices++
			}
		}
	}
	for _, g := range c.GPUs {
		if !seen[g.Name] {
			t.Errorf("%s is in the catalog but not in the reference", g.Name)
		}
	}
	total := 0
	for _, g := range c.GPUs {
		total += len(g.Prices)
	}
	if prices != total {
		t.Errorf("reference gives %d prices, catalog has %d", prices, total)
	}
}

func TestMerge(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	user, err := LoadFile(filepath.Join("testdata", "user_prices.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	n := len(c.GPUs)
	c.Merge(user)
	c.Merge(nil)

	tests := []struct {
		name, gpu, tier, provider string
		want                      float64
		origin                    string
	}{
		{"user price replaces the same gpu tier provider", "H100 SXM", "hyperscaler", "market", 1.10, "prices file testdata/user_prices.yaml"},
		{"other prices of that gpu stay", "H100 SXM", "neocloud", "market", 1.69, BuiltinOrigin},
		{"new tier added", "h100", "reserved-1y", "aws", 3.90, "prices file testdata/user_prices.yaml"},
		{"new gpu added", "RTX PRO 6000", "on-demand", "runpod", 1.79, "prices file testdata/user_prices.yaml"},
		{"new gpu found by its alias", "rtx6000pro", "on-demand", "runpod", 1.79, "prices file testdata/user_prices.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := c.Lookup(tt.gpu, tt.tier, tt.provider)
			if err != nil {
				t.Fatal(err)
			}
			if p.USDPerGPUHour != tt.want || p.Origin != tt.origin {
				t.Errorf("got %v from %q, want %v from %q", p.USDPerGPUHour, p.Origin, tt.want, tt.origin)
			}
		})
	}
	if len(c.GPUs) != n+1 {
		t.Errorf("%d GPUs after merge, want %d", len(c.GPUs), n+1)
	}
	h, _ := c.FindGPU("H100")
	if h.Watts != 650 || h.MemoryGB != 80 || h.TFLOPS["fp8"] != 1979 || h.TFLOPS["int8"] != 1979 {
		t.Errorf("specs after merge: watts %v memory %v tflops %v", h.Watts, h.MemoryGB, h.TFLOPS)
	}
	if len(h.Prices) != 9 {
		t.Errorf("H100 has %d prices, want 8 built-in + 1 added", len(h.Prices))
	}
}

func TestLoadFileMissing(t *testing.T) {
	_, err := LoadFile(filepath.Join(t.TempDir(), "nope.yaml"))
	if err == nil || !strings.Contains(err.Error(), "nope.yaml") {
		t.Errorf("error %v, want it to name the file", err)
	}
}
