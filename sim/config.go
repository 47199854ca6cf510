package sim

import (
	"errors"
	"fmt"
	"time"
)

// DefaultModel is the model profile, and so the served model id, when
// Config.Model is empty.
const DefaultModel = "llama-3.1-8b"

// Defaults of Config: one H100 serving Llama-3.1-8B in BF16 under vLLM's
// defaults for online serving.
const (
	// DefaultGPU is the GPU profile when Config.GPU is empty.
	DefaultGPU = "H100"
	// DefaultMaxBatch is vLLM's default max_num_seqs.
	DefaultMaxBatch = 256
	// DefaultTokenBudget is vLLM's default max_num_batched_tokens for online
	// serving on large GPUs: it bounds each step and chunks long prefills.
	DefaultTokenBudget = 8192
	// DefaultGPUMemoryUtilization is vLLM's gpu_memory_utilization: the
	// share of HBM that weights and KV cache may take.
	DefaultGPUMemoryUtilization = 0.9
	// DefaultBlockSize is vLLM's KV cache block size in tokens, the unit of
	// allocation and of prefix-cache hits.
	DefaultBlockSize = 16
	// DefaultMaxTokens caps the output of a request that gives no max_tokens.
	DefaultMaxTokens = 4096
)

// Config describes the simulated deployment. The zero value of a field means
// its default; New validates the rest. It is plain data (run.json records it).
type Config struct {
	// Model is the model profile (LookupModel: "llama-3.1-8b", "qwen-2.5-7b",
	// "gpt-oss-120b", ...), case-insensitive. Its canonical name is the
	// served model id unless ServedModelName is set.
	Model string
	// ModelSpec, when set, is the model itself (read from a Hugging Face
	// config.json by LoadModelConfig) and Model is ignored for lookup:
	// run.json then records the whole architecture.
	ModelSpec *ModelSpec `json:",omitempty"`
	// ServedModelName is the model id of the API; requests naming another
	// model get 404.
	ServedModelName string `json:",omitempty"`
	// GPU is the GPU profile (LookupGPU: "H100", "H200", "B200", "MI300X", ...).
	GPU string
	// TP is the tensor-parallel degree: GPUs serving one replica.
	TP int
	// Precision is the weight format: bf16, fp8 or fp4.
	Precision Precision
	// KVPrecision is the KV cache format: bf16 or fp8; empty means bf16 for
	// bf16 weights and fp8 for quantized ones.
	KVPrecision Precision `json:",omitempty"`
	// GPUMemoryUtilization is the share of HBM for weights and KV cache.
	GPUMemoryUtilization float64
	// Seed makes output lengths, text, speculative acceptance and faults
	// deterministic.
	Seed uint64
	// MaxBatch is the most sequences running at once (vLLM max_num_seqs).
	MaxBatch int
	// TokenBudget is the most tokens scheduled in one step: each running
	// decode's 1 + SpecTokens plus prefill chunk tokens (vLLM
	// max_num_batched_tokens).
	TokenBudget int
	// MaxModelLen is the context limit: a request whose prompt plus
	// max_tokens exceeds it is rejected with HTTP 400. Zero means the model's
	// context window, or the KV cache when that is smaller.
	MaxModelLen int
	// KVCapacityTokens is the KV cache size in tokens. Zero means derived:
	// (HBM x GPUMemoryUtilization - weights per GPU) / KV bytes per token.
	KVCapacityTokens int
	// BlockSize is the KV cache block size in tokens.
	BlockSize int
	// NoEvict admits a sequence only when the KV cache can hold its prompt
	// and its whole output beside the promises to those running, so that
	// none is ever preempted (TensorRT-LLM's GUARANTEED_NO_EVICT). Off, KV
	// blocks are allocated as tokens come and the newest running sequence
	// is preempted when they run out (vLLM).
	NoEvict bool `json:",omitempty"`
	// NoPrefixCache turns automatic prefix caching off.
	NoPrefixCache bool `json:",omitempty"`
	// Spec configures speculative decoding; off when Spec.Tokens is 0.
	Spec Spec
	// Faults are the per-request fault probabilities; none by default.
	Faults Faults
	// TimeScale multiplies every step's duration: 0.01 runs a hundred times
	// faster than the modelled GPU, for tests and demos. Zero means 1.
	TimeScale float64
	// Timing holds the roofline's efficiency and overhead parameters.
	Timing Timing
	// APIKeys, when any, are the bearer tokens the /v1 routes accept; a
	// request without one of them gets 401 (vLLM's --api-key). They are
	// never written: run.json records a Config without them.
	APIKeys []string `json:"-"`
}

// Spec configures speculative decoding: every decode step verifies Tokens
// draft tokens, each accepted with probability Acceptance when all before it
// were.
type Spec struct {
	// Tokens is the draft length K (vLLM num_speculative_tokens).
	Tokens int
	// Acceptance is the probability that a draft position is accepted given
	// that the positions before it were.
	Acceptance float64
	// DraftCost is the cost of proposing one draft token, as a fraction of
	// the target model's decode step for the same sequences. Zero means
	// DefaultDraftCost when Tokens > 0.
	DraftCost float64
}

// DefaultDraftCost is about one EAGLE-style draft layer against the target's
// layers plus its LM head.
const DefaultDraftCost = 0.05

