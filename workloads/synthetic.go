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
	// Corpus cuts prompts from the built-in natural-text corpus (see
	// TextOfTokens) instead of stringing random Words together.
	Corpus bool `json:"corpus,omitempty" yaml:"corpus,omitempty"`
	// Tokenizer counts prompt lengths. nil keeps the word-based count of
	// ApproxTokens; set, every prompt is exactly the drawn length under it
	// (random Words cut to length, or corpus text when Corpus is set).
	Tokenizer Tokenizer `json:"-" yaml:"-"`
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
// ApproxTokens(prompt) is exactly the drawn length. With a Tokenizer or
// Corpus, prompts count exactly the drawn length under the Tokenizer (approx
// when nil). The same seed gives the same sequence.
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
	return Item{Request: Request{
		Prompt:      g.prompt(in),
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

// prompt returns a prompt of n tokens.
func (g *synthetic) prompt(n int) string {
	if g.spec.Corpus {
		return TextOfTokens(g.spec.Tokenizer, g.rng.Uint64(), n)
	}
	g.sb.Reset()
	g.words(n)
	if g.spec.Tokenizer == nil {
		return g.sb.String() // each word is one token by construction
	}
	// A BPE tokenizer may split a word (the first one has no space before
	// it): cut to n tokens, with more words if these fall short.
	s, _ := fill(g.spec.Tokenizer, g.sb.String(), n, func(sb *strings.Builder, need int, _ bool) {
		for i := 0; i < need+8; i++ {
			sb.WriteByte(' ')
			sb.WriteString(Words[g.rng.IntN(len(Words))])
		}
	})
	return s
}

// words appends n random Words to g.sb.
func (g *synthetic) words(n int) {
	for i := 0; i < n; i++ {
		if i > 0 {
			g.sb.WriteByte(' ')
		}
		g.sb.WriteString(Words[g.rng.IntN(len(Words))])
	}
}
