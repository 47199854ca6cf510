package pricing

import (
	"bytes"
	"io"
	"path/filepath"
	"testing"

	"github.com/tokenbench/tokenbench/internal/golden"
)

// checkGolden compares got with testdata/name.golden, or rewrites it under -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name+".golden"), got)
}

func TestRenderGolden(t *testing.T) {
	builtin, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	merged, _ := Load()
	user, err := LoadFile(filepath.Join("testdata", "user_prices.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	merged.Merge(user)

	tp := Throughput{OutputTokensPerS: 8000, InputTokensPerS: 15000, TotalTokensPerS: 23000}
	good := tp
	good.GoodOutputTokensPerS = 6500
	cost := func(tp Throughput, o Options) Cost {
		t.Helper()
		c, err := merged.Estimate(tp, o)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	renders := []struct {
		name   string
		render func(w io.Writer) error
	}{
		{"catalog_table", builtin.WriteTable},
		{"catalog_json", builtin.WriteJSON},
		{"catalog_merged_table", merged.WriteTable},
		{"cost_catalog_table", cost(tp, Options{GPU: "h200", GPUs: 8, Tier: "on-demand", Provider: "nebius"}).WriteTable},
		{"cost_catalog_json", cost(tp, Options{GPU: "h200", GPUs: 8, Tier: "on-demand", Provider: "nebius"}).WriteJSON},
		{"cost_goodput_table", cost(good, Options{GPU: "h100", GPUs: 8, Tier: "hyperscaler"}).WriteTable},
		{"cost_goodput_json", cost(good, Options{GPU: "h100", GPUs: 8, Tier: "hyperscaler"}).WriteJSON},
		{"cost_user_price_table", cost(tp, Options{GPU: "TPU v5e", GPUs: 4, USDPerGPUHour: 1.2}).WriteTable},
		{"cost_user_price_json", cost(tp, Options{GPU: "TPU v5e", GPUs: 4, USDPerGPUHour: 1.2}).WriteJSON},
		{"cost_no_throughput_table", cost(Throughput{}, Options{GPU: "l4", GPUs: 1, Tier: "on-demand"}).WriteTable},
		{"cost_no_throughput_json", cost(Throughput{}, Options{GPU: "l4", GPUs: 1, Tier: "on-demand"}).WriteJSON},
	}
	for _, r := range renders {
		t.Run(r.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := r.render(&b); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, r.name, b.Bytes())
		})
	}
}