// DefaultConfig returns the default deployment: one H100 serving
// Llama-3.1-8B in BF16, with the KV cache and context derived from them.
func DefaultConfig() Config {
	return Config{
		Model:                DefaultModel,
		GPU:                  DefaultGPU,
		TP:                   1,
		Precision:            BF16,
		GPUMemoryUtilization: DefaultGPUMemoryUtilization,
		MaxBatch:             DefaultMaxBatch,
		TokenBudget:          DefaultTokenBudget,
		BlockSize:            DefaultBlockSize,
		TimeScale:            1,
		Timing:               DefaultTiming(),
	}
}

// withDefaults fills zero fields from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	set := func(v *string, def string) {
		if *v == "" {
			*v = def
		}
	}
	set(&c.Model, d.Model)
	set(&c.GPU, d.GPU)
	if c.Precision == "" {
		c.Precision = d.Precision
	}
	if p, err := ParsePrecision(string(c.Precision)); err == nil {
		c.Precision = p // validate reports a bad one
	}
	if c.KVPrecision == "" {
		c.KVPrecision = defaultKVPrecision(c.Precision)
	}
	for _, f := range []struct {
		v   *int
		def int
	}{
		{&c.TP, d.TP}, {&c.MaxBatch, d.MaxBatch}, {&c.TokenBudget, d.TokenBudget}, {&c.BlockSize, d.BlockSize},
	} {
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	if c.GPUMemoryUtilization == 0 {
		c.GPUMemoryUtilization = d.GPUMemoryUtilization
	}
	if c.TimeScale == 0 {
		c.TimeScale = d.TimeScale
	}
	if c.Spec.Tokens > 0 && c.Spec.DraftCost == 0 {
		c.Spec.DraftCost = DefaultDraftCost
	}
	c.Timing = c.Timing.withDefaults()
	return c
}

// validate reports every inconsistency of a defaulted Config at once, before
// the profiles are resolved.
func (c Config) validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("sim: "+format, args...))
	}
	if _, err := c.model(); err != nil {
		errs = append(errs, err)
	}
	if _, err := LookupGPU(c.GPU); err != nil {
		errs = append(errs, err)
	}
	if _, err := ParsePrecision(string(c.Precision)); err != nil {
		errs = append(errs, fmt.Errorf("sim: Precision: %w", err))
	}
	if p, err := ParsePrecision(string(c.KVPrecision)); err != nil || p == FP4 {
		bad("KVPrecision %q: want bf16 or fp8", c.KVPrecision)
	}
	if c.TP < 1 {
		bad("TP %d: want 1 or more GPUs", c.TP)
	}
	if c.GPUMemoryUtilization <= 0 || c.GPUMemoryUtilization > 1 {
		bad("GPUMemoryUtilization %v: want a share in (0, 1]", c.GPUMemoryUtilization)
	}
	if c.MaxBatch < 1 {
		bad("MaxBatch %d: want 1 or more", c.MaxBatch)
	}
	if c.TokenBudget < c.MaxBatch*(1+max(c.Spec.Tokens, 0)) {
		// Every running sequence must be able to decode in every step.
		bad("TokenBudget %d is less than MaxBatch %d x (1 + Spec.Tokens %d)", c.TokenBudget, c.MaxBatch, c.Spec.Tokens)
	}
	if c.BlockSize < 1 {
		bad("BlockSize %d: want 1 or more tokens", c.BlockSize)
	}
	if c.MaxModelLen < 0 || c.KVCapacityTokens < 0 {
		bad("MaxModelLen %d and KVCapacityTokens %d must not be negative", c.MaxModelLen, c.KVCapacityTokens)
	}
	if c.TimeScale < 0 {
		bad("TimeScale %v is negative", c.TimeScale)
	}
	if c.Spec.Tokens < 0 || c.Spec.Tokens > maxSpecTokens {
		bad("Spec.Tokens %d: want 0 to %d", c.Spec.Tokens, maxSpecTokens)
	}
	if c.Spec.Acceptance < 0 || c.Spec.Acceptance > 1 {
		bad("Spec.Acceptance %v: want a probability in [0, 1]", c.Spec.Acceptance)
	}
	if c.Spec.DraftCost < 0 {
		bad("Spec.DraftCost %v is negative", c.Spec.DraftCost)
	}
	if err := c.Faults.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Timing.validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// maxSpecTokens bounds the draft length, as engines do (vLLM's EAGLE
// proposers go to about 10).
const maxSpecTokens = 16

// model is the model the configuration runs: its own ModelSpec, or the
// profile or shipped config Model names.
func (c Config) model() (ModelSpec, error) {
	if c.ModelSpec != nil {
		m := *c.ModelSpec
		if m.Layers <= 0 || m.Hidden <= 0 || m.Heads <= 0 || m.KVHeads <= 0 || m.Params <= 0 || m.KVElemsPerHead <= 0 {
			return m, fmt.Errorf("sim: model %q: incomplete architecture (layers, hidden size, heads, KV heads, parameters)", m.Name)
		}
		return m, nil
	}
	return LookupModel(c.Model)
}

// served is the model id of the API.
func (c Config) served(m ModelSpec) string {
	if c.ServedModelName != "" {
		return c.ServedModelName
	}
	return m.Name
}

// scale is the duration of d seconds of modelled GPU time.
func (c Config) scale(seconds float64) time.Duration {
	return time.Duration(seconds * c.TimeScale * float64(time.Second))
}
