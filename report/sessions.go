package report

import (
	"math"
	"sort"

	"github.com/tokenbench/tokenbench/bench"
)

// Sessions describes a multi-turn (agentic) run per session: how many turns
// each had, how long it lasted from its first request's start to its last
// request's end, how much of that the model took (the sum of its requests'
// E2E) and how much went to think and tool time between turns, and TTFT
// against the context length each turn sent.
type Sessions struct {
	Count      int           `json:"count"`
	Turns      *Distribution `json:"turns"`
	DurationMS *Distribution `json:"duration_ms"`
	ModelMS    *Distribution `json:"model_time_ms"`
	ToolMS     *Distribution `json:"tool_time_ms"`
	// ModelShare is total model time over total session time.
	ModelShare float64 `json:"model_time_share"`
	// TTFTByContext buckets successful turns by their prompt length
	// (input_tokens) in powers of two.
	TTFTByContext []ContextBucket `json:"ttft_by_context"`
}

// ContextBucket is TTFT over the turns whose prompt had between
// MinTokens and MaxTokens tokens.
type ContextBucket struct {
	MinTokens int     `json:"min_tokens"`
	MaxTokens int     `json:"max_tokens"`
	Requests  int     `json:"requests"`
	TTFTP50MS float64 `json:"ttft_p50_ms"`
	TTFTMean  float64 `json:"ttft_mean_ms"`
}

type sessionAcc struct {
	turns       int
	start, done float64
	timed       bool // start and done are set
	model       float64
}

type sessionCollector struct {
	by    map[string]*sessionAcc
	ttfts map[int][]float64 // by log2 bucket of input tokens
}

// add counts r's turn; its times enter only when the rule kept them (v).
func (c *sessionCollector) add(r *bench.Record, v *RecordValues) {
	if r.Session == "" {
		return
	}
	if c.by == nil {
		c.by, c.ttfts = map[string]*sessionAcc{}, map[int][]float64{}
	}
	s := c.by[r.Session]
	if s == nil {
		s = &sessionAcc{}
		c.by[r.Session] = s
	}
	s.turns++
	if v.InWindow {
		if !s.timed {
			s.start, s.done, s.timed = v.TStart, v.TDone, true
		}
		s.start = math.Min(s.start, v.TStart)
		s.done = math.Max(s.done, v.TDone)
	}
	if v.E2EOK {
		s.model += v.E2E
	}
	if r.OK && r.TTFTMS != nil && r.InputTokens > 0 {
		b := int(math.Floor(math.Log2(float64(r.InputTokens))))
		c.ttfts[b] = append(c.ttfts[b], *r.TTFTMS)
	}
}

// close returns nil when no session had two turns: single-request
// "sessions" (an import's conversation ids) say nothing per session.
func (c *sessionCollector) close() *Sessions {
	multi := false
	for _, s := range c.by {
		multi = multi || s.turns > 1
	}
	if !multi {
		return nil
	}
	var turns, dur, model, tool []float64
	var sumDur, sumModel float64
	for _, s := range c.by {
		d := s.done - s.start
		turns = append(turns, float64(s.turns))
		dur = append(dur, d)
		model = append(model, s.model)
		tool = append(tool, math.Max(0, d-s.model))
		sumDur += d
		sumModel += s.model
	}
	out := &Sessions{Count: len(c.by), Turns: newDistribution(turns), DurationMS: newDistribution(dur),
		ModelMS: newDistribution(model), ToolMS: newDistribution(tool)}
	if sumDur > 0 {
		out.ModelShare = math.Min(1, sumModel/sumDur)
	}
	keys := make([]int, 0, len(c.ttfts))
	for k := range c.ttfts {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	for _, k := range keys {
		d := newDistribution(c.ttfts[k])
		out.TTFTByContext = append(out.TTFTByContext, ContextBucket{MinTokens: 1 << k, MaxTokens: 1<<(k+1) - 1,
			Requests: d.Count, TTFTP50MS: d.P50, TTFTMean: d.Mean})
	}
	return out
}
