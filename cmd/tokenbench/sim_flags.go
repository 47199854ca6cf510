package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/tokenbench/tokenbench/sim"
)

// simFlags are the built-in engine's flags as registered on one flag set.
type simFlags struct {
	names   []string // every flag registered, deprecated ones included
	speedup string   // --speedup, or --sim-speedup on run
	old     string   // its deprecated alias, --time-scale or --sim-time-scale
}

// addSimFlags registers the built-in engine's flags on fs, bound to c (whose
// values are the defaults shown). A flag whose name fs already has is left
// to its owner, except --model: where it is taken (by `run`, for the
// requests' model), the engine's flags that could be mistaken for run's
// are prefixed: the model profile is --sim-model and the speed-up
// --sim-speedup.
func addSimFlags(fs *pflag.FlagSet, c *sim.Config) *simFlags {
	sf := &simFlags{speedup: "speedup", old: "time-scale"}
	def := func(name string, add func(name string)) {
		if fs.Lookup(name) == nil {
			add(name)
			sf.names = append(sf.names, name)
		}
	}
	modelFlag := "model"
	if fs.Lookup(modelFlag) != nil {
		modelFlag = "sim-model"
		sf.speedup, sf.old = "sim-speedup", "sim-time-scale"
	}
	def(modelFlag, func(n string) {
		fs.Var(&profileValue{&c.Model, lookupModelName}, n, "model profile, case-insensitive: "+strings.Join(sim.ModelNames(), ", "))
	})
	def("gpu", func(n string) {
		fs.Var(&profileValue{&c.GPU, lookupGPUName}, n, "GPU profile, case-insensitive: "+strings.Join(sim.GPUNames(), ", "))
	})
	def("served-model-name", func(n string) {
		fs.StringVar(&c.ServedModelName, n, c.ServedModelName, "model id of the API (default: the model profile's name)")
	})
	def("tp", func(n string) { fs.IntVar(&c.TP, n, c.TP, "tensor-parallel degree: GPUs per replica") })
	def("precision", func(n string) {
		fs.Var(&precisionValue{&c.Precision}, n, "weight precision: bf16, fp8 or fp4")
	})
	def("kv-precision", func(n string) {
		fs.Var(&precisionValue{&c.KVPrecision}, n, "KV cache precision: bf16 or fp8 (default: bf16 for bf16 weights, else fp8)")
	})
	def("gpu-memory-utilization", func(n string) {
		fs.Float64Var(&c.GPUMemoryUtilization, n, c.GPUMemoryUtilization, "share of HBM for weights and KV cache")
	})
	def("max-batch", func(n string) { fs.IntVar(&c.MaxBatch, n, c.MaxBatch, "maximum running sequences") })
	def("token-budget", func(n string) {
		fs.IntVar(&c.TokenBudget, n, c.TokenBudget, "maximum tokens per step (chunked prefill)")
	})
	def("max-model-len", func(n string) {
		fs.IntVar(&c.MaxModelLen, n, c.MaxModelLen, "context limit in tokens (0: the model's, or the KV cache if smaller)")
	})
	def("kv-tokens", func(n string) {
		fs.IntVar(&c.KVCapacityTokens, n, c.KVCapacityTokens, "KV cache capacity in tokens (0: derived from HBM minus weights)")
	})
	def("block-size", func(n string) { fs.IntVar(&c.BlockSize, n, c.BlockSize, "KV cache block size in tokens") })
	def("no-evict", func(n string) {
		fs.BoolVar(&c.NoEvict, n, c.NoEvict, "reserve each sequence's whole KV up front and never preempt (TensorRT-LLM style)")
	})
	def("no-prefix-cache", func(n string) { fs.BoolVar(&c.NoPrefixCache, n, c.NoPrefixCache, "turn prefix caching off") })
	def("spec-tokens", func(n string) {
		fs.IntVar(&c.Spec.Tokens, n, c.Spec.Tokens, "speculative decoding: draft tokens per step (0: off)")
	})
	def("spec-acceptance", func(n string) {
		fs.Float64Var(&c.Spec.Acceptance, n, c.Spec.Acceptance, "speculative decoding: probability each draft position is accepted")
	})
	def("spec-draft-cost", func(n string) {
		fs.Float64Var(&c.Spec.DraftCost, n, c.Spec.DraftCost, fmt.Sprintf("speculative decoding: cost of one draft token as a share of a decode step (0: %g)", sim.DefaultDraftCost))
	})
	def("faults", func(n string) {
		fs.Var(&c.Faults, n, "per-request fault probabilities, e.g. reset=0.05,http_500=0.02,http_429=0.02,stall=0.01,malformed=0.01,truncated=0.01")
	})
	def("mfu", func(n string) {
		fs.Float64Var(&c.Timing.MFU, n, c.Timing.MFU, "share of peak FLOPS reached when compute-bound")
	})
	def("mbu", func(n string) {
		fs.Float64Var(&c.Timing.MBU, n, c.Timing.MBU, "share of HBM bandwidth reached when memory-bound")
	})
	def("overlap", func(n string) {
		fs.Float64Var(&c.Timing.Overlap, n, c.Timing.Overlap, "share of a kernel's shorter compute or memory time hidden under the longer")
	})
	def("step-base", func(n string) {
		fs.DurationVar(&c.Timing.StepBase, n, c.Timing.StepBase, "fixed overhead of every step")
	})
	def("decode-per-seq", func(n string) {
		fs.DurationVar(&c.Timing.DecodePerSeq, n, c.Timing.DecodePerSeq, "overhead per sequence per step")
	})
	def("api-key", func(n string) {
		fs.StringArrayVar(&c.APIKeys, n, nil, "bearer token the /v1 routes require (repeatable; none: open), as vLLM's --api-key; never written anywhere")
	})
	def(sf.speedup, func(n string) {
		fs.Var(&speedupValue{&c.TimeScale}, n, "run the engine this many times faster than the GPUs it models (10: a 1 s step takes 0.1 s); its reported times are then 1/N of the GPUs'")
	})
	def(sf.old, func(n string) {
		fs.Var(&timeScaleValue{&c.TimeScale}, n, "deprecated: use --"+sf.speedup+" (--"+n+" X is --"+sf.speedup+" 1/X)")
		fs.MarkHidden(n)
	})
	addSimFileFlags(fs, c, sf)
	return sf
}

