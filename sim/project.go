package sim

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// OperatingPoint is what a measured run did, as its summary.json gives it:
// the request shape, the load one replica carried, and what it measured.
type OperatingPoint struct {
	// InputTokens and OutputTokens are the mean prompt and output tokens of
	// a successful request.
	InputTokens  float64 `json:"input_tokens"`
	OutputTokens float64 `json:"output_tokens"`
	// CachedInputTokens is the mean of the prompt tokens served from a prefix
	// cache; 0 when none were, or the server does not say.
	CachedInputTokens float64 `json:"cached_input_tokens"`
	// Concurrency is the requests in flight on one replica (concurrency
	// achieved, Little's law, divided by the replicas): about the running
	// batch.
	Concurrency float64 `json:"concurrency"`
	// OutputTokensPerS is the measured output throughput, of one replica or
	// of the endpoint: the projection scales it whatever its scope.
	OutputTokensPerS float64 `json:"output_tokens_per_s"`
	// TPOTP50MS and TTFTP50MS are the measured medians; 0 means not measured
	// (and nothing is projected for them).
	TPOTP50MS float64 `json:"tpot_p50_ms"`
	TTFTP50MS float64 `json:"ttft_p50_ms"`
}

// Side is one deployment modelled at the operating point.
type Side struct {
	// Deployment is the resolved configuration.
	Deployment Deployment `json:"-"`
	// Batch is the sequences each modelled step runs: the concurrency,
	// rounded, within MaxBatch.
	Batch int `json:"batch"`
	// Decode is one step in which Batch sequences decode at the mean
	// context; Prefill the steps that prefill Batch prompts.
	Decode  StepTime `json:"decode"`
	Prefill StepTime `json:"prefill"`
	// DecodeSteps is the decode steps a request needs after its first
	// token: (output tokens - 1) / acceptance length.
	DecodeSteps float64 `json:"decode_steps"`
	// Cycle is Prefill plus DecodeSteps decode steps: the batch's requests
	// from first prompt token to last output token.
	Cycle StepTime `json:"cycle"`
	// OutputTokensPerS is the modelled throughput of one replica:
	// Batch x output tokens / Cycle.
	OutputTokensPerS float64 `json:"output_tokens_per_s"`
}

// Projection is a measured operating point carried from one deployment to
// another by the ratio of their modelled times. Its figures are projected,
// never measured.
type Projection struct {
	// Point is the measured operating point.
	Point OperatingPoint `json:"measured"`
	// InputTokens, CachedInputTokens and OutputTokens are the request shape
	// as modelled (whole tokens); ContextTokens the mean context of a
	// decode step, input + output / 2.
	InputTokens       int `json:"input_tokens"`
	CachedInputTokens int `json:"cached_input_tokens"`
	OutputTokens      int `json:"output_tokens"`
	ContextTokens     int `json:"context_tokens"`
	// AcceptanceLength is the tokens a decode step of the source emits per
	// sequence: 1 without speculative decoding, 1 + P + ... + P^K with it.
	AcceptanceLength float64 `json:"acceptance_length"`
	// From and To are the two deployments modelled.
	From Side `json:"from"`
	To   Side `json:"to"`
	// ThroughputRatio is the modelled throughput of To over that of From
	// (above 1: To is faster); TPOTRatio and TTFTRatio the modelled decode
	// step and prefill time of To over those of From (below 1: To is faster).
	ThroughputRatio float64 `json:"throughput_ratio"`
	TPOTRatio       float64 `json:"tpot_ratio"`
	TTFTRatio       float64 `json:"ttft_ratio"`
	// OutputTokensPerS, TPOTP50MS and TTFTP50MS are the projected figures:
	// the measured ones times the ratios; 0 where nothing was measured.
	OutputTokensPerS float64 `json:"projected_output_tokens_per_s"`
	TPOTP50MS        float64 `json:"projected_tpot_p50_ms"`
	TTFTP50MS        float64 `json:"projected_ttft_p50_ms"`
	// Notes say where the model leaves the measured conditions.
	Notes []string `json:"notes"`
}

