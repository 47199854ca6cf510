package scrape

import (
	"fmt"
	"math"
	"sort"
	"strconv"
)

// Canonical gauge keys: instantaneous values, kept as a time series.
const (
	GaugeRunning    = "running"     // requests in the running batch
	GaugeQueueDepth = "queue_depth" // requests waiting for admission
	GaugeKVUsage    = "kv_usage"    // KV-cache usage, a fraction 0..1
	// GaugePrefixHitRate is the engine's own prefix-cache hit rate (0..1),
	// for engines with no hit counters.
	GaugePrefixHitRate    = "prefix_cache_hit_rate"
	GaugeSpecAcceptLength = "spec_accept_length" // engine's running mean acceptance length
	GaugeSpecAcceptRate   = "spec_accept_rate"   // engine's running mean acceptance rate, 0..1
)

// Canonical counter keys: monotonic totals since the engine started; only
// their differences between scrapes mean something.
const (
	CounterPromptTokens     = "prompt_tokens" // prompt tokens, cached ones included
	CounterGenerationTokens = "generation_tokens"
	CounterCachedTokens     = "cached_tokens" // prompt tokens served from the prefix cache
	// CounterPrefixQueries, CounterPrefixHits and CounterPrefixMisses count
	// prefix-cache lookups in the engine's unit (tokens; blocks for
	// TensorRT-LLM): hit rate = hits/queries, or hits/(hits+misses).
	CounterPrefixQueries      = "prefix_cache_queries"
	CounterPrefixHits         = "prefix_cache_hits"
	CounterPrefixMisses       = "prefix_cache_misses"
	CounterPreemptions        = "preemptions"
	CounterSpecDrafts         = "spec_drafts" // verification steps that carried a draft
	CounterSpecDraftTokens    = "spec_draft_tokens"
	CounterSpecAcceptedTokens = "spec_accepted_tokens"
)

// maxPositions bounds the speculative position label: no engine drafts
// anywhere near this many tokens, and an absurd label must not allocate.
const maxPositions = 64

// Reading is one scrape in canonical terms.
type Reading struct {
	// Engine is the engine detected from the names present, or
	// EngineUnknown; absent when the scrape failed.
	Engine string `json:"engine,omitempty"`
	// Families is the number of metric families the scrape held (absent
	// when the scrape failed or the body was empty).
	Families int `json:"families,omitempty"`
	// Gauges and Counters hold the canonical quantities the engine exposes;
	// a quantity it does not expose is absent, never 0.
	Gauges   map[string]float64 `json:"gauges,omitempty"`
	Counters map[string]float64 `json:"counters,omitempty"`
	// PerPositionAccepted[k] is the counter of draft tokens accepted at
	// draft position k (0-based); PerPositionDrafted[k] the counter of draft
	// tokens proposed there (TensorRT-LLM only). A position missing between
	// two present ones reads 0.
	PerPositionAccepted []float64 `json:"per_position_accepted,omitempty"`
	PerPositionDrafted  []float64 `json:"per_position_drafted,omitempty"`
}

// meanGauges are averaged over label sets (several engines or models); the
// rest are counts and are summed.
var meanGauges = map[string]bool{
	GaugeKVUsage: true, GaugePrefixHitRate: true, GaugeSpecAcceptLength: true, GaugeSpecAcceptRate: true,
}

// fractionGauges are fractions 0..1. A value above 1 can only be a
// percentage, so it is divided by 100 (every engine documented today
// reports fractions; this keeps a percent-scaled exporter from reading as
// 4000% usage).
var fractionGauges = map[string]bool{
	GaugeKVUsage: true, GaugePrefixHitRate: true, GaugeSpecAcceptRate: true,
}

// canonical maps a parsed exposition onto the canonical keys.
func canonical(fams families) (Reading, error) {
	r := Reading{Engine: EngineUnknown, Families: len(fams)}
	em := detect(fams)
	if em == nil {
		return r, nil
	}
	r.Engine = em.name
	for key, names := range em.gauges {
		ss, ok := lookup(fams, names)
		if !ok {
			continue
		}
		if r.Gauges == nil {
			r.Gauges = map[string]float64{}
		}
		v := aggregateGauge(key, ss)
		if math.IsInf(v, 0) {
			return Reading{}, fmt.Errorf("scrape: %s: overflows summed over %d series", names[0], len(ss))
		}
		r.Gauges[key] = v
	}
	for key, names := range em.counters {
		ss, ok := lookup(fams, names)
		if !ok {
			continue
		}
		if r.Counters == nil {
			r.Counters = map[string]float64{}
		}
		sum := 0.0
		for _, s := range ss {
			sum += s.value
		}
		if math.IsInf(sum, 0) {
			return Reading{}, fmt.Errorf("scrape: %s: overflows summed over %d series", names[0], len(ss))
		}
		r.Counters[key] = sum
	}
	var err error
	if r.PerPositionAccepted, err = perPosition(fams, em.posAccepted, em.posLabel); err != nil {
		return Reading{}, err
	}
	if r.PerPositionDrafted, err = perPosition(fams, em.posDrafted, em.posLabel); err != nil {
		return Reading{}, err
	}
	if em.adjust != nil {
		em.adjust(&r)
	}
	return r, nil
}

func aggregateGauge(key string, ss []series) float64 {
	sum := 0.0
	for _, s := range ss {
		v := s.value
		if fractionGauges[key] && v > 1 {
			v /= 100
		}
		sum += v
	}
	if meanGauges[key] {
		return sum / float64(len(ss))
	}
	return sum
}

// perPosition sums a per-position counter over its other labels, by
// position. Nil when the engine has no such counter or does not expose it.
func perPosition(fams families, name, label string) ([]float64, error) {
	if name == "" {
		return nil, nil
	}
	ss, ok := lookup(fams, []string{name})
	if !ok {
		return nil, nil
	}
	byPos := map[int]float64{}
	for _, s := range ss {
		raw, ok := s.labels[label]
		if !ok {
			return nil, fmt.Errorf("scrape: %s: series without a %s label", name, label)
		}
		k, err := strconv.Atoi(raw)
		if err != nil || k < 0 || k >= maxPositions {
			return nil, fmt.Errorf("scrape: %s: %s=%q is not a position 0..%d", name, label, raw, maxPositions-1)
		}
		byPos[k] += s.value
		if math.IsInf(byPos[k], 0) {
			return nil, fmt.Errorf("scrape: %s: position %d overflows summed over series", name, k)
		}
	}
	keys := make([]int, 0, len(byPos))
	for k := range byPos {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	out := make([]float64, keys[len(keys)-1]+1)
	for _, k := range keys {
		out[k] = byPos[k]
	}
	return out, nil
}
