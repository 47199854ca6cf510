package main

import (
	"strings"
	"testing"
)

func TestPricingListFlagParsing(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     PricingListOptions
	}{
		{name: "defaults", args: nil, want: PricingListOptions{Output: "table"}},
		{name: "json with prices", args: []string{"--prices", "p.yaml", "-o", "json"}, want: PricingListOptions{PricesFile: "p.yaml", Output: "json"}},
		{name: "bad output", args: []string{"-o", "yaml"}, wantCode: ExitUsage},
		{name: "stray argument", args: []string{"h100"}, wantCode: ExitError},
		{name: "unknown flag", args: []string{"--gpu", "h100"}, wantCode: ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, errb, _ := testFactory(nil)
			var got *PricingListOptions
			code := execute(f, NewCmdPricing(f, func(o *PricingListOptions) error { got = o; return nil }), append([]string{"pricing", "list"}, tt.args...)...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tt.wantCode, errb)
			}
			if tt.wantCode == 0 && *got != tt.want {
				t.Errorf("options %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func TestPricingListGolden(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"pricing_list_table", nil},
		{"pricing_list_json", []string{"--output", "json"}},
		{"pricing_list_prices_file_table", []string{"--prices", "testdata/prices.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, out, errb, _ := testFactory(nil)
			if code := execute(f, NewCmdPricing(f, nil), append([]string{"pricing", "list"}, tt.args...)...); code != 0 {
				t.Fatalf("exit %d: %s", code, errb)
			}
			checkGolden(t, tt.name, out.Bytes())
		})
	}
}

func TestPricingListBadFile(t *testing.T) {
	f, _, errb, _ := testFactory(nil)
	code := execute(f, NewCmdPricing(f, nil), "pricing", "list", "--prices", "testdata/prices_typo.yaml")
	if code != ExitError || !strings.Contains(errb.String(), "testdata/prices_typo.yaml line 4: unknown field \"usd_per_hour\" in a price entry") {
		t.Errorf("exit %d, stderr %q", code, errb)
	}
}
