package workloads

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Spec selects and configures a workload: --workload KIND[:PATH] plus the
// settings of the kinds that use them. It is a plain struct so that
// scenario files and flags fill the same thing.
type Spec struct {
	Kind string `json:"kind" yaml:"kind"`
	Path string `json:"path,omitempty" yaml:"path,omitempty"`

	Synthetic Synthetic `json:"synthetic" yaml:"synthetic"`
	// PrefixTokens and PrefixGroups give synthetic prompts a shared system
	// prompt: PrefixGroups distinct prefixes of PrefixTokens tokens each.
	PrefixTokens int `json:"prefix_tokens,omitempty" yaml:"prefix_tokens,omitempty"`
	PrefixGroups int `json:"prefix_groups,omitempty" yaml:"prefix_groups,omitempty"`

	// BlockTokens is the token length of one Mooncake hash block.
	BlockTokens int `json:"block_tokens,omitempty" yaml:"block_tokens,omitempty"`
	// TimeScale speeds trace time up (2 = twice as fast).
	TimeScale float64 `json:"time_scale,omitempty" yaml:"time_scale,omitempty"`
	// TraceStart and TraceDuration cut a window out of a timestamped trace.
	TraceStart    time.Duration `json:"trace_start,omitempty" yaml:"trace_start,omitempty"`
	TraceDuration time.Duration `json:"trace_duration,omitempty" yaml:"trace_duration,omitempty"`
	// BurstGPTModel keeps only BurstGPT rows of this model ("" keeps all).
	BurstGPTModel string `json:"burstgpt_model,omitempty" yaml:"burstgpt_model,omitempty"`
	// History is how agentic sessions build their history: "live" or "recorded".
	History string `json:"history,omitempty" yaml:"history,omitempty"`
	// MaxTokens caps the output of dataset requests that give none (0: the
	// dataset's own lengths, or the server's default).
	MaxTokens int `json:"max_tokens,omitempty" yaml:"max_tokens,omitempty"`
	// Tokenizer counts synthetic prompt lengths: "approx" (the default,
	// word-based), "cl100k", "o200k" or a Hugging Face tokenizer.json.
	// With one, prompts are cut from the built-in natural-text corpus.
	Tokenizer string `json:"tokenizer,omitempty" yaml:"tokenizer,omitempty"`
	// Seed drives every random choice of the workload.
	Seed uint64 `json:"seed" yaml:"seed"`
}

// Opener builds a Source from a Spec.
type Opener func(Spec) (Source, error)

var openers = map[string]Opener{
	"synthetic": openSynthetic,
}

// register adds a workload kind; each kind's file calls it from init.
func register(kind string, o Opener) {
	if _, dup := openers[kind]; dup {
		panic("workloads: kind registered twice: " + kind)
	}
	openers[kind] = o
}

// Kinds lists the workload kinds Open accepts.
func Kinds() []string {
	ks := make([]string, 0, len(openers))
	for k := range openers {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// ParseKind splits "KIND[:PATH]" as --workload takes it.
func ParseKind(s string) (kind, path string) {
	kind, path, _ = strings.Cut(s, ":")
	return kind, path
}

// Open returns the Source a Spec describes.
func Open(s Spec) (Source, error) {
	o, ok := openers[s.Kind]
	if !ok {
		return nil, fmt.Errorf("workloads: unknown kind %q (known: %s)", s.Kind, strings.Join(Kinds(), ", "))
	}
	return o(s)
}

func openSynthetic(s Spec) (Source, error) {
	syn := s.Synthetic
	syn.Seed = s.Seed
	if s.Tokenizer != "" {
		tok, err := NewTokenizer(s.Tokenizer)
		if err != nil {
			return nil, err
		}
		syn.Tokenizer, syn.Corpus = tok, true
	}
	if s.Path != "" {
		return nil, fmt.Errorf("workloads: synthetic takes no file (got %q)", s.Path)
	}
	src, err := syn.NewSource()
	if err != nil {
		return nil, err
	}
	if s.PrefixTokens < 0 || (s.PrefixTokens > 0 && s.PrefixGroups < 1) {
		return nil, fmt.Errorf("workloads: prefix tokens must be >= 0 and prefix groups >= 1 (got %d and %d)", s.PrefixTokens, s.PrefixGroups)
	}
	return WithSharedPrefix(src, s.PrefixTokens, s.PrefixGroups, s.Seed), nil
}
