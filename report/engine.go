package report

import (
	"cmp"
	"slices"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/bench/scrape"
)

// Engine is the engine section of summary.json: what the engine's metrics
// say (scrape.EngineSummary, when they were scraped), speculative decoding
// from up to three sources side by side, and prefix reuse intended by the
// workload beside the reuse obtained.
type Engine struct {
	*scrape.EngineSummary
	// Spec shadows EngineSummary.Spec, which appears here as Spec.Metrics.
	Spec        *SpecSources `json:"spec,omitempty"`
	PrefixReuse *PrefixReuse `json:"prefix_reuse,omitempty"`
}

// SpecSources holds acceptance per source of METRICS.md: the engine's
// counters (metrics), per-response fields (response) and the stream itself
// (events), each absent when it has no data.
type SpecSources struct {
	Metrics  *scrape.SpecSummary `json:"metrics,omitempty"`
	Response *SpecFigures        `json:"response,omitempty"`
	Events   *SpecFigures        `json:"events,omitempty"`
	// Disagreement lists sources whose acceptance lengths differ by >10%.
	Disagreement []string `json:"disagreement,omitempty"`
	// TPOTByAcceptance shows TPOT against per-request acceptance length,
	// by quartile of acceptance: whether drafts help or hurt.
	TPOTByAcceptance []AcceptanceBucket `json:"tpot_by_acceptance,omitempty"`
}

// AcceptanceBucket is one quartile of requests by acceptance length.
type AcceptanceBucket struct {
	Requests             int     `json:"requests"`
	AcceptanceLengthMin  float64 `json:"acceptance_length_min"`
	AcceptanceLengthMax  float64 `json:"acceptance_length_max"`
	AcceptanceLengthMean float64 `json:"acceptance_length_mean"`
	TPOTMeanMS           float64 `json:"tpot_mean_ms"`
}

// PrefixReuse compares the share of prompt tokens the workload meant to be
// served from a prefix cache with the share obtained, from usage
// (cached_tokens / input_tokens over records that report it) and from the
// engine's counters.
type PrefixReuse struct {
	Intended       *float64 `json:"intended,omitempty"`
	ObtainedUsage  *float64 `json:"obtained_usage,omitempty"`
	ObtainedEngine *float64 `json:"obtained_engine,omitempty"`
}

// specCollector gathers the response and events sources over records.
type specCollector struct {
	resp, ev specCounts
	perReq   []accTPOT
	// usage-reported prefix reuse
	cachedIn, cachedOf float64
	cachedSeen         bool
}

type accTPOT struct{ al, tpot float64 }

func (c *specCollector) add(r *bench.Record) {
	if !r.OK {
		return
	}
	if r.CachedTokens != nil && r.InputTokens > 0 {
		c.cachedIn += float64(*r.CachedTokens)
		c.cachedOf += float64(r.InputTokens)
		c.cachedSeen = true
	}
	// Each source is read once per record: with a million records the
	// engine fields and the event gaps are most of the aggregation's work.
	drafted, acc, rsteps, hasDrafted, rest, rok := responseSpec(r)
	if rok {
		c.resp.requests++
		c.resp.drafted += drafted
		c.resp.accepted += acc
		c.resp.steps += rsteps
		c.resp.hasDrafted = c.resp.hasDrafted || hasDrafted
		c.resp.note(rest)
	}
	tokens, esteps, eest, eok := eventSpec(r)
	if eok {
		c.ev.requests++
		c.ev.accepted += tokens - esteps // tokens = steps + accepted
		c.ev.steps += esteps
		c.ev.note(eest)
	}
	// The request's acceptance length: from its response fields if any,
	// else from its events.
	if r.TPOTMS != nil {
		switch {
		case rok:
			c.perReq = append(c.perReq, accTPOT{1 + acc/rsteps, *r.TPOTMS})
		case eok && esteps > 0:
			c.perReq = append(c.perReq, accTPOT{tokens / esteps, *r.TPOTMS})
		}
	}
}

