package scrape

import (
	"math"
	"strings"
)

// Engine names, as detected and written in metrics.jsonl and summary.json.
const (
	EngineVLLM     = "vllm"
	EngineSGLang   = "sglang"
	EngineTRTLLM   = "trtllm"
	EngineLlamaCpp = "llamacpp"
	EngineTGI      = "tgi"
	// EngineUnknown is a server whose metric names match no known engine.
	EngineUnknown = "unknown"
)

// engineMap maps one engine's metric names onto the canonical keys. For each
// key the candidates are tried in order and the first family present wins,
// which is how renamed metrics (vLLM before and after 0.12) are handled.
type engineMap struct {
	name     string
	prefixes []string // name prefixes that identify the engine
	gauges   map[string][]string
	counters map[string][]string
	// posAccepted and posDrafted are per-position counters; posLabel names
	// their position label (0-based in every engine seen).
	posAccepted, posDrafted, posLabel string
	// adjust fixes up engine-specific meanings after mapping.
	adjust func(*Reading)
}

// engines is the name map of every known engine. Sources relied on:
//
//   - vLLM: vllm/v1/metrics/loggers.py names as documented in docs.vllm.ai
//     "Production Metrics" and seen in public scrape scripts:
//     vllm:num_requests_{running,waiting}, vllm:kv_cache_usage_perc (a
//     fraction despite its name: "1 means 100 percent usage"),
//     vllm:prefix_cache_{queries,hits}_total (tokens), vllm:num_preemptions_total,
//     vllm:{prompt,generation}_tokens_total, vllm:spec_decode_num_{drafts,
//     draft_tokens,accepted_tokens}_total and
//     vllm:spec_decode_num_accepted_tokens_per_pos_total{position="0".."k-1"}.
//     Before 0.12: vllm:gpu_cache_usage_perc and vllm:gpu_prefix_cache_{queries,hits}_total.
//     Series carry model_name and engine="0".."n-1" (data parallel) labels.
//   - SGLang: docs.sglang.io "Production Metrics": sglang:num_running_reqs,
//     sglang:num_queue_reqs, sglang:token_usage (fraction), sglang:cache_hit_rate,
//     sglang:spec_accept_length, sglang:spec_accept_rate,
//     sglang:{prompt,generation,cached}_tokens_total (cached_tokens_total has
//     a cache_source label: device, host, storage).
//   - TensorRT-LLM: tensorrt_llm/metrics/collector.py (MetricsCollector):
//     trtllm_num_requests_{running,waiting}, trtllm_kv_cache_utilization
//     (used/max blocks), trtllm_kv_cache_hit_rate, trtllm_kv_cache_{reused,missed}_blocks_total,
//     trtllm_{prompt,generation}_tokens_total, trtllm_prompt_cached_tokens_total,
//     trtllm_spec_decode_num_{draft,accepted}_tokens_total,
//     trtllm_spec_decode_acceptance_length, and per position
//     trtllm_spec_decode_{drafted,accepted}_tokens_total{token_position}.
//     Dynamo's older docs show a trtllm: prefix; both are accepted.
//   - llama.cpp: the real captures in testdata (llama-server b10573):
//     llamacpp:requests_{processing,deferred}, llamacpp:prompt_tokens_total
//     ("excluding cached tokens"), llamacpp:prompt_tokens_cached_total,
//     llamacpp:tokens_predicted_total, llamacpp:spec_decode_num_{drafts,
//     draft_tokens,accepted_tokens}_total and ..._accepted_tokens_per_pos_total{position}.
//     llamacpp:kv_cache_usage_ratio is from older builds (absent in b10573).
//   - TGI: huggingface.co/docs/text-generation-inference/reference/metrics:
//     tgi_queue_size, tgi_batch_current_size. TGI's counters have no _total
//     suffix and its token counts are histograms, so none is read.
var engines = []engineMap{
	{
		name:     EngineVLLM,
		prefixes: []string{"vllm:"},
		gauges: map[string][]string{
			GaugeRunning:    {"vllm:num_requests_running"},
			GaugeQueueDepth: {"vllm:num_requests_waiting"},
			GaugeKVUsage:    {"vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc"},
			// vLLM 0.6-0.8 (v0 engine) exposed only a hit-rate gauge.
			GaugePrefixHitRate: {"vllm:gpu_prefix_cache_hit_rate"},
		},
		counters: map[string][]string{
			CounterPromptTokens:       {"vllm:prompt_tokens_total"},
			CounterGenerationTokens:   {"vllm:generation_tokens_total"},
			CounterPrefixQueries:      {"vllm:prefix_cache_queries_total", "vllm:gpu_prefix_cache_queries_total"},
			CounterPrefixHits:         {"vllm:prefix_cache_hits_total", "vllm:gpu_prefix_cache_hits_total"},
			CounterCachedTokens:       {"vllm:prefix_cache_hits_total", "vllm:gpu_prefix_cache_hits_total"},
			CounterPreemptions:        {"vllm:num_preemptions_total"},
			CounterSpecDrafts:         {"vllm:spec_decode_num_drafts_total"},
			CounterSpecDraftTokens:    {"vllm:spec_decode_num_draft_tokens_total"},
			CounterSpecAcceptedTokens: {"vllm:spec_decode_num_accepted_tokens_total"},
		},
		posAccepted: "vllm:spec_decode_num_accepted_tokens_per_pos_total",
		posLabel:    "position",
	},
	{
		name:     EngineSGLang,
		prefixes: []string{"sglang:"},
		gauges: map[string][]string{
			GaugeRunning:          {"sglang:num_running_reqs"},
			GaugeQueueDepth:       {"sglang:num_queue_reqs"},
			GaugeKVUsage:          {"sglang:token_usage"},
			GaugePrefixHitRate:    {"sglang:cache_hit_rate"},
			GaugeSpecAcceptLength: {"sglang:spec_accept_length"},
			GaugeSpecAcceptRate:   {"sglang:spec_accept_rate"},
		},
		counters: map[string][]string{
			CounterPromptTokens:     {"sglang:prompt_tokens_total"},
			CounterGenerationTokens: {"sglang:generation_tokens_total"},
			CounterCachedTokens:     {"sglang:cached_tokens_total"},
		},
	},
	{
		name:     EngineTRTLLM,
		prefixes: []string{"trtllm_", "trtllm:"},
		gauges: map[string][]string{
			GaugeRunning:          {"trtllm_num_requests_running"},
			GaugeQueueDepth:       {"trtllm_num_requests_waiting"},
			GaugeKVUsage:          {"trtllm_kv_cache_utilization"},
			GaugePrefixHitRate:    {"trtllm_kv_cache_hit_rate"},
			GaugeSpecAcceptLength: {"trtllm_spec_decode_acceptance_length"},
		},
		counters: map[string][]string{
			CounterPromptTokens:       {"trtllm_prompt_tokens_total"},
			CounterGenerationTokens:   {"trtllm_generation_tokens_total"},
			CounterCachedTokens:       {"trtllm_prompt_cached_tokens_total"},
			CounterPrefixHits:         {"trtllm_kv_cache_reused_blocks_total"},
			CounterPrefixMisses:       {"trtllm_kv_cache_missed_blocks_total"},
			CounterSpecDraftTokens:    {"trtllm_spec_decode_num_draft_tokens_total"},
			CounterSpecAcceptedTokens: {"trtllm_spec_decode_num_accepted_tokens_total"},
		},
		posAccepted: "trtllm_spec_decode_accepted_tokens_total",
		posDrafted:  "trtllm_spec_decode_drafted_tokens_total",
		posLabel:    "token_position",
	},
	{
		name:     EngineLlamaCpp,
		prefixes: []string{"llamacpp:"},
		gauges: map[string][]string{
			GaugeRunning:    {"llamacpp:requests_processing"},
			GaugeQueueDepth: {"llamacpp:requests_deferred"},
			GaugeKVUsage:    {"llamacpp:kv_cache_usage_ratio"},
		},
		counters: map[string][]string{
			CounterPromptTokens:       {"llamacpp:prompt_tokens_total"},
			CounterGenerationTokens:   {"llamacpp:tokens_predicted_total"},
			CounterCachedTokens:       {"llamacpp:prompt_tokens_cached_total"},
			CounterPrefixHits:         {"llamacpp:prompt_tokens_cached_total"},
			CounterPrefixMisses:       {"llamacpp:prompt_tokens_total"},
			CounterSpecDrafts:         {"llamacpp:spec_decode_num_drafts_total"},
			CounterSpecDraftTokens:    {"llamacpp:spec_decode_num_draft_tokens_total"},
			CounterSpecAcceptedTokens: {"llamacpp:spec_decode_num_accepted_tokens_total"},
		},
		posAccepted: "llamacpp:spec_decode_num_accepted_tokens_per_pos_total",
		posLabel:    "position",
		// llama.cpp's prompt counter excludes tokens reused from the cache;
		// every other engine's (and usage.prompt_tokens) includes them.
		adjust: func(r *Reading) {
			if c, ok := r.Counters[CounterCachedTokens]; ok {
				if p, ok := r.Counters[CounterPromptTokens]; ok && !math.IsInf(p+c, 0) {
					r.Counters[CounterPromptTokens] = p + c
				}
			}
		},
	},
	{
		name:     EngineTGI,
		prefixes: []string{"tgi_"},
		gauges: map[string][]string{
			GaugeRunning:    {"tgi_batch_current_size"},
			GaugeQueueDepth: {"tgi_queue_size"},
		},
	},
}

// detect names the engine whose prefixes the most families carry; ties go
// to the earlier engine of the table. Nil when no family matches.
func detect(fams families) *engineMap {
	best, bestN := -1, 0
	for i := range engines {
		n := 0
		for name := range fams {
			for _, p := range engines[i].prefixes {
				if strings.HasPrefix(name, p) {
					n++
					break
				}
			}
		}
		if n > bestN {
			best, bestN = i, n
		}
	}
	if best < 0 {
		return nil
	}
	return &engines[best]
}

// lookup returns the series of the first candidate present. A trtllm_ name
// is also tried with the trtllm: prefix older Dynamo releases used.
func lookup(fams families, candidates []string) ([]series, bool) {
	for _, name := range candidates {
		if s, ok := fams[name]; ok && len(s) > 0 {
			return s, true
		}
		if rest, ok := strings.CutPrefix(name, "trtllm_"); ok {
			if s, ok := fams["trtllm:"+rest]; ok && len(s) > 0 {
				return s, true
			}
		}
	}
	return nil, false
}