// Project carries what a run measured on from to to: it models the run's
// operating point (same batch, same request lengths) on both deployments
// with the roofline and scales the measured throughput, TPOT p50 and TTFT
// p50 by the modelled ratios. So the measured figures calibrate the model,
// and the roofline says only how much faster or slower the other GPUs are.
//
// The model of the operating point: the batch's prompts are prefilled in
// steps of at most TokenBudget tokens (as a closed loop of as many clients
// keeps them in step), then the batch decodes at the mean context. TTFT
// scales as that prefill, TPOT as one decode step, throughput as the whole
// cycle. Prefills that share a step with decodes (staggered arrivals), and
// queueing, are assumed to scale as these do.
//
// It fails when either configuration does not resolve (an unknown GPU, a
// model whose weights do not fit its TP ranks) or the point is not a
// measurement; Notes say when the point strains the model (a KV cache too
// small for the batch, a precision the GPU lacks, a batch above MaxBatch).
func Project(from, to Config, op OperatingPoint) (Projection, error) {
	if err := op.validate(); err != nil {
		return Projection{}, err
	}
	df, err := from.Resolve()
	if err != nil {
		return Projection{}, sideError("source", from, err)
	}
	dt, err := to.Resolve()
	if err != nil {
		return Projection{}, sideError("target", to, err)
	}
	if n := op.InputTokens + op.OutputTokens; n > float64(df.Model.MaxContext) {
		// Not a run of this model: and the prefill would be modelled forever.
		return Projection{}, fmt.Errorf("sim: project: a mean request of %.0f input + %.0f output tokens exceeds the context window of %s (%d tokens): is it a run of this model?",
			op.InputTokens, op.OutputTokens, df.Model.Name, df.Model.MaxContext)
	}
	p := Projection{
		Point:             op,
		InputTokens:       max(int(math.Round(op.InputTokens)), 1),
		CachedInputTokens: int(math.Round(op.CachedInputTokens)),
		OutputTokens:      max(int(math.Round(op.OutputTokens)), 1),
	}
	p.ContextTokens = p.InputTokens + p.OutputTokens/2
	p.AcceptanceLength = acceptanceLength(df.Config.Spec)
	alTo := acceptanceLength(dt.Config.Spec)
	p.From = p.model(df, p.AcceptanceLength)
	p.To = p.model(dt, alTo)

	p.ThroughputRatio = p.To.OutputTokensPerS / p.From.OutputTokensPerS
	// A token takes a decode step over the tokens that step emits.
	p.TPOTRatio = (p.To.Decode.Seconds / alTo) / (p.From.Decode.Seconds / p.AcceptanceLength)
	p.TTFTRatio = p.To.Prefill.Seconds / p.From.Prefill.Seconds
	p.OutputTokensPerS = op.OutputTokensPerS * p.ThroughputRatio
	p.TPOTP50MS = op.TPOTP50MS * p.TPOTRatio
	p.TTFTP50MS = op.TTFTP50MS * p.TTFTRatio
	p.Notes = p.notes()
	return p, nil
}

// model is the operating point on one deployment.
func (p Projection) model(d Deployment, al float64) Side {
	c := d.Config
	s := Side{Deployment: d, Batch: min(max(int(math.Round(p.Point.Concurrency)), 1), c.MaxBatch)}
	s.Decode = d.stepTime(d.decodeLoad(s.Batch, p.ContextTokens))
	s.Prefill = d.prefillTime(s.Batch, p.InputTokens, p.CachedInputTokens)
	s.DecodeSteps = float64(p.OutputTokens-1) / al
	decodes := s.Decode.times(s.DecodeSteps)
	s.Cycle = s.Prefill.plus(decodes)
	if decodes.Seconds > s.Prefill.Seconds {
		// The longer phase says what bounds the cycle.
		s.Cycle.GEMMBound, s.Cycle.AttentionBound = decodes.GEMMBound, decodes.AttentionBound
	}
	s.OutputTokensPerS = float64(s.Batch*p.OutputTokens) / s.Cycle.Seconds
	return s
}

// acceptanceLength is the expected tokens a decode step emits per sequence.
func acceptanceLength(s Spec) float64 {
	al, term := 1.0, 1.0
	for range s.Tokens {
		term *= s.Acceptance
		al += term
	}
	return al
}

func (op OperatingPoint) validate() error {
	var errs []error
	for _, f := range []struct {
		name string
		v    float64
		ok   bool
	}{
		{"InputTokens", op.InputTokens, op.InputTokens >= 0},
		{"OutputTokens", op.OutputTokens, op.OutputTokens >= 1},
		{"CachedInputTokens", op.CachedInputTokens, op.CachedInputTokens >= 0 && op.CachedInputTokens <= op.InputTokens},
		{"Concurrency", op.Concurrency, op.Concurrency > 0},
		{"OutputTokensPerS", op.OutputTokensPerS, op.OutputTokensPerS > 0},
		{"TPOTP50MS", op.TPOTP50MS, op.TPOTP50MS >= 0},
		{"TTFTP50MS", op.TTFTP50MS, op.TTFTP50MS >= 0},
	} {
		if !f.ok || math.IsInf(f.v, 0) || math.IsNaN(f.v) {
			errs = append(errs, fmt.Errorf("sim: project: operating point %s %v is not a measurement (%s)", f.name, f.v, opWant[f.name]))
		}
	}
	return errors.Join(errs...)
}

var opWant = map[string]string{
	"InputTokens": "want 0 or more tokens", "OutputTokens": "want 1 or more tokens",
	"CachedInputTokens": "want 0 to InputTokens", "Concurrency": "want more than 0 requests in flight",
	"OutputTokensPerS": "want more than 0 tokens/s", "TPOTP50MS": "want 0 (not measured) or more",
	"TTFTP50MS": "want 0 (not measured) or more",
}

// ProjectError is a deployment of Project that does not resolve: Side is
// "source" or "target", Reason says why (an unknown GPU, weights that do
// not fit).
type ProjectError struct {
	Side   string
	GPU    string
	TP     int
	Model  string
	Reason error
}

func (e *ProjectError) Error() string {
	// The reasons carry the package prefix already; say it once.
	reason := strings.ReplaceAll(e.Reason.Error(), "sim: ", "")
	return fmt.Sprintf("sim: project: %s %s on %d x %s: %s", e.Side, e.Model, e.TP, e.GPU, reason)
}

// Unwrap returns the reason.
func (e *ProjectError) Unwrap() error { return e.Reason }

func sideError(side string, c Config, err error) error {
	c = c.withDefaults()
	if m, merr := LookupModel(c.Model); merr == nil {
		c.Model = m.Name
	}
	if g, gerr := LookupGPU(c.GPU); gerr == nil {
		c.GPU = g.Name
	}
	return &ProjectError{Side: side, GPU: c.GPU, TP: c.TP, Model: c.Model, Reason: err}
}
