package sim

import (
	"errors"
	"fmt"
	"time"
)

// DefaultModel is the model id the simulator serves when Config.Model is empty.
const DefaultModel = "tokenbench-sim-8b"

// Defaults of Config, sized for Llama-3.1-8B in bf16 on one H100 80GB under
// vLLM's defaults for online serving.
const (
	// DefaultMaxBatch is vLLM's default max_num_seqs.
	DefaultMaxBatch = 256
	// DefaultTokenBudget is vLLM's default max_num_batched_tokens for online
	// serving on large GPUs: it bounds each step and chunks long prefills.
	DefaultTokenBudget = 8192
	// DefaultMaxModelLen is Llama-3.1's context window.
	DefaultMaxModelLen = 131072
	// DefaultKVCapacityTokens is what is left of 80 GB after 16 GB of weights,
	// at 128 KiB of KV cache per token (32 layers x 8 KV heads x 128 dims x
	// K and V x 2 bytes).
	DefaultKVCapacityTokens = (80_000_000_000 - 16_000_000_000) / (128 << 10)
	// DefaultMaxTokens caps the output of a request that gives no max_tokens.
	DefaultMaxTokens = 4096
)

// Config describes the simulated deployment. The zero value of a field means
// its default; New validates the rest.
type Config struct {
	// Model is the served model id; requests naming another model get 404.
	Model string
	// Seed makes output lengths and text deterministic: the same seed and the
	// same request body always give the same answer.
	Seed uint64
	// MaxBatch is the most sequences running at once (vLLM max_num_seqs).
	MaxBatch int
	// TokenBudget is the most tokens scheduled in one step: one per running
	// decode plus prefill chunk tokens (vLLM max_num_batched_tokens).
	TokenBudget int
	// MaxModelLen is the context limit: a request whose prompt plus
	// max_tokens exceeds it is rejected with HTTP 400.
	MaxModelLen int
	// KVCapacityTokens is the KV cache size in tokens. A sequence is admitted
	// only when its prompt plus its output fit beside those already running.
	KVCapacityTokens int
	// Timing is the step-time model.
	Timing Timing
}

// Timing is the step-time model: the cost of one forward step of the batch is
// a fixed part plus linear terms in the work scheduled in it. Zero fields take
// the defaults of DefaultTiming.
type Timing struct {
	// PrefillPerToken is the compute-bound cost of one prompt token.
	PrefillPerToken time.Duration
	// StepBase is the fixed cost of one step, dominated by reading the weights.
	StepBase time.Duration
	// DecodePerSeq is added for each sequence decoding in the step.
	DecodePerSeq time.Duration
	// PerKContext is added per 1000 tokens of KV cache read by attention.
	PerKContext time.Duration
}

// DefaultTiming returns a step-time model that looks like Llama-3.1-8B on one
// H100 with vLLM: a 10 ms step at batch 1, about 24 ms for a decode step of
// 256 sequences with short contexts, and 50k prompt tokens/s of prefill.
//
// The model adds the costs of a step, where a real engine overlaps the
// compute of prefill with the memory traffic of decode in a mixed batch; so
// prefill is charged at the efficient end of what the GPU reaches, which keeps
// throughput under load close to a real server's.
func DefaultTiming() Timing {
	return Timing{
		// 15 GFLOP per prompt token at the ~750 TFLOP/s that large bf16
		// GEMMs reach on an H100 SXM.
		PrefillPerToken: 20 * time.Microsecond,
		// 16 GB of weights at 3.35 TB/s is 4.8 ms; the rest is kernel launch,
		// sampling and scheduling overhead of a real server at batch 1.
		StepBase: 10 * time.Millisecond,
		// Per-sequence GEMM rows, sampling and detokenization.
		DecodePerSeq: 30 * time.Microsecond,
		// 1000 tokens x 128 KiB of KV cache read at about 3.3 TB/s.
		PerKContext: 40 * time.Microsecond,
	}
}

// DefaultConfig returns the default deployment: one H100 serving Llama-3.1-8B.
func DefaultConfig() Config {
	return Config{
		Model:            DefaultModel,
		MaxBatch:         DefaultMaxBatch,
		TokenBudget:      DefaultTokenBudget,
		MaxModelLen:      DefaultMaxModelLen,
		KVCapacityTokens: DefaultKVCapacityTokens,
		Timing:           DefaultTiming(),
	}
}

// StepDuration is the duration of one step that prefills prefillTokens prompt
// tokens, decodes decodeSeqs sequences and reads contextTokens tokens of KV
// cache. It is pure and linear in each argument.
func (t Timing) StepDuration(prefillTokens, decodeSeqs, contextTokens int) time.Duration {
	return t.StepBase +
		time.Duration(prefillTokens)*t.PrefillPerToken +
		time.Duration(decodeSeqs)*t.DecodePerSeq +
		time.Duration(contextTokens)*t.PerKContext/1000
}

// withDefaults fills zero fields from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Model == "" {
		c.Model = d.Model
	}
	if c.MaxBatch == 0 {
		c.MaxBatch = d.MaxBatch
	}
	if c.TokenBudget == 0 {
		c.TokenBudget = d.TokenBudget
	}
	if c.MaxModelLen == 0 {
		c.MaxModelLen = d.MaxModelLen
	}
	if c.KVCapacityTokens == 0 {
		c.KVCapacityTokens = d.KVCapacityTokens
	}
	dt := d.Timing
	if c.Timing.PrefillPerToken == 0 {
		c.Timing.PrefillPerToken = dt.PrefillPerToken
	}
	if c.Timing.StepBase == 0 {
		c.Timing.StepBase = dt.StepBase
	}
	if c.Timing.DecodePerSeq == 0 {
		c.Timing.DecodePerSeq = dt.DecodePerSeq
	}
	if c.Timing.PerKContext == 0 {
		c.Timing.PerKContext = dt.PerKContext
	}
	return c
}

// validate reports every inconsistency of a defaulted Config at once.
func (c Config) validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("sim: "+format, args...))
	}
	if c.MaxBatch < 0 {
		bad("MaxBatch %d is negative", c.MaxBatch)
	}
	if c.TokenBudget < c.MaxBatch {
		// Every running sequence must be able to decode in every step.
		bad("TokenBudget %d is less than MaxBatch %d", c.TokenBudget, c.MaxBatch)
	}
	if c.MaxModelLen < 2 {
		bad("MaxModelLen %d leaves no room for a prompt and an output token", c.MaxModelLen)
	}
	if c.KVCapacityTokens < c.MaxModelLen {
		// As vLLM refuses to start: a request of the full context must fit,
		// or it would wait forever.
		bad("KVCapacityTokens %d cannot hold one sequence of MaxModelLen %d", c.KVCapacityTokens, c.MaxModelLen)
	}
	t := c.Timing
	if t.PrefillPerToken < 0 || t.StepBase < 0 || t.DecodePerSeq < 0 || t.PerKContext < 0 {
		bad("Timing has a negative duration: %+v", t)
	}
	return errors.Join(errs...)
}
