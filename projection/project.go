package projection

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/tokenbench/tokenbench/internal/jsonline"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/pricing"
	"github.com/tokenbench/tokenbench/report"
	"github.com/tokenbench/tokenbench/sim"
)

// Options say what to project onto and how to price it; zero values take
// run.json's built-in engine, or the defaults named on each field.
type Options struct {
	GPU       string   // GPU type the run measured; default run.json's built-in engine
	To        []string // target GPU types (required)
	Model     string   // model profile; default run.json's
	TP        int      // tensor-parallel size of the measured replica; 0: run.json's or 1
	ToTP      int      // tensor-parallel size of a target replica; 0: TP
	Precision string   // weight precision; default run.json's, else bf16
	GPUs      int      // GPUs behind the measured endpoint; 0: one replica
	Tier      string   // price tier; "": every tier
	Provider  string   // price provider within Tier
	Price     float64  // also price every GPU at this USD per GPU-hour; 0: none
}

// OptionError is a projection the options make impossible (a GPU or model
// without a profile, weights that do not fit, a GPU count that is not a
// whole number of replicas): the command line is wrong, not the files.
type OptionError struct{ Err error }

func (e *OptionError) Error() string { return e.Err.Error() }
func (e *OptionError) Unwrap() error { return e.Err }

// CheckTolerance is how far the model may be off the measured throughput
// of the source before a note says so: the calibration of the built-in
// engine holds within 20% (sim's package doc).
const CheckTolerance = 0.20

// Project reads the run in dir (summary.json through report.ReadSummary,
// run.json for the built-in engine's configuration), projects its operating
// point onto every target GPU with the built-in engine's roofline, and
// prices the measured and the projected throughput at every price of cat
// that o selects.
func Project(dir string, cat *pricing.Catalog, o Options) (*Report, error) {
	sumPath := filepath.Join(dir, report.SummaryFile)
	s, err := report.ReadSummary(sumPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s not found: is %s a results directory? (tokenbench summarize %s rebuilds it from requests.jsonl)", sumPath, dir, dir)
	}
	if err != nil {
		return nil, err
	}
	measured, err := OperatingPointOf(sumPath, s)
	if err != nil {
		return nil, err
	}
	run, err := readRunEngine(dir)
	if err != nil {
		return nil, err
	}
	src, notes, err := o.sourceConfig(run)
	if err != nil {
		return nil, &OptionError{err}
	}
	gpus := o.GPUs
	if gpus == 0 {
		gpus = src.TP
		if run.Engine == nil {
			notes = append(notes, fmt.Sprintf("--gpus not given: the measured endpoint is taken as one replica of %d GPUs", gpus))
		}
	}
	if gpus%src.TP != 0 {
		return nil, &OptionError{fmt.Errorf("--gpus %d is not a whole number of replicas of --tp %d GPUs", gpus, src.TP)}
	}
	replicas := gpus / src.TP
	op := measured
	op.Concurrency /= float64(replicas)
	r := &Report{dir: dir, gpus: gpus, replicas: replicas, notes: notes, cat: cat, opts: o}
	for _, gpu := range o.To {
		dst := src
		dst.GPU, dst.TP = gpu, o.ToTP
		if dst.TP == 0 {
			dst.TP = src.TP
		}
		// The target derives its own KV cache and context from its memory.
		dst.KVCapacityTokens, dst.MaxModelLen = 0, 0
		p, err := sim.Project(src, dst, op)
		var pe *sim.ProjectError
		if errors.As(err, &pe) {
			return nil, &OptionError{err}
		}
		if err != nil {
			return nil, err
		}
		r.add(p)
	}
	if err := r.price(measured); err != nil {
		return nil, err
	}
	if dev := r.modelCheck() - 1; math.Abs(dev) > CheckTolerance {
		r.notes = append(r.notes, fmt.Sprintf("the model is %+.0f%% off the throughput measured on the source: the engine measured is not the one modelled "+
			"(its kernels, scheduler or the run's arrival pattern), and the projected figures carry that uncertainty", 100*dev))
	}
	return r, nil
}

// sourceConfig is the deployment the run measured: run.json's built-in
// engine when it has one, else the engine's defaults, with the options over
// it. Notes say what was assumed.
func (o Options) sourceConfig(run runEngine) (sim.Config, []string, error) {
	var notes []string
	c := sim.Config{}
	if run.Engine != nil {
		c = *run.Engine
	}
	recorded := c
	if o.GPU != "" {
		c.GPU = o.GPU
	} else if run.Engine == nil {
		return c, nil, errors.New("--gpu is required: run.json does not record the built-in engine, so name the GPU type the run measured")
	}
	switch {
	case o.Model != "":
		c.Model = o.Model
	case run.Engine != nil:
	case run.Model != "":
		if _, err := sim.LookupModel(run.Model); err != nil {
			return c, nil, fmt.Errorf("--model is required: run.json's model %q has no profile (known: %s)", run.Model, strings.Join(sim.ModelNames(), ", "))
		}
		c.Model = run.Model
	default:
		return c, nil, fmt.Errorf("--model is required (known: %s)", strings.Join(sim.ModelNames(), ", "))
	}
	if o.TP > 0 {
		c.TP = o.TP
	}
	if c.TP == 0 {
		c.TP = 1
	}
	if o.Precision != "" {
		c.Precision = sim.Precision(o.Precision)
	}
	if run.Engine != nil && (!sameGPU(c.GPU, recorded.GPU) || !sameModel(c.Model, recorded.Model) || c.TP != recorded.TP || c.Precision != recorded.Precision) {
		notes = append(notes, "flags override run.json's built-in engine: its KV cache and context are derived anew")
		c.KVCapacityTokens, c.MaxModelLen = 0, 0
		if c.Precision != recorded.Precision {
			c.KVPrecision = ""
		}
	}
	if run.Engine == nil {
		notes = append(notes, "run.json does not record the built-in engine: the source is modelled with its defaults (vLLM's scheduler limits) on the GPU and model named")
	}
	return c, notes, nil
}