// close returns the engine section, or nil when there is nothing to say.
// The events source measures tokens per step for every stream; it is shown
// only when the run speculated (a response source) or when its streams
// carried more than one token per step (over 1.05), so that a plain run's
// summary does not carry a speculative-decoding section. Otherwise it is
// returned apart, for SetEngineMetrics to show it should the engine's
// counters report drafts.
func (c *specCollector) close() (e *Engine, hiddenEvents *SpecFigures) {
	e = &Engine{}
	if c.cachedSeen && c.cachedOf > 0 {
		v := c.cachedIn / c.cachedOf
		e.PrefixReuse = &PrefixReuse{ObtainedUsage: &v}
	}
	resp, ev := c.resp.figures("response"), c.ev.figures("events")
	if resp == nil && ev != nil && *ev.AcceptanceLength <= 1.05 {
		ev, hiddenEvents = nil, ev
	}
	if resp != nil || ev != nil {
		e.Spec = &SpecSources{Response: resp, Events: ev, Disagreement: disagreement(resp, ev),
			TPOTByAcceptance: acceptanceBuckets(c.perReq)}
	}
	if e.Spec == nil && e.PrefixReuse == nil {
		return nil, hiddenEvents
	}
	return e, hiddenEvents
}

// acceptanceBuckets splits requests into quartiles of acceptance length,
// when there are at least 8 and their acceptance varies.
func acceptanceBuckets(rs []accTPOT) []AcceptanceBucket {
	if len(rs) < 8 {
		return nil
	}
	s := append([]accTPOT(nil), rs...)
	// A total order: ties in acceptance (common: many requests at exactly
	// 1 or 2 tokens per step) must not let two summaries of the same
	// records (run and summarize) bucket them differently.
	slices.SortFunc(s, func(a, b accTPOT) int {
		if c := cmp.Compare(a.al, b.al); c != 0 {
			return c
		}
		return cmp.Compare(a.tpot, b.tpot)
	})
	if s[len(s)-1].al-s[0].al < 0.05 {
		return nil
	}
	var out []AcceptanceBucket
	for q := 0; q < 4; q++ {
		part := s[q*len(s)/4 : (q+1)*len(s)/4]
		b := AcceptanceBucket{Requests: len(part), AcceptanceLengthMin: part[0].al, AcceptanceLengthMax: part[len(part)-1].al}
		for _, x := range part {
			b.AcceptanceLengthMean += x.al / float64(len(part))
			b.TPOTMeanMS += x.tpot / float64(len(part))
		}
		out = append(out, b)
	}
	return out
}

// SetEngineMetrics adds what the engine's scraped metrics say to s.
func (s *Summary) SetEngineMetrics(es scrape.EngineSummary) {
	if s.Engine == nil {
		s.Engine = &Engine{}
	}
	s.Engine.EngineSummary = &es
	if es.Spec != nil {
		if s.Engine.Spec == nil {
			s.Engine.Spec = &SpecSources{}
		}
		sp := s.Engine.Spec
		sp.Metrics = es.Spec
		if sp.Events == nil {
			sp.Events = s.hiddenEvents
		}
		sp.Disagreement = disagreement(metricsFigures(es.Spec), sp.Response, sp.Events)
	}
	if es.PrefixCacheHitRate != nil {
		if s.Engine.PrefixReuse == nil {
			s.Engine.PrefixReuse = &PrefixReuse{}
		}
		s.Engine.PrefixReuse.ObtainedEngine = es.PrefixCacheHitRate
	}
}

// SetIntendedPrefixReuse records the share of prompt tokens the workload
// meant to be reusable.
func (s *Summary) SetIntendedPrefixReuse(ratio float64) {
	if s.Engine == nil {
		s.Engine = &Engine{}
	}
	if s.Engine.PrefixReuse == nil {
		s.Engine.PrefixReuse = &PrefixReuse{}
	}
	s.Engine.PrefixReuse.Intended = &ratio
}

func metricsFigures(m *scrape.SpecSummary) *SpecFigures {
	if m == nil {
		return nil
	}
	return &SpecFigures{Source: "metrics", AcceptanceLength: m.AcceptanceLength, AcceptanceRate: m.AcceptanceRate}
}
