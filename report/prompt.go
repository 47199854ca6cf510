package report

import (
	"math"

	"github.com/tokenbench/tokenbench/bench"
)

// PromptLength compares the prompt length the workload aimed at
// (target_input_tokens) with the server's usage.prompt_tokens, over the
// successful requests that have both: how close token-accurate prompts
// landed, or, without calibration, what the chat template added.
type PromptLength struct {
	Requests        int     `json:"requests"`
	TargetMean      float64 `json:"target_mean_tokens"`
	ActualMean      float64 `json:"actual_mean_tokens"`
	MeanErrorTokens float64 `json:"mean_error_tokens"`
	MeanAbsError    float64 `json:"mean_abs_error_tokens"`
	MaxAbsError     float64 `json:"max_abs_error_tokens"`
	WithinOneShare  float64 `json:"within_one_share"`
}

type promptCollector struct {
	n                           int
	target, actual, err, absErr float64
	maxAbs                      float64
	withinOne                   int
}

func (c *promptCollector) add(r *bench.Record) {
	if !r.OK || r.TargetInputTokens <= 0 || r.TokensSource != bench.TokensFromUsage {
		return
	}
	d := float64(r.InputTokens - r.TargetInputTokens)
	c.n++
	c.target += float64(r.TargetInputTokens)
	c.actual += float64(r.InputTokens)
	c.err += d
	c.absErr += math.Abs(d)
	c.maxAbs = math.Max(c.maxAbs, math.Abs(d))
	if math.Abs(d) <= 1 {
		c.withinOne++
	}
}

func (c *promptCollector) close() *PromptLength {
	if c.n == 0 {
		return nil
	}
	n := float64(c.n)
	return &PromptLength{Requests: c.n, TargetMean: c.target / n, ActualMean: c.actual / n,
		MeanErrorTokens: c.err / n, MeanAbsError: c.absErr / n, MaxAbsError: c.maxAbs,
		WithinOneShare: float64(c.withinOne) / n}
}