// sameGPU and sameModel compare profile names as the engine reads them
// ("h100-sxm" is "H100").
func sameGPU(a, b string) bool {
	ga, erra := sim.LookupGPU(a)
	gb, errb := sim.LookupGPU(b)
	return erra == nil && errb == nil && ga.Name == gb.Name || strings.EqualFold(a, b)
}

func sameModel(a, b string) bool {
	ma, erra := sim.LookupModel(a)
	mb, errb := sim.LookupModel(b)
	return erra == nil && errb == nil && ma.Name == mb.Name || strings.EqualFold(a, b)
}

// runEngine is what projection takes from run.json.
type runEngine struct {
	// Model is the model id the run requested.
	Model string
	// Engine is the built-in engine's configuration when it was the target.
	Engine *sim.Config
}

// readRunEngine reads DIR/run.json as a bench.RunInfo, which may be
// absent; its engine, recorded as sim.Config, is decoded back into one.
// Errors name the file and line.
func readRunEngine(dir string) (runEngine, error) {
	path := filepath.Join(dir, bench.RunFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return runEngine{}, nil
	}
	if err != nil {
		return runEngine{}, err
	}
	var info bench.RunInfo
	if err := json.Unmarshal(b, &info); err != nil {
		return runEngine{}, fmt.Errorf("%s: %w", path, jsonline.Error(b, err))
	}
	r := runEngine{Model: info.Target.Model}
	if info.Target.Builtin && info.Engine != nil {
		b, err := json.Marshal(info.Engine)
		var c sim.Config
		if err == nil {
			err = json.Unmarshal(b, &c)
		}
		if err != nil {
			return runEngine{}, fmt.Errorf("%s: engine: %w", filepath.Join(dir, bench.RunFile), err)
		}
		r.Engine = &c
	}
	return r, nil
}

// OperatingPointOf is the operating point a summary measured: the mean
// lengths per successful request, the concurrency achieved, the output
// throughput and the p50 latencies. name labels errors, which name the
// field that cannot be projected.
func OperatingPointOf(name string, s *report.Summary) (sim.OperatingPoint, error) {
	if s.Requests.OK < 1 {
		return sim.OperatingPoint{}, fmt.Errorf("%s: requests.ok is %d: no successful request to project", name, s.Requests.OK)
	}
	n := float64(s.Requests.OK)
	op := sim.OperatingPoint{
		InputTokens: float64(s.Tokens.Input) / n, OutputTokens: float64(s.Tokens.Output) / n,
		Concurrency: s.ConcurrencyAchieved, OutputTokensPerS: s.Throughput.OutputTokensPerS,
	}
	if s.Tokens.Cached != nil {
		op.CachedInputTokens = float64(*s.Tokens.Cached) / n
	}
	if s.TPOTMS != nil {
		op.TPOTP50MS = s.TPOTMS.P50
	}
	if s.TTFTMS != nil {
		op.TTFTP50MS = s.TTFTMS.P50
	}
	for _, v := range []struct {
		field string
		x     float64
		ok    bool
	}{
		{"tokens.input", float64(s.Tokens.Input), op.InputTokens >= 0},
		{"tokens.output", float64(s.Tokens.Output), op.OutputTokens >= 1},
		{"tokens.cached", op.CachedInputTokens, op.CachedInputTokens >= 0 && op.CachedInputTokens <= op.InputTokens},
		{"throughput.output_tokens_per_s", op.OutputTokensPerS, op.OutputTokensPerS > 0},
		{"concurrency_achieved", op.Concurrency, op.Concurrency > 0},
		{"tpot_ms.p50", op.TPOTP50MS, op.TPOTP50MS >= 0},
		{"ttft_ms.p50", op.TTFTP50MS, op.TTFTP50MS >= 0},
	} {
		if !v.ok || math.IsInf(v.x, 0) || math.IsNaN(v.x) {
			return sim.OperatingPoint{}, fmt.Errorf("%s: %s is %v: cannot project it (want output tokens, throughput and concurrency above 0)", name, v.field, v.x)
		}
	}
	return op, nil
}

// priceQuotes are the prices of gpu on gpus GPUs, or why there are none.
func (o Options) priceQuotes(cat *pricing.Catalog, gpu string, gpus int) ([]pricing.PriceQuote, string, error) {
	qs, err := cat.Quotes(pricing.Options{GPU: gpu, GPUs: gpus, Tier: o.Tier, Provider: o.Provider, USDPerGPUHour: o.Price})
	var le *pricing.LookupError
	if errors.As(err, &le) {
		return nil, err.Error(), nil
	}
	return qs, "", err
}
