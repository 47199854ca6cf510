package route

import (
	"fmt"
	"strings"
)

// Policy names a routing rule.
type Policy string

// The routing policies.
const (
	RoundRobin       Policy = "round-robin"
	Random           Policy = "random"
	LeastOutstanding Policy = "least-outstanding"
	Session          Policy = "session"
	PrefixAware      Policy = "prefix-aware"
	KVAware          Policy = "kv-aware"
)

// Policies lists every policy, in the order help texts show them.
var Policies = []Policy{RoundRobin, Random, LeastOutstanding, Session, PrefixAware, KVAware}

// ParsePolicy returns the policy named s.
func ParsePolicy(s string) (Policy, error) {
	for _, p := range Policies {
		if string(p) == s {
			return p, nil
		}
	}
	names := make([]string, len(Policies))
	for i, p := range Policies {
		names[i] = string(p)
	}
	return "", fmt.Errorf("route: unknown policy %q (want %s)", s, strings.Join(names, ", "))
}

// Defaults of the prefix-aware rule: those of SGLang's router
// (--cache-threshold 0.3, --balance-abs-threshold 64,
// --balance-rel-threshold 1.5).
const (
	DefaultCacheThreshold = 0.3
	DefaultBalanceAbs     = 64
	DefaultBalanceRel     = 1.5
	// DefaultBlockWords is the router's block: 16 words, about 16 tokens,
	// vLLM's KV block size.
	DefaultBlockWords = 16
	// DefaultMaxBlocks bounds the blocks remembered per target (16M
	// tokens at 16 words a block).
	DefaultMaxBlocks = 1 << 20
)

// Options tune a Router; zero fields take the defaults above.
type Options struct {
	// Seed seeds the random policy.
	Seed uint64
	// CacheThreshold: prefix-aware sends a request to its longest overlap
	// only when that overlap is more than this share of the prompt;
	// otherwise to the target with the fewest cached blocks.
	CacheThreshold float64
	// BalanceAbs and BalanceRel: the load (outstanding requests) is
	// imbalanced when max - min > BalanceAbs and max > BalanceRel x min;
	// prefix-aware then sends to the least loaded.
	BalanceAbs int
	BalanceRel float64
	// BlockWords is the words per prompt block; MaxBlocks the blocks
	// remembered per target.
	BlockWords int
	MaxBlocks  int
}

func (o Options) withDefaults() Options {
	if o.CacheThreshold <= 0 {
		o.CacheThreshold = DefaultCacheThreshold
	}
	if o.BalanceAbs <= 0 {
		o.BalanceAbs = DefaultBalanceAbs
	}
	if o.BalanceRel <= 0 {
		o.BalanceRel = DefaultBalanceRel
	}
	if o.BlockWords <= 0 {
		o.BlockWords = DefaultBlockWords
	}
	if o.MaxBlocks <= 0 {
		o.MaxBlocks = DefaultMaxBlocks
	}
	return o
}
