package pricing

import (
	"errors"
	"strings"
	"testing"
)

func TestLookup(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name                string
		gpu, tier, provider string
		want                float64
		wantGPU             string
		wantErr             []string // substrings of a *LookupError's message
	}{
		{name: "canonical name", gpu: "H100 SXM", tier: "hyperscaler", want: 1.30, wantGPU: "H100 SXM"},
		{name: "alias, any case", gpu: "h100", tier: "hyperscaler", want: 1.30, wantGPU: "H100 SXM"},
		{name: "spacing and dashes ignored", gpu: "h100-sxm", tier: "Rental_3y", want: 1.30, wantGPU: "H100 SXM"},
		{name: "single provider implied", gpu: "MI355X", tier: "neocloud", want: 1.90, wantGPU: "MI355X"},
		{name: "provider given", gpu: "h200", tier: "on-demand", provider: "AWS", want: 7.91, wantGPU: "H200"},
		{name: "market given explicitly", gpu: "b200", tier: "rental-3y", provider: "market", want: 2.90, wantGPU: "B200"},
		{name: "A100 alias", gpu: "a100", tier: "on-demand", provider: "runpod", want: 1.89, wantGPU: "A100 80GB SXM"},
		{name: "unknown GPU lists the known ones", gpu: "H900", tier: "hyperscaler",
			wantErr: []string{`GPU "H900" is not in the catalog`, "known: H100 SXM, H200, B200, GB200, A100 80GB SXM, L40S, L4, MI300X, MI325X, MI355X"}},
		{name: "unknown tier lists tiers with providers", gpu: "L4", tier: "hyperscaler",
			wantErr: []string{`L4 has no price in tier "hyperscaler"`, "tiers (providers): on-demand (runpod)"}},
		{name: "ambiguous provider lists them", gpu: "H100", tier: "on-demand",
			wantErr: []string{"H100 SXM on-demand has 5 providers, pick one: aws, azure, lambda, runpod, nebius"}},
		{name: "unknown provider lists them", gpu: "MI300X", tier: "on-demand", provider: "gcp",
			wantErr: []string{`MI300X on-demand has no price from provider "gcp"; providers: azure, runpod`}},
		{name: "empty GPU", gpu: "", tier: "hyperscaler", wantErr: []string{`GPU "" is not in the catalog`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := c.Lookup(tt.gpu, tt.tier, tt.provider)
			if tt.wantErr != nil {
				var le *LookupError
				if !errors.As(err, &le) {
					t.Fatalf("error %v (%T), want a *LookupError", err, err)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q, want it to contain %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.USDPerGPUHour != tt.want {
				t.Errorf("price %v, want %v", p.USDPerGPUHour, tt.want)
			}
			if g, _ := c.FindGPU(tt.gpu); g.Name != tt.wantGPU {
				t.Errorf("GPU %q, want %q", g.Name, tt.wantGPU)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"H100 SXM", "h100sxm"},
		{" h100-sxm_ ", "h100sxm"},
		{"rental-3y", "rental3y"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := normalize(tt.in); got != tt.want {
			t.Errorf("normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
