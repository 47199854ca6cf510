package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/pricing"
	"github.com/tokenbench/tokenbench/sim"
)

// CostProjectOptions are the flags of `tokenbench cost project`.
type CostProjectOptions struct {
	Dir        string
	GPU        string // source GPU; default from run.json's built-in engine
	To         []string
	Model      string
	TP         int // source tensor-parallel size; 0: run.json's or 1
	ToTP       int // target tensor-parallel size; 0: TP
	Precision  string
	GPUs       int // GPUs behind the measured endpoint; 0: one replica
	Tier       string
	Provider   string
	Price      float64
	PricesFile string
	Output     string
}

// NewCmdCostProject builds `tokenbench cost project`; runF replaces the
// action in tests.
func NewCmdCostProject(f *Factory, runF func(*CostProjectOptions) error) *cobra.Command {
	o := &CostProjectOptions{}
	cmd := &cobra.Command{
		Use:   "project DIR --to GPU[,GPU...] [--gpu GPU] [--model NAME]",
		Short: "Project a measured run onto other GPU types with the built-in engine's roofline (projected, not measured)",
		Long: `Project what a run measured (DIR/summary.json) onto other GPU types. The projection is a
model, not a measurement: the built-in engine's roofline models the run's operating point
(its concurrency as the batch, its mean input and output lengths) on the GPU it ran on and on
each target, and the measured figures are scaled by the modelled ratios:

  projected output tokens/s = measured * modelled throughput on target / on source
  projected TPOT p50        = measured * modelled decode step on target / on source
  projected TTFT p50        = measured * modelled prefill on target / on source

The output shows, for each GPU, how much of the modelled decode step and prefill is bound by
memory bandwidth and how much by compute, which is why the ratios differ from the datasheet
ratios. Every projected figure says "projected"; the measured ones are shown apart.

When DIR/run.json records the built-in engine, its configuration is the source (flags
override it); otherwise give --gpu and --model (a model profile of tokenbench sim). --gpus
counts the GPUs behind the measured endpoint (replicas times --tp; default one replica); the
targets keep as many replicas of --to-tp GPUs each. Cost per 1M output tokens uses the
catalog's prices of each GPU (narrowed by --tier and --provider; --price adds a rate for every
GPU), each figure with its price source and GPU count.`,
		Example: `  tokenbench cost project results/sim-c16 --to H200,B200
  tokenbench cost project results/vllm-c32 --gpu H100 --model llama-3.1-8b --to H200,B200,MI300X --tier hyperscaler
  tokenbench cost project results/vllm-70b --gpu H100 --tp 4 --gpus 8 --model llama-3.3-70b --precision fp8 \
      --to B200 --to-tp 2 --tier on-demand --provider nebius -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Dir = args[0]
			if err := o.validate(); err != nil {
				return usageError{err}
			}
			if runF != nil {
				return runF(o)
			}
			return costProjectRun(f, o)
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&o.To, "to", nil, "target GPU types, comma-separated: "+strings.Join(sim.GPUNames(), ", ")+" (required)")
	fl.StringVar(&o.GPU, "gpu", "", "GPU type the run measured (default: run.json's built-in engine)")
	fl.StringVar(&o.Model, "model", "", "model profile: "+strings.Join(sim.ModelNames(), ", ")+" (default: run.json's)")
	fl.IntVar(&o.TP, "tp", 0, "tensor-parallel size of the measured replica (default: run.json's, else 1)")
	fl.IntVar(&o.ToTP, "to-tp", 0, "tensor-parallel size of a target replica (default: --tp)")
	fl.StringVar(&o.Precision, "precision", "", "weight precision: bf16, fp8 or fp4 (default: run.json's, else bf16)")
	fl.IntVar(&o.GPUs, "gpus", 0, "GPUs behind the measured endpoint, all replicas and ranks (default: one replica, --tp)")
	addPriceFlags(fl, &o.Tier, &o.Provider, &o.Price, "also price every GPU at this USD per GPU-hour", &o.PricesFile, &o.Output)
	return cmd
}

// validate checks the flags alone; the profiles and the catalog check the
// names.
func (o *CostProjectOptions) validate() error {
	var to []string
	for _, g := range o.To {
		if g = strings.TrimSpace(g); g != "" {
			to = append(to, g)
		}
	}
	o.To = to
	switch {
	case len(o.To) == 0:
		return fmt.Errorf("--to is required: the GPU types to project onto (%s)", strings.Join(sim.GPUNames(), ", "))
	case o.TP < 0 || o.ToTP < 0:
		return fmt.Errorf("--tp and --to-tp must be at least 1, got %d and %d", o.TP, o.ToTP)
	case o.GPUs < 0:
		return fmt.Errorf("--gpus must be at least 1, got %d", o.GPUs)
	case o.Price < 0 || math.IsNaN(o.Price) || math.IsInf(o.Price, 0):
		return fmt.Errorf("--price must be a positive USD per GPU-hour, got %v", o.Price)
	case o.Provider != "" && o.Tier == "":
		return errors.New("--provider needs --tier")
	case o.Output != "table" && o.Output != "json":
		return fmt.Errorf("--output must be table or json, got %q", o.Output)
	}
	if o.Precision != "" {
		p, err := sim.ParsePrecision(o.Precision)
		if err != nil {
			return fmt.Errorf("--precision: %w", err)
		}
		o.Precision = string(p)
	}
	return nil
}

func costProjectRun(f *Factory, o *CostProjectOptions) error {
	sumPath := filepath.Join(o.Dir, "summary.json")
	b, err := os.ReadFile(sumPath)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s not found: is %s a results directory? (tokenbench summarize %s rebuilds it from requests.jsonl)", sumPath, o.Dir, o.Dir)
	}
	if err != nil {
		return err
	}
	measured, err := parseSummaryPoint(sumPath, b)
	if err != nil {
		return err
	}
	run, err := readProjRunEngine(o.Dir)
	if err != nil {
		return err
	}
	src, notes, err := o.sourceConfig(run)
	if err != nil {
		return usageError{err}
	}
	gpus := o.GPUs
	if gpus == 0 {
		gpus = src.TP
		if run.Engine == nil {
			notes = append(notes, fmt.Sprintf("--gpus not given: the measured endpoint is taken as one replica of %d GPUs", gpus))
		}
	}
	if gpus%src.TP != 0 {
		return usageError{fmt.Errorf("--gpus %d is not a whole number of replicas of --tp %d GPUs", gpus, src.TP)}
	}
	replicas := gpus / src.TP
	op := measured
	op.Concurrency /= float64(replicas)
	cat, err := loadCatalog(o.PricesFile)
	if err != nil {
		return err
	}
	r := projectReport{dir: o.Dir, gpus: gpus, replicas: replicas, notes: notes, cat: cat, opts: o}
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
			return usageError{err}
		}
		if err != nil {
			return err
		}
		r.add(p)
	}
	if err := r.price(measured); err != nil {
		return err
	}
	if dev := r.modelCheck() - 1; math.Abs(dev) > projectCheckTolerance {
		r.notes = append(r.notes, fmt.Sprintf("the model is %+.0f%% off the throughput measured on the source: the engine measured is not the one modelled "+
			"(its kernels, scheduler or the run's arrival pattern), and the projected figures carry that uncertainty", 100*dev))
	}
	if o.Output == "json" {
		return r.writeJSON(f.Out)
	}
	return r.writeTable(f.Out)
}

// projectCheckTolerance is how far the model may be off the measured
// throughput of the source before a note says so: the calibration of the
// built-in engine holds within 20% (sim's package doc).
const projectCheckTolerance = 0.20

// sourceConfig is the deployment the run measured: run.json's built-in
// engine when it has one, else the engine's defaults, with the flags over
// it. Notes say what was assumed.
func (o *CostProjectOptions) sourceConfig(run projRunEngine) (sim.Config, []string, error) {
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
	if run.Engine != nil && (!projSameGPU(c.GPU, recorded.GPU) || !projSameModel(c.Model, recorded.Model) || c.TP != recorded.TP || c.Precision != recorded.Precision) {
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

// projSameGPU and projSameModel compare profile names as the engine reads
// them ("h100-sxm" is "H100").
func projSameGPU(a, b string) bool {
	ga, erra := sim.LookupGPU(a)
	gb, errb := sim.LookupGPU(b)
	return erra == nil && errb == nil && ga.Name == gb.Name || strings.EqualFold(a, b)
}

func projSameModel(a, b string) bool {
	ma, erra := sim.LookupModel(a)
	mb, errb := sim.LookupModel(b)
	return erra == nil && errb == nil && ma.Name == mb.Name || strings.EqualFold(a, b)
}

// projRunEngine is the part of run.json that project reads.
type projRunEngine struct {
	// Model is the model id the run requested.
	Model string
	// Engine is the built-in engine's configuration when it was the target.
	Engine *sim.Config
}

// readProjRunEngine reads DIR/run.json, which may be absent.
func readProjRunEngine(dir string) (projRunEngine, error) {
	path := filepath.Join(dir, bench.RunFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return projRunEngine{}, nil
	}
	if err != nil {
		return projRunEngine{}, err
	}
	var ri struct {
		Target struct {
			Model   string `json:"model"`
			Builtin bool   `json:"builtin_engine"`
		} `json:"target"`
		Engine *sim.Config `json:"engine"`
	}
	if err := json.Unmarshal(b, &ri); err != nil {
		return projRunEngine{}, fmt.Errorf("%s: %w", path, jsonErrorLine(b, err))
	}
	r := projRunEngine{Model: ri.Target.Model}
	if ri.Target.Builtin && ri.Engine != nil {
		r.Engine = ri.Engine
	}
	return r, nil
}

// parseSummaryPoint reads the operating point of a summary.json; name
// labels errors, which give the line or the field.
func parseSummaryPoint(name string, b []byte) (sim.OperatingPoint, error) {
	var s struct {
		Requests *struct {
			OK int `json:"ok"`
		} `json:"requests"`
		Tokens *struct {
			Input  float64  `json:"input"`
			Output float64  `json:"output"`
			Cached *float64 `json:"cached"`
		} `json:"tokens"`
		Throughput *struct {
			OutputTokensPerS float64 `json:"output_tokens_per_s"`
		} `json:"throughput"`
		Concurrency *float64 `json:"concurrency_achieved"`
		TPOT        *struct {
			P50 float64 `json:"p50"`
		} `json:"tpot_ms"`
		TTFT *struct {
			P50 float64 `json:"p50"`
		} `json:"ttft_ms"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return sim.OperatingPoint{}, fmt.Errorf("%s: %w", name, jsonErrorLine(b, err))
	}
	for _, f := range []struct {
		field   string
		missing bool
	}{
		{"requests", s.Requests == nil}, {"tokens", s.Tokens == nil}, {"throughput", s.Throughput == nil},
		{"concurrency_achieved", s.Concurrency == nil},
	} {
		if f.missing {
			return sim.OperatingPoint{}, fmt.Errorf("%s: no %s field: not a tokenbench summary of one run", name, f.field)
		}
	}
	if s.Requests.OK < 1 {
		return sim.OperatingPoint{}, fmt.Errorf("%s: requests.ok is %d: no successful request to project", name, s.Requests.OK)
	}
	n := float64(s.Requests.OK)
	op := sim.OperatingPoint{
		InputTokens: s.Tokens.Input / n, OutputTokens: s.Tokens.Output / n,
		Concurrency: *s.Concurrency, OutputTokensPerS: s.Throughput.OutputTokensPerS,
	}
	if s.Tokens.Cached != nil {
		op.CachedInputTokens = *s.Tokens.Cached / n
	}
	if s.TPOT != nil {
		op.TPOTP50MS = s.TPOT.P50
	}
	if s.TTFT != nil {
		op.TTFTP50MS = s.TTFT.P50
	}
	for _, v := range []struct {
		field string
		x     float64
		ok    bool
	}{
		{"tokens.input", s.Tokens.Input, op.InputTokens >= 0},
		{"tokens.output", s.Tokens.Output, op.OutputTokens >= 1},
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
func (o *CostProjectOptions) priceQuotes(cat *pricing.Catalog, gpu string, gpus int) ([]pricing.PriceQuote, string, error) {
	qs, err := cat.Quotes(pricing.Options{GPU: gpu, GPUs: gpus, Tier: o.Tier, Provider: o.Provider, USDPerGPUHour: o.Price})
	var le *pricing.LookupError
	if errors.As(err, &le) {
		return nil, err.Error(), nil
	}
	return qs, "", err
}
