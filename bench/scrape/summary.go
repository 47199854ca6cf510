package scrape

import (
	"fmt"
	"math"
	"strings"
)

// EngineSummary is what the engine's own metrics say about a run: the
// engine section of summary.json. A quantity the engine did not expose, or
// that no two scrapes measured, is absent (nil), never 0.
type EngineSummary struct {
	// Name is the engine detected (EngineVLLM, ..., EngineUnknown); empty
	// when no scrape succeeded.
	Name          string `json:"name,omitempty"`
	Scrapes       int    `json:"scrapes"`
	FailedScrapes int    `json:"failed_scrapes,omitempty"`

	// Gauges over the run's during scrapes (over all successful scrapes
	// when the run was too short for one).
	KVUsage    *Stat `json:"kv_usage,omitempty"`
	QueueDepth *Stat `json:"queue_depth,omitempty"`
	Running    *Stat `json:"running,omitempty"`

	// Counter increases from the first to the last successful scrape.
	Preemptions      *float64 `json:"preemptions,omitempty"`
	PromptTokens     *float64 `json:"prompt_tokens,omitempty"`
	GenerationTokens *float64 `json:"generation_tokens,omitempty"`
	CachedTokens     *float64 `json:"cached_tokens,omitempty"`

	// PrefixCacheHitRate is the prefix-cache reuse obtained over the run,
	// 0..1; PrefixCacheSource says from what it was computed.
	PrefixCacheHitRate *float64 `json:"prefix_cache_hit_rate,omitempty"`
	PrefixCacheSource  string   `json:"prefix_cache_source,omitempty"`

	// Restarts counts the scrapes at which counters went down.
	Restarts int      `json:"restarts"`
	Warnings []string `json:"warnings,omitempty"`

	// Spec is speculative decoding as the engine's metrics report it; nil
	// when the engine drafted nothing during the run.
	Spec *SpecSummary `json:"spec,omitempty"`
}

// Stat summarises a gauge's time series.
type Stat struct {
	Mean    float64 `json:"mean"`
	Max     float64 `json:"max"`
	Samples int     `json:"samples"`
}

// SpecSummary is speculative-decoding acceptance from the engine's metrics
// (METRICS.md, source 1).
type SpecSummary struct {
	// Source is always "metrics"; other sources (responses, stream events)
	// are measured elsewhere and labelled likewise.
	Source string `json:"source"`
	// Estimator says how: "counter deltas", gauge means, or both.
	Estimator string `json:"estimator"`
	// AcceptanceRate is accepted / draft tokens, 0..1.
	AcceptanceRate *float64 `json:"acceptance_rate,omitempty"`
	// AcceptanceLength is tokens per verification step, 1 + accepted / drafts.
	AcceptanceLength *float64 `json:"acceptance_length,omitempty"`
	// PerPosition[k] is accepted at draft position k / drafts.
	PerPosition    []float64 `json:"per_position,omitempty"`
	Drafts         *float64  `json:"drafts,omitempty"`
	DraftTokens    *float64  `json:"draft_tokens,omitempty"`
	AcceptedTokens *float64  `json:"accepted_tokens,omitempty"`
}

// Summarize computes the engine figures of a run from its samples, in the
// order they were taken. Failed scrapes are counted and otherwise skipped.
func Summarize(samples []Sample) EngineSummary {
	var es EngineSummary
	var ok []Sample
	for _, s := range samples {
		if s.OK() {
			ok = append(ok, s)
		} else {
			es.FailedScrapes++
		}
	}
	es.Scrapes = len(ok)
	if len(ok) == 0 {
		return es
	}
	es.Name, es.Warnings = engineName(ok)

	gs := gaugeSamples(ok)
	es.KVUsage = gaugeStat(gs, GaugeKVUsage)
	es.QueueDepth = gaugeStat(gs, GaugeQueueDepth)
	es.Running = gaugeStat(gs, GaugeRunning)

	deltas, resets := counterDeltas(ok)
	es.Restarts = len(resets)
	es.Warnings = append(es.Warnings, resetWarnings(ok, resets)...)
	es.Preemptions = get(deltas, CounterPreemptions)
	es.PromptTokens = get(deltas, CounterPromptTokens)
	es.GenerationTokens = get(deltas, CounterGenerationTokens)
	es.CachedTokens = get(deltas, CounterCachedTokens)
	es.PrefixCacheHitRate, es.PrefixCacheSource = prefixHitRate(deltas, gs)
	es.Spec = specSummary(deltas, gs)
	return es
}

// engineName is the engine most scrapes detected, with a warning when
// scrapes disagree (the server was swapped mid-run).
func engineName(ok []Sample) (string, []string) {
	count := map[string]int{}
	var order []string
	for _, s := range ok {
		if count[s.Engine] == 0 {
			order = append(order, s.Engine)
		}
		count[s.Engine]++
	}
	best := order[0]
	for _, e := range order {
		if count[e] > count[best] {
			best = e
		}
	}
	if len(order) == 1 {
		return best, nil
	}
	return best, []string{fmt.Sprintf("scrapes detected different engines (%s): the server changed during the run", strings.Join(order, ", "))}
}

