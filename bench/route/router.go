package route

import (
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/tokenbench/tokenbench/workloads"
)

// Gauges are an engine's instantaneous state, as its metrics report it.
type Gauges struct {
	Running int
	Waiting int
	// KVUsage is the share of the KV cache in use, 0 to 1.
	KVUsage float64
}

// GaugeFunc reads target i's gauges; false when they are unknown (no
// scrape yet, or the scrape failed).
type GaugeFunc func(i int) (Gauges, bool)

// Decision is where a request goes and what the router knew then.
type Decision struct {
	// Index is the target's index.
	Index int
	// OverlapTokens is the prompt's prefix the router has sent to that
	// target before (tokens in whole blocks); PromptTokens the prompt's
	// tokens as the router counts them (workloads.ApproxTokens).
	OverlapTokens, PromptTokens int
	// Outstanding is the requests the router had in flight on the target
	// before this one.
	Outstanding int
	// Gauges, when known, are the target's gauges the decision read.
	Gauges *Gauges
}

// Router picks a target for each request. It is safe for concurrent use.
type Router struct {
	policy Policy
	opts   Options

	mu          sync.Mutex
	n           int
	next        int // round-robin position, and the tie-break start
	rng         *rand.Rand
	tick        uint64
	outstanding []int
	index       []*blockIndex
	sessions    map[string]int
}

// New returns a router over n targets.
func New(p Policy, n int, opts Options) (*Router, error) {
	if n < 1 {
		return nil, fmt.Errorf("route: need at least one target, got %d", n)
	}
	if _, err := ParsePolicy(string(p)); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	r := &Router{policy: p, opts: opts, n: n, outstanding: make([]int, n), index: make([]*blockIndex, n),
		sessions: map[string]int{}, rng: rand.New(rand.NewPCG(opts.Seed, 0x726f757465))}
	for i := range r.index {
		r.index[i] = newBlockIndex(opts.MaxBlocks)
	}
	return r, nil
}

// Policy is the router's policy.
func (r *Router) Policy() Policy { return r.policy }

// Targets is the number of targets.
func (r *Router) Targets() int { return r.n }

// Pick chooses the target of req (of session, "" for none), counts it
// outstanding there until Done, and remembers its prompt blocks as sent
// there. gauges may be nil.
func (r *Router) Pick(req workloads.Request, session string, gauges GaugeFunc) Decision {
	p := hashPrompt(req, r.opts.BlockWords)
	r.mu.Lock()
	defer r.mu.Unlock()
	match := make([]int, r.n)
	for i, ix := range r.index {
		match[i] = ix.match(&p)
	}
	var g []Gauges
	var gOK []bool
	if gauges != nil {
		g, gOK = make([]Gauges, r.n), make([]bool, r.n)
		for i := range g {
			g[i], gOK[i] = gauges(i)
		}
	}
	i := r.choose(&p, session, match, g, gOK)
	d := Decision{Index: i, OverlapTokens: p.overlapTokens(match[i]), PromptTokens: p.total, Outstanding: r.outstanding[i]}
	if gOK != nil && gOK[i] {
		gi := g[i]
		d.Gauges = &gi
	}
	r.outstanding[i]++
	r.tick++
	r.index[i].add(&p, r.tick)
	r.next = (r.next + 1) % r.n
	return d
}

// Done ends the request of d on its target.
func (r *Router) Done(d Decision) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.outstanding[d.Index] > 0 {
		r.outstanding[d.Index]--
	}
}

func (r *Router) choose(p *prompt, session string, match []int, g []Gauges, gOK []bool) int {
	switch r.policy {
	case RoundRobin:
		return r.next
	case Random:
		return r.rng.IntN(r.n)
	case Session:
		if session == "" {
			return r.leastLoaded()
		}
		if i, ok := r.sessions[session]; ok {
			return i
		}
		i := r.leastLoaded()
		r.sessions[session] = i
		return i
	case PrefixAware:
		return r.prefixAware(p, match)
	case KVAware:
		return r.kvAware(p, match, g, gOK)
	}
	return r.leastLoaded()
}

// leastLoaded is the target with the fewest outstanding requests; ties go
// to the first from the round-robin position on, so equal loads take
// turns.
func (r *Router) leastLoaded() int {
	best := -1
	for k := range r.n {
		i := (r.next + k) % r.n
		if best < 0 || r.outstanding[i] < r.outstanding[best] {
			best = i
		}
	}
	return best
}

// prefixAware is SGLang's cache-aware rule.
func (r *Router) prefixAware(p *prompt, match []int) int {
	lo, hi := r.outstanding[0], r.outstanding[0]
	for _, o := range r.outstanding {
		lo, hi = min(lo, o), max(hi, o)
	}
	if hi-lo > r.opts.BalanceAbs && float64(hi) > r.opts.BalanceRel*float64(lo) {
		return r.leastLoaded()
	}
	best := -1
	for k := range r.n {
		i := (r.next + k) % r.n
		if best < 0 || match[i] > match[best] || (match[i] == match[best] && r.outstanding[i] < r.outstanding[best]) {
			best = i
		}
	}
	if len(p.blocks) > 0 && float64(match[best]) > r.opts.CacheThreshold*float64(len(p.blocks)) {
		return best
	}
	// Little to reuse anywhere: the target with the most room.
	best = -1
	for k := range r.n {
		i := (r.next + k) % r.n
		if best < 0 || len(r.index[i].seen) < len(r.index[best].seen) ||
			(len(r.index[i].seen) == len(r.index[best].seen) && r.outstanding[i] < r.outstanding[best]) {
			best = i
		}
	}
	return best
}

// kvAware scores each target by the share of the prompt left to prefill
// there plus its load, and takes the lowest:
//
//	cost = (1 - overlap/prompt) + kv_usage + queued / (running + 1)
//
// with queued = max(waiting, outstanding - running): the requests the
// engine has not started, or those the router sent and the gauges do not
// show yet. Without gauges, kv_usage and running are 0 and queued is the
// outstanding requests.
func (r *Router) kvAware(p *prompt, match []int, g []Gauges, gOK []bool) int {
	best, bestCost := -1, 0.0
	for k := range r.n {
		i := (r.next + k) % r.n
		prefill := 1.0
		if len(p.blocks) > 0 {
			prefill = 1 - float64(match[i])/float64(len(p.blocks))
		}
		var gi Gauges
		if gOK != nil && gOK[i] {
			gi = g[i]
		}
		queued := max(gi.Waiting, r.outstanding[i]-gi.Running)
		cost := prefill + gi.KVUsage + float64(queued)/float64(gi.Running+1)
		if best < 0 || cost < bestCost {
			best, bestCost = i, cost
		}
	}
	return best
}
