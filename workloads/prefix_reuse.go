package workloads

import "sync"

// PrefixStats is the prefix reuse a workload intends: of the prompt tokens
// handed out so far, how many an infinite prefix cache would serve. A run
// reports it beside the reuse it obtained (usage cached_tokens), so that a
// low hit rate is seen as the engine's doing, not the workload's.
type PrefixStats struct {
	PromptTokens   int `json:"prompt_tokens"`
	ReusableTokens int `json:"reusable_tokens"`
	// Ratio is ReusableTokens / PromptTokens (0 when no prompt tokens).
	Ratio float64 `json:"ratio"`
}

// PrefixReporter is implemented by sources that know which parts of their
// prompts repeat (Mooncake hash ids, shared system prompts). The stats cover
// the items handed out by Next so far; IntendedPrefixReuse may be called from
// another goroutine than Next.
type PrefixReporter interface {
	IntendedPrefixReuse() PrefixStats
}

func newPrefixStats(prompt, reusable int) PrefixStats {
	s := PrefixStats{PromptTokens: prompt, ReusableTokens: reusable}
	if prompt > 0 {
		s.Ratio = float64(reusable) / float64(prompt)
	}
	return s
}

// chainTracker computes intended reuse from block hash ids the way prefix
// caches work (vLLM, SGLang): a block's cache key covers every block before
// it, so block i is served from cache only when blocks 0..i all equal the
// first i+1 blocks of an earlier request. The seen chains form a trie whose
// edges are (parent node, block id): exact, with no hash of the chain to
// collide. Only full blocks count and are remembered, since engines cache
// full blocks only.
type chainTracker struct {
	mu       sync.Mutex
	nodes    map[chainEdge]uint32
	prompt   int
	reusable int
}

type chainEdge struct {
	parent uint32 // 0 is the root
	id     uint64
}

func newChainTracker() *chainTracker {
	return &chainTracker{nodes: map[chainEdge]uint32{}}
}

// add records one request of inputTokens prompt tokens whose blocks of
// blockTokens tokens have the given ids, and returns its reusable tokens.
func (c *chainTracker) add(ids []uint64, blockTokens, inputTokens int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	reusable := 0
	var parent uint32
	for i, id := range ids {
		if blockTokens < 1 || (i+1)*blockTokens > inputTokens {
			break // a partial block: not cached
		}
		e := chainEdge{parent: parent, id: id}
		node, seen := c.nodes[e]
		if seen {
			reusable += blockTokens
		} else {
			node = uint32(len(c.nodes) + 1)
			c.nodes[e] = node
		}
		parent = node
	}
	c.prompt += inputTokens
	c.reusable += reusable
	return reusable
}

func (c *chainTracker) stats() PrefixStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return newPrefixStats(c.prompt, c.reusable)
}

// PrefixReuse computes the intended reuse of requests given as block hash
// ids, in order, with their prompt lengths in tokens, for blocks of
// blockTokens tokens: what the Mooncake source reports, for callers that
// hold hash ids from elsewhere (a converter, a report).
func PrefixReuse(blockTokens int, ids [][]uint64, inputTokens []int) PrefixStats {
	c := newChainTracker()
	for i := range ids {
		in := 0
		if i < len(inputTokens) {
			in = inputTokens[i]
		}
		c.add(ids[i], blockTokens, in)
	}
	return c.stats()
}