// check refuses engine flags given with a URL, where no built-in engine
// runs (url says where the URL came from), and --speedup given with its
// deprecated alias; it returns a warning for the alias alone.
func (sf *simFlags) check(fs *pflag.FlagSet, url string) (warning string, err error) {
	if url != "" {
		var given []string
		for _, n := range sf.names {
			if fs.Changed(n) {
				given = append(given, "--"+n)
			}
		}
		if len(given) > 0 {
			return "", fmt.Errorf("built-in engine flags (%s) have no effect with %s: drop them, or drop the URL to run the built-in engine",
				strings.Join(given, ", "), url)
		}
	}
	if !fs.Changed(sf.old) {
		return "", nil
	}
	if fs.Changed(sf.speedup) {
		return "", fmt.Errorf("--%s and --%s (deprecated) both set the engine's speed: give --%s only", sf.speedup, sf.old, sf.speedup)
	}
	ts := fs.Lookup(sf.old).Value.String()
	return fmt.Sprintf("--%s is deprecated and will be removed: --%s %s is --%s %s (the engine runs %s times faster than the GPUs it models)",
		sf.old, sf.old, ts, sf.speedup, fs.Lookup(sf.speedup).Value.String(), fs.Lookup(sf.speedup).Value.String()), nil
}

// speedupValue is a speed-up factor N > 0 stored as the engine's time
// scale 1/N.
type speedupValue struct{ scale *float64 }

func (v *speedupValue) String() string {
	if v.scale == nil || *v.scale == 0 {
		return "1"
	}
	return strconv.FormatFloat(1 / *v.scale, 'g', 6, 64)
}
func (v *speedupValue) Type() string { return "factor" }
func (v *speedupValue) Set(s string) error {
	f, err := positive(s)
	if err != nil {
		return err
	}
	*v.scale = 1 / f
	return nil
}

// timeScaleValue is the deprecated time scale: a multiplier of every
// step's duration (0.1: ten times faster).
type timeScaleValue struct{ scale *float64 }

func (v *timeScaleValue) String() string { return strconv.FormatFloat(*v.scale, 'g', 6, 64) }
func (v *timeScaleValue) Type() string   { return "scale" }
func (v *timeScaleValue) Set(s string) error {
	f, err := positive(s)
	if err != nil {
		return err
	}
	*v.scale = f
	return nil
}

func positive(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || !(f > 0) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("want a positive number, got %q", s)
	}
	return f, nil
}

func lookupGPUName(s string) (string, error) {
	g, err := sim.LookupGPU(s)
	return g.Name, err
}

func lookupModelName(s string) (string, error) {
	m, err := sim.LookupModel(s)
	return m.Name, err
}

// profileValue is a flag naming a GPU or model profile: checked when
// parsed, stored under its canonical name.
type profileValue struct {
	v      *string
	lookup func(string) (string, error)
}

func (p *profileValue) String() string { return *p.v }
func (p *profileValue) Type() string   { return "name" }
func (p *profileValue) Set(s string) error {
	name, err := p.lookup(s)
	if err != nil {
		return err
	}
	*p.v = name
	return nil
}

// precisionValue is a flag naming a precision.
type precisionValue struct{ v *sim.Precision }

func (p *precisionValue) String() string { return string(*p.v) }
func (p *precisionValue) Type() string   { return "precision" }
func (p *precisionValue) Set(s string) error {
	v, err := sim.ParsePrecision(s)
	if err != nil {
		return err
	}
	*p.v = v
	return nil
}
