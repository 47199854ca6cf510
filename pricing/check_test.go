package pricing

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// TestCheckPrice: one rule for every price: finite, > 0, at most
// MaxUSDPerGPUHour.
func TestCheckPrice(t *testing.T) {
	tests := []struct {
		v    float64
		want string // "" accepts
	}{
		{2.10, ""},
		{0.01, ""},
		{MaxUSDPerGPUHour, ""},
		{math.SmallestNonzeroFloat64, ""},
		{0, "price 0 USD per GPU-hour: want a finite number > 0 and at most 1000000"},
		{-1, "price -1 USD"},
		{math.Copysign(0, -1), "price -0 USD"},
		{math.NaN(), "price NaN USD"},
		{math.Inf(1), "price +Inf USD"},
		{math.Inf(-1), "price -Inf USD"},
		{MaxUSDPerGPUHour * (1 + 1e-15), "at most 1000000"},
		{math.MaxFloat64, "price 1.7976931348623157e+308 USD"},
	}
	for _, tt := range tests {
		err := CheckPrice(tt.v)
		if tt.want == "" {
			if err != nil {
				t.Errorf("CheckPrice(%v) = %v, want nil", tt.v, err)
			}
			continue
		}
		var pe *PriceError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.want) || strings.HasPrefix(err.Error(), "pricing:") {
			t.Errorf("CheckPrice(%v) = %v, want a *PriceError saying %q (no package prefix)", tt.v, err, tt.want)
		}
	}
}

// TestPriceChecksAgree: the quote and cost functions refuse what
// CheckPrice refuses, so no path computes with a price the flags refuse.
func TestPriceChecksAgree(t *testing.T) {
	cat, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	tp := Throughput{OutputTokensPerS: 1000, TotalTokensPerS: 2000}
	for _, v := range []float64{-1, math.NaN(), math.Inf(1), 2e6} {
		if _, err := cat.Quote(Options{GPU: "h100", GPUs: 1, USDPerGPUHour: v}); err == nil {
			t.Errorf("Quote took price %v", v)
		}
		if _, err := cat.Quotes(Options{GPU: "h100", GPUs: 1, USDPerGPUHour: v}); err == nil {
			t.Errorf("Quotes took price %v", v)
		}
		if _, err := CostPerMTok(v, 1, 1000); err == nil {
			t.Errorf("CostPerMTok took price %v", v)
		}
		if _, err := NewCost(tp, Quote{GPU: "x", GPUs: 1, USDPerGPUHour: v}); err == nil {
			t.Errorf("NewCost took price %v", v)
		}
	}
}

func TestCheckInteractivityAndSelection(t *testing.T) {
	for _, v := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		var oe *OptionError
		if err := CheckInteractivity(v); !errors.As(err, &oe) {
			t.Errorf("CheckInteractivity(%v) = %v, want an *OptionError", v, err)
		}
	}
	if err := CheckInteractivity(50); err != nil {
		t.Errorf("CheckInteractivity(50) = %v", err)
	}
	var le *LookupError
	if err := CheckSelection("", "aws"); !errors.As(err, &le) || !strings.Contains(err.Error(), `provider "aws" given without a tier`) {
		t.Errorf("provider without tier: %v", err)
	}
	for _, c := range [][2]string{{"", ""}, {"on-demand", ""}, {"on-demand", "aws"}} {
		if err := CheckSelection(c[0], c[1]); err != nil {
			t.Errorf("CheckSelection(%q, %q) = %v", c[0], c[1], err)
		}
	}
}
