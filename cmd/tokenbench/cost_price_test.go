package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCostPriceChecks: every cost command refuses the same prices with the
// same words and exit 2 (pricing.CheckPrice), before reading any file:
// NaN, +-Inf, negative, zero (the catalog is chosen by leaving --price
// out) and absurd. cost compare takes no --price: its one number, the
// target interactivity, is checked the same way in cost and cost compare.
func TestCostPriceChecks(t *testing.T) {
	commands := []struct {
		name string
		args []string // valid but for the value under test, appended last
		flag string
	}{
		{"cost", []string{"cost", "no/such/dir", "--gpu", "h100", "--gpus", "1"}, "--price"},
		{"cost plan", append([]string{"cost", "plan", "no/such/dir"}, planArgs...), "--price"},
		{"cost project", []string{"cost", "project", "no/such/dir", "--to", "H200"}, "--price"},
		{"cost (sweep)", []string{"cost", "no/such/dir", "--gpu", "h100", "--gpus", "1", "--tier", "hyperscaler"}, "--interactivity"},
		{"cost compare", []string{"cost", "compare", "no/such/dir=h100x8"}, "--interactivity"},
	}
	values := []struct {
		v       string
		printed string // as the message prints it
	}{
		{"NaN", "NaN"}, {"Inf", "+Inf"}, {"-Inf", "-Inf"}, {"-1", "-1"}, {"0", "0"},
	}
	for _, c := range commands {
		vals := values
		if c.flag == "--price" {
			vals = append(vals, struct{ v, printed string }{"2e6", "2e+06"})
		}
		for _, v := range vals {
			t.Run(c.name+" "+c.flag+" "+v.v, func(t *testing.T) {
				f, _, errb, _ := testFactory(nil)
				code := execute(f, NewCmdCost(f, nil), append(append([]string{}, c.args...), c.flag, v.v)...)
				want := "--price: price " + v.printed + " USD per GPU-hour: want a finite number > 0 and at most 1000000"
				if c.flag == "--interactivity" {
					want = "--interactivity must be a finite number of output tokens/s per user > 0, got " + v.printed
				}
				if code != ExitUsage || !strings.Contains(errb.String(), want) {
					t.Errorf("exit %d, stderr %q; want exit 2 and %q", code, errb, want)
				}
			})
		}
		// A good value passes the flag checks: the command goes on to read
		// the (missing) directory and fails there, exit 1.
		good := "2.10"
		if c.flag == "--interactivity" {
			good = "50"
		}
		t.Run(c.name+" "+c.flag+" "+good, func(t *testing.T) {
			f, _, errb, _ := testFactory(nil)
			code := execute(f, NewCmdCost(f, nil), append(append([]string{}, c.args...), c.flag, good)...)
			if code != ExitError || strings.Contains(errb.String(), c.flag) {
				t.Errorf("exit %d, stderr %q; want exit 1 for the missing directory", code, errb)
			}
		})
		// --provider without --tier: the same words everywhere.
		t.Run(c.name+" provider without tier", func(t *testing.T) {
			f, _, errb, _ := testFactory(nil)
			args := append([]string{}, c.args...)
			for i := 0; i+1 < len(args); i++ {
				if args[i] == "--tier" {
					args = append(args[:i], args[i+2:]...)
				}
			}
			code := execute(f, NewCmdCost(f, nil), append(args, c.flag, good, "--provider", "aws")...)
			if code != ExitUsage || !strings.Contains(errb.String(), "--provider needs --tier") {
				t.Errorf("exit %d, stderr %q; want exit 2 and --provider needs --tier", code, errb)
			}
		})
	}
}

// TestCostPricesFileChecked: a prices file's price goes through the same
// rule in every cost command, the error naming the file and line.
func TestCostPricesFileChecked(t *testing.T) {
	dir := t.TempDir()
	prices := filepath.Join(dir, "prices.yaml")
	if err := os.WriteFile(prices, []byte("gpus:\n  - name: h100\n    prices:\n      - {tier: hyperscaler, provider: market, usd_per_gpu_hour: .inf}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"cost", "no/such/dir", "--gpu", "h100", "--gpus", "1", "--tier", "hyperscaler"},
		append([]string{"cost", "plan", "no/such/dir"}, planArgs...),
		{"cost", "project", "no/such/dir", "--to", "H200"},
		{"cost", "compare", "--interactivity", "50", "no/such/dir=h100x8"},
	} {
		f, _, errb, _ := testFactory(nil)
		code := execute(f, NewCmdCost(f, nil), append(args, "--prices", prices)...)
		if code != ExitError || !strings.Contains(errb.String(), "prices.yaml line 4: gpus[0] (h100) prices[0]: usd_per_gpu_hour: price +Inf USD per GPU-hour") {
			t.Errorf("%v: exit %d, stderr %q; want exit 1 naming the file's line 4", args[:2], code, errb)
		}
	}
}
