package pricing

import (
	"encoding/json"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// FuzzLoadCatalog feeds arbitrary bytes to the prices-file parser: it must
// never panic, every error must name the package and the file, and what it
// accepts must be valid and survive a YAML round trip unchanged.
func FuzzLoadCatalog(f *testing.F) {
	// One GPU in the built-in catalog's form (the whole file as a seed makes
	// the fuzzer spend its time minimizing 9 KB inputs).
	f.Add([]byte(`gpus:
  - name: H100 SXM
    aliases: [H100, H100-SXM]
    memory_gb: 80
    bandwidth_tb_per_s: 3.35
    tflops: {bf16: 989, fp8: 1979}
    scale_up_gb_per_s: 450
    watts: 700
    all_in_kw: 1.73
    spec_source: &s "InferenceX gpu-specs.ts"
    prices:
      - {tier: hyperscaler, provider: market, usd_per_gpu_hour: 1.30, source: *s, date: 2025-08}
      - {tier: on-demand, provider: aws, usd_per_gpu_hour: 6.88, source: "AWS", date: 2026-11-02}
`))
	f.Add([]byte("gpus:\n  - name: X\n    prices:\n      - {tier: a, provider: b, usd_per_gpu_hour: 1, date: 2026-11}\n"))
	f.Add([]byte("gpus:\n  - name: X\n    prices:\n      - &p {tier: a, provider: b, usd_per_gpu_hour: 1}\n  - name: Y\n    prices: [*p]\n"))
	f.Add([]byte("gpus:\n  - name: X\n    tflops: {bf16: 1, fp8: .inf}\n    watts: -1\n"))
	f.Add([]byte("gpus:\n  - name: X\n\twatts: 3\n"))
	f.Add([]byte("gpus: [{name: A, aliases: [a]}, {name: B, aliases: [A]}]\n---\n"))
	f.Add([]byte("gpus:\n  - name: X\n    prices:\n      - {tier: a, provider: b, usd_per_gpu_hour: 1, cost: 2}\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data)
		if err != nil {
			for _, ln := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(ln, "pricing: fuzz.yaml") {
					t.Fatalf("error line %q does not name the package and file", ln)
				}
			}
			return
		}
		for _, g := range c.GPUs {
			if normalize(g.Name) == "" {
				t.Fatalf("accepted an empty name: %+v", g)
			}
			for _, p := range g.Prices {
				if !(p.USDPerGPUHour > 0) || !finite(p.USDPerGPUHour) || normalize(p.Tier) == "" || normalize(p.Provider) == "" {
					t.Fatalf("accepted a bad price: %+v", p)
				}
			}
		}
		out, err := yaml.Marshal(c)
		if err != nil {
			t.Fatalf("marshal accepted catalog: %v", err)
		}
		back, err := Parse("round-trip.yaml", out)
		if err != nil {
			t.Fatalf("round trip rejected: %v\n%s", err, out)
		}
		if a, b := canonicalJSON(t, c), canonicalJSON(t, back); a != b {
			t.Fatalf("round trip changed the catalog:\n%s\n%s", a, b)
		}
	})
}

// canonicalJSON encodes c with empty lists and maps as absent, the way
// omitempty writes them back.
func canonicalJSON(t *testing.T, c *Catalog) string {
	t.Helper()
	cp := *c
	cp.GPUs = make([]GPU, len(c.GPUs))
	for i, g := range c.GPUs {
		g = cloneGPU(g)
		if len(g.Aliases) == 0 {
			g.Aliases = nil
		}
		if len(g.Prices) == 0 {
			g.Prices = nil
		}
		if len(g.TFLOPS) == 0 {
			g.TFLOPS = nil
		}
		cp.GPUs[i] = g
	}
	b, err := json.Marshal(cp)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
