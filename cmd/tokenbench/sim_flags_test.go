package main

import (
	"io"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/tokenbench/tokenbench/sim"
)

func TestSimFlags(t *testing.T) {
	tests := []struct {
		name    string
		taken   bool // the flag set already has --model, as `run` does
		args    []string
		check   func(t *testing.T, c sim.Config)
		wantErr string
	}{
		{name: "defaults", check: func(t *testing.T, c sim.Config) {
			if c != sim.DefaultConfig() {
				t.Errorf("config %+v, want the defaults", c)
			}
		}},
		{name: "profiles case-insensitive", args: []string{"--gpu", "h200", "--model", "Llama-3.1-70B", "--tp", "2", "--precision", "FP8"},
			check: func(t *testing.T, c sim.Config) {
				if c.GPU != "H200" || c.Model != "llama-3.1-70b" || c.TP != 2 || c.Precision != sim.FP8 {
					t.Errorf("config %+v", c)
				}
			}},
		{name: "speculative decoding and faults", args: []string{"--spec-tokens", "4", "--spec-acceptance", "0.7", "--faults", "reset=0.05,stall=0.01"},
			check: func(t *testing.T, c sim.Config) {
				if c.Spec.Tokens != 4 || c.Spec.Acceptance != 0.7 || c.Faults.Reset != 0.05 || c.Faults.Stall != 0.01 {
					t.Errorf("config %+v", c)
				}
			}},
		{name: "--model taken: --sim-model", taken: true, args: []string{"--sim-model", "qwen-2.5-7b", "--model", "whatever"},
			check: func(t *testing.T, c sim.Config) {
				if c.Model != "qwen-2.5-7b" {
					t.Errorf("model profile %q", c.Model)
				}
			}},
		{name: "unknown GPU", args: []string{"--gpu", "TPUv5"}, wantErr: `unknown GPU "TPUv5"`},
		{name: "bad precision", args: []string{"--precision", "int8"}, wantErr: "unknown precision"},
		{name: "bad faults", args: []string{"--faults", "reset=2"}, wantErr: `faults item 1 "reset=2"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			fs.SetOutput(io.Discard)
			var other string
			if tt.taken {
				fs.StringVar(&other, "model", "", "requests' model")
			}
			c := sim.DefaultConfig()
			addSimFlags(fs, &c)
			err := fs.Parse(tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
			if _, err := c.Resolve(); err != nil {
				t.Errorf("Resolve: %v", err)
			}
		})
	}
}
