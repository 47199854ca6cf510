package main

import (
	"io"
	"reflect"
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
			if !reflect.DeepEqual(c, sim.DefaultConfig()) {
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
		{name: "speedup", args: []string{"--speedup", "10", "--api-key", "a", "--api-key", "b"},
			check: func(t *testing.T, c sim.Config) {
				if c.TimeScale != 0.1 || !reflect.DeepEqual(c.APIKeys, []string{"a", "b"}) {
					t.Errorf("time scale %v keys %v, want 0.1 and [a b]", c.TimeScale, c.APIKeys)
				}
			}},
		{name: "deprecated time scale", args: []string{"--time-scale", "0.25"},
			check: func(t *testing.T, c sim.Config) {
				if c.TimeScale != 0.25 {
					t.Errorf("time scale %v, want 0.25", c.TimeScale)
				}
			}},
		{name: "run: --sim-speedup", taken: true, args: []string{"--sim-speedup", "4"},
			check: func(t *testing.T, c sim.Config) {
				if c.TimeScale != 0.25 {
					t.Errorf("time scale %v, want 0.25", c.TimeScale)
				}
			}},
		{name: "speedup zero", args: []string{"--speedup", "0"}, wantErr: "want a positive number"},
		{name: "speedup not a number", args: []string{"--speedup", "fast"}, wantErr: "want a positive number"},
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

func TestSimFlagsCheck(t *testing.T) {
	tests := []struct {
		name        string
		taken       bool
		args        []string
		url         string
		wantWarning string
		wantErr     string
	}{
		{name: "nothing"},
		{name: "engine flags without a URL", taken: true, args: []string{"--gpu", "B200", "--sim-model", "llama-3.1-70b"}},
		{name: "engine flags with a URL", taken: true, args: []string{"--gpu", "B200", "--sim-model", "llama-3.1-70b", "--model", "m"},
			url: "--url http://h/v1", wantErr: "built-in engine flags (--sim-model, --gpu) have no effect with --url http://h/v1"},
		{name: "run's own flags with a URL", taken: true, args: []string{"--model", "m"}, url: "--url http://h/v1"},
		{name: "deprecated alias", args: []string{"--time-scale", "0.1"},
			wantWarning: "--time-scale is deprecated and will be removed: --time-scale 0.1 is --speedup 10"},
		{name: "run's deprecated alias", taken: true, args: []string{"--sim-time-scale", "0.5"},
			wantWarning: "--sim-time-scale 0.5 is --sim-speedup 2"},
		{name: "both", args: []string{"--time-scale", "0.1", "--speedup", "10"}, wantErr: "give --speedup only"},
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
			sf := addSimFlags(fs, &c)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			warning, err := sf.check(fs, tt.url)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (tt.wantWarning == "") != (warning == "") || !strings.Contains(warning, tt.wantWarning) {
				t.Errorf("warning %q, want %q", warning, tt.wantWarning)
			}
		})
	}
}