// gaugeSamples picks the scrapes that describe the run under load: the
// during scrapes, or every scrape when the run ended before the first tick.
func gaugeSamples(ok []Sample) []Sample {
	var during []Sample
	for _, s := range ok {
		if s.Phase == PhaseDuring {
			during = append(during, s)
		}
	}
	if len(during) > 0 {
		return during
	}
	return ok
}

func gaugeStat(gs []Sample, key string) *Stat {
	var st Stat
	sum := 0.0
	for _, s := range gs {
		v, ok := s.Gauges[key]
		if !ok {
			continue
		}
		if st.Samples == 0 || v > st.Max {
			st.Max = v
		}
		sum += v
		st.Samples++
	}
	st.Mean = sum / float64(st.Samples)
	if st.Samples == 0 || num(st.Mean) == nil {
		return nil
	}
	return &st
}

func get(m map[string]float64, key string) *float64 {
	if v, ok := m[key]; ok {
		return num(v)
	}
	return nil
}

// num points at v, or is nil when v is not finite: a figure that overflowed
// (only absurd input does that) is no figure, and JSON could not hold it.
func num(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// prefixHitRate prefers counters (reuse obtained over exactly this run) to
// the engine's own hit-rate gauge (which may average over its lifetime).
func prefixHitRate(d map[string]float64, gs []Sample) (*float64, string) {
	h, hok := d[CounterPrefixHits]
	if q, ok := d[CounterPrefixQueries]; ok && hok && q > 0 {
		return ratio(h, q), "counters: hits/queries"
	}
	if m, ok := d[CounterPrefixMisses]; ok && hok && h+m > 0 {
		return ratio(h, h+m), "counters: hits/(hits+misses)"
	}
	c, cok := d[CounterCachedTokens]
	if p, ok := d[CounterPromptTokens]; ok && cok && p > 0 {
		return ratio(c, p), "counters: cached/prompt tokens"
	}
	if st := gaugeStat(gs, GaugePrefixHitRate); st != nil {
		return num(st.Mean), "gauge mean"
	}
	return nil, ""
}

func ratio(a, b float64) *float64 { return num(a / b) }

// specSummary computes acceptance from counter deltas where the engine
// counts drafts, falling back to its acceptance gauges (SGLang,
// TensorRT-LLM's acceptance length) where it does not.
func specSummary(d map[string]float64, gs []Sample) *SpecSummary {
	sp := SpecSummary{Source: "metrics"}
	var how []string
	drafts, hasDrafts := d[CounterSpecDrafts]
	if !hasDrafts {
		// Every draft proposes a token at position 0, so TensorRT-LLM's
		// drafted-at-position-0 counter counts drafts.
		if dp := positions(d, posDraftedKey); len(dp) > 0 {
			drafts, hasDrafts = dp[0], true
		}
	}
	draftTokens, hasDT := d[CounterSpecDraftTokens]
	accepted, hasAcc := d[CounterSpecAcceptedTokens]
	if hasDT && draftTokens > 0 {
		sp.DraftTokens = num(draftTokens)
		if hasAcc {
			sp.AcceptedTokens = num(accepted)
			sp.AcceptanceRate = ratio(accepted, draftTokens)
		}
		if hasDrafts && drafts > 0 {
			sp.Drafts = num(drafts)
			if hasAcc {
				sp.AcceptanceLength = num(1 + accepted/drafts)
			}
			for _, a := range positions(d, posAcceptedKey) {
				pp := ratio(a, drafts)
				if pp == nil { // overflow: no per-position figure rather than a shifted one
					sp.PerPosition = nil
					break
				}
				sp.PerPosition = append(sp.PerPosition, *pp)
			}
		}
		how = append(how, "counter deltas")
	}
	if sp.AcceptanceLength == nil || sp.AcceptanceRate == nil {
		length, rate := specGauges(gs)
		if sp.AcceptanceLength == nil && length != nil {
			sp.AcceptanceLength = length
			how = append(how, "acceptance_length from gauge mean")
		}
		if sp.AcceptanceRate == nil && rate != nil {
			sp.AcceptanceRate = rate
			how = append(how, "acceptance_rate from gauge mean")
		}
	}
	if len(how) == 0 {
		return nil
	}
	sp.Estimator = strings.Join(how, "; ")
	return &sp
}

// specGauges averages the engine's acceptance gauges over the scrapes
// where speculation was active. An acceptance length is at least 1 when
// drafting, so a scrape reading 0 on both says speculation was off (SGLang
// exports the gauges either way) and is left out.
func specGauges(gs []Sample) (length, rate *float64) {
	var lsum, rsum float64
	var ln, rn int
	for _, s := range gs {
		l, lok := s.Gauges[GaugeSpecAcceptLength]
		r, rok := s.Gauges[GaugeSpecAcceptRate]
		if l <= 0 && r <= 0 {
			continue
		}
		if lok && l > 0 {
			lsum += l
			ln++
		}
		if rok {
			rsum += r
			rn++
		}
	}
	if ln > 0 {
		length = ratio(lsum, float64(ln))
	}
	if rn > 0 {
		rate = ratio(rsum, float64(rn))
	}
	return length, rate
}
