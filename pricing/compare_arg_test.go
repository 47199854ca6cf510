package pricing

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestParseSweepArg(t *testing.T) {
	tests := []struct {
		name    string
		arg     string
		want    SweepArg
		wantErr string
	}{
		{name: "lower x", arg: "results/h100-sweep=h100x8", want: SweepArg{Dir: "results/h100-sweep", GPU: "h100", GPUs: 8}},
		{name: "no count is one GPU", arg: "results/mi300x=MI300X", want: SweepArg{Dir: "results/mi300x", GPU: "MI300X", GPUs: 1}},
		{name: "name ending in X", arg: "r=MI300Xx8", want: SweepArg{Dir: "r", GPU: "MI300X", GPUs: 8}},
		{name: "upper X", arg: "r=H200X4", want: SweepArg{Dir: "r", GPU: "H200", GPUs: 4}},
		{name: "times sign", arg: "r=h100×2", want: SweepArg{Dir: "r", GPU: "h100", GPUs: 2}},
		{name: "name with spaces", arg: "r=H100 SXM x8", want: SweepArg{Dir: "r", GPU: "H100 SXM", GPUs: 8}},
		{name: "name with digits", arg: "r=A100 80GB SXMx16", want: SweepArg{Dir: "r", GPU: "A100 80GB SXM", GPUs: 16}},
		{name: "space before the digits is a name", arg: "r=RTX 4090", want: SweepArg{Dir: "r", GPU: "RTX 4090", GPUs: 1}},
		{name: "directory holding =", arg: "results/tpot=50ms=h100x8", want: SweepArg{Dir: "results/tpot=50ms", GPU: "h100", GPUs: 8}},
		{name: "leading zeros", arg: "r=h100x08", want: SweepArg{Dir: "r", GPU: "h100", GPUs: 8}},
		{name: "largest count", arg: "r=h100x" + strconv.Itoa(MaxGPUsPerSweep), want: SweepArg{Dir: "r", GPU: "h100", GPUs: MaxGPUsPerSweep}},
		{name: "spaces trimmed", arg: " r = h100 x 8", want: SweepArg{Dir: "r", GPU: "h100 x 8", GPUs: 1}},

		{name: "no =", arg: "results/h100-sweep", wantErr: `argument "results/h100-sweep": want SWEEP=GPU[xN]`},
		{name: "no directory", arg: "=h100x8", wantErr: `argument "=h100x8": no sweep directory before "="`},
		{name: "no GPU", arg: "r=", wantErr: `argument "r=": no GPU type after "="`},
		{name: "count alone", arg: "r=x8", wantErr: `argument "r=x8": no GPU type after "="`},
		{name: "zero GPUs", arg: "r=h100x0", wantErr: `argument "r=h100x0": GPU count 0: want at least 1`},
		{name: "too many GPUs", arg: "r=h100x80000000", wantErr: `argument "r=h100x80000000": GPU count 80000000: want at most`},
		{name: "count overflows", arg: "r=h100x99999999999999999999999", wantErr: "GPU count 99999999999999999999999: want at most"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSweepArg(tt.arg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Arg = tt.arg
			if got != tt.want {
				t.Errorf("ParseSweepArg(%q) = %+v, want %+v", tt.arg, got, tt.want)
			}
		})
	}
}

func TestParseSweepArgs(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    int
		wantErr string
	}{
		{name: "three sweeps", args: []string{"a=h100x8", "b=h200x8", "c=MI300Xx8"}, want: 3},
		{name: "one sweep", args: []string{"a=h100"}, want: 1},
		{name: "none", args: nil, wantErr: "no sweep to compare"},
		{name: "count split off by the shell", args: []string{"a=h100x8", "b=MI300X", "x8"},
			wantErr: `argument "x8": looks like the GPU count of "b=MI300X", split off by the shell: write "b=MI300X x8" (quoted) or b=MI300Xx8`},
		{name: "count first is just bad syntax", args: []string{"x8"}, wantErr: `argument "x8": want SWEEP=GPU[xN]`},
		{name: "same sweep twice", args: []string{"results/a=h100x8", "results/./a=h200x8"},
			wantErr: `argument "results/./a=h200x8": sweep results/./a is already given as "results/a=h100x8"`},
		{name: "bad second argument named", args: []string{"a=h100x8", "b=h200x0"}, wantErr: `argument "b=h200x0"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSweepArgs(tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.want {
				t.Errorf("%d sweeps, want %d: %+v", len(got), tt.want, got)
			}
		})
	}
}

func TestResolveSweepArg(t *testing.T) {
	cat, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	// A GPU whose name reads as a count: RTX4090 would parse as RT x 4090.
	cat.Merge(&Catalog{GPUs: []GPU{{Name: "RTX4090", Prices: []Price{{Tier: "on-demand", Provider: "runpod", USDPerGPUHour: 0.69}}}}})
	tests := []struct {
		name     string
		arg      string
		wantGPU  string
		wantGPUs int
		wantErr  string
	}{
		{name: "alias to canonical", arg: "r=h100x8", wantGPU: "H100 SXM", wantGPUs: 8},
		{name: "spaced alias", arg: "r=H200 SXM x4", wantGPU: "H200", wantGPUs: 4},
		{name: "name that looks like a count", arg: "r=RTX4090", wantGPU: "RTX4090", wantGPUs: 1},
		{name: "name that looks like a count, with a count", arg: "r=RTX4090x2", wantGPU: "RTX4090", wantGPUs: 2},
		{name: "unknown", arg: "r=h900x8", wantErr: `argument "r=h900x8": GPU "h900" is not in the catalog; known: H100 SXM, H200`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseSweepArg(tt.arg)
			if err != nil {
				t.Fatal(err)
			}
			got, err := cat.ResolveSweepArg(a)
			if tt.wantErr != "" {
				var le *LookupError
				if !errors.As(err, &le) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want a LookupError containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.GPU != tt.wantGPU || got.GPUs != tt.wantGPUs || got.Dir != "r" {
				t.Errorf("resolved %+v, want %s x %d", got, tt.wantGPU, tt.wantGPUs)
			}
		})
	}
}

// FuzzParseSweepArg feeds arbitrary arguments: never a panic; an error
// names the package and quotes the argument; what is accepted has a
// directory, a GPU and a count in range, and prints (String) as an
// argument that parses back to the same sweep.
func FuzzParseSweepArg(f *testing.F) {
	for _, s := range []string{"results/h100-sweep=h100x8", "r=MI300Xx8", "r=H100 SXM x8", "r=h100×2", "a=b=c", "=", "r=x8",
		"r=h100x0", "r=h100x99999999999999999999", "r=a\nx5", "r= \u00a0x3", "r=\xffx1", "x8", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseSweepArg(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "pricing: argument "+strconv.Quote(s)) {
				t.Fatalf("error %q does not quote the argument", err)
			}
			return
		}
		if a.Dir == "" || strings.TrimSpace(a.GPU) == "" || a.GPUs < 1 || a.GPUs > MaxGPUsPerSweep || a.Arg != s {
			t.Fatalf("accepted %q as %+v", s, a)
		}
		b, err := ParseSweepArg(a.String())
		if err != nil {
			t.Fatalf("%q parsed as %+v, whose String %q does not parse: %v", s, a, a.String(), err)
		}
		if b.Dir != a.Dir || b.GPU != a.GPU || b.GPUs != a.GPUs {
			t.Fatalf("%q parsed as %+v, but its String %q parses as %+v", s, a, a.String(), b)
		}
	})
}
