package workloads

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// Synthetic describes random prompts of chosen token lengths.
type Synthetic struct {
	InputTokens  int     `json:"input_tokens" yaml:"input_tokens"`
	InputStddev  float64 `json:"input_stddev,omitempty" yaml:"input_stddev,omitempty"`
	OutputTokens int     `json:"output_tokens" yaml:"output_tokens"`
	OutputStddev float64 `json:"output_stddev,omitempty" yaml:"output_stddev,omitempty"`
	// ForceLength asks the server for exactly the drawn output length
	// (max_tokens plus ignore_eos and min_tokens where the engine takes them).
	ForceLength bool   `json:"force_length" yaml:"force_length"`
	Seed        uint64 `json:"seed" yaml:"seed"`
}

// Default synthetic lengths: a chat-sized prompt and answer.
const (
	DefaultInputTokens  = 512
	DefaultOutputTokens = 128
)

// Validate reports a setting that cannot describe a workload.
func (s Synthetic) Validate() error {
	switch {
	case s.InputTokens < 1:
		return fmt.Errorf("workloads: synthetic input tokens must be >= 1, got %d", s.InputTokens)
	case s.OutputTokens < 1:
		return fmt.Errorf("workloads: synthetic output tokens must be >= 1, got %d", s.OutputTokens)
	case s.InputStddev < 0 || math.IsNaN(s.InputStddev) || math.IsInf(s.InputStddev, 0):
		return fmt.Errorf("workloads: input stddev must be >= 0, got %v", s.InputStddev)
	case s.OutputStddev < 0 || math.IsNaN(s.OutputStddev) || math.IsInf(s.OutputStddev, 0):
		return fmt.Errorf("workloads: output stddev must be >= 0, got %v", s.OutputStddev)
	}
	return nil
}

// NewSource returns an endless Source of synthetic requests. Lengths are
// drawn from normal distributions (rounded, at least 1 token); prompts are
// random one-token Words, so two prompts share no prefix beyond chance and
// ApproxTokens(prompt) is exactly the drawn length. The same seed gives the
// same sequence.
func (s Synthetic) NewSource() (Source, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &synthetic{spec: s, rng: rand.New(rand.NewPCG(s.Seed, 0x5eed))}, nil
}

type synthetic struct {
	spec Synthetic
	rng  *rand.Rand
	sb   strings.Builder
}

func (g *synthetic) Next() (Item, error) {
	in := g.length(g.spec.InputTokens, g.spec.InputStddev)
	out := g.length(g.spec.OutputTokens, g.spec.OutputStddev)
	g.sb.Reset()
	for i := 0; i < in; i++ {
		if i > 0 {
			g.sb.WriteByte(' ')
		}
		g.sb.WriteString(Words[g.rng.IntN(len(Words))])
	}
	return Item{Request: Request{
		Prompt:      g.sb.String(),
		MaxTokens:   out,
		ForceLength: g.spec.ForceLength,
		InputTokens: in,
	}}, nil
}

func (g *synthetic) length(mean int, stddev float64) int {
	if stddev == 0 {
		return mean
	}
	return max(1, int(math.Round(float64(mean)+stddev*g.rng.NormFloat64())))
}
