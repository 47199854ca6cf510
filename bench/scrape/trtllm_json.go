package scrape

import (
	"encoding/json"
	"fmt"
	"io"
)

// trtllm-serve's own /metrics (without Dynamo in front) answers JSON, not
// Prometheus text: a list of the executor's per-iteration statistics
// gathered since the previous call, e.g.
//
//	[{"iter": 1, "iterLatencyMS": 16.5, "numActiveRequests": 4,
//	  "numQueuedRequests": 0, "gpuMemUsage": 56401920000,
//	  "kvCacheStats": {"maxNumBlocks": 1000, "usedNumBlocks": 250,
//	                   "freeNumBlocks": 750, "tokensPerBlock": 32,
//	                   "cacheHitRate": 0.5}, ...}]
//
// (TensorRT-LLM docs, commands/trtllm-serve, "Metrics and Monitoring"; the
// field names are the executor's IterationStats). Each call drains the
// list, so only gauges are read, from the latest iteration: requests
// running and queued, KV-cache usage (used / max blocks) and the engine's
// cache hit rate. Counters are not derivable from drained lists and stay
// absent.
type trtllmIteration struct {
	Iter              *float64 `json:"iter"`
	NumActiveRequests *float64 `json:"numActiveRequests"`
	NumQueuedRequests *float64 `json:"numQueuedRequests"`
	KVCacheStats      *struct {
		MaxNumBlocks  *float64 `json:"maxNumBlocks"`
		UsedNumBlocks *float64 `json:"usedNumBlocks"`
		CacheHitRate  *float64 `json:"cacheHitRate"`
	} `json:"kvCacheStats"`
}

// parseTRTLLMJSON reads trtllm-serve's JSON iteration statistics.
func parseTRTLLMJSON(r io.Reader) (Reading, error) {
	var iters []trtllmIteration
	if err := json.NewDecoder(io.LimitReader(r, 64<<20)).Decode(&iters); err != nil {
		return Reading{}, fmt.Errorf("scrape: parse TensorRT-LLM JSON iteration stats: %w", err)
	}
	rd := Reading{Engine: EngineTRTLLM}
	if len(iters) == 0 {
		return rd, nil // no iteration since the last call: nothing measured
	}
	last := iters[len(iters)-1]
	g := map[string]float64{}
	set := func(k string, v *float64) {
		if v != nil && *v >= 0 {
			g[k] = *v
		}
	}
	set(GaugeRunning, last.NumActiveRequests)
	set(GaugeQueueDepth, last.NumQueuedRequests)
	if kv := last.KVCacheStats; kv != nil {
		if kv.MaxNumBlocks != nil && kv.UsedNumBlocks != nil && *kv.MaxNumBlocks > 0 {
			u := *kv.UsedNumBlocks / *kv.MaxNumBlocks
			set(GaugeKVUsage, &u)
		}
		if kv.CacheHitRate != nil && *kv.CacheHitRate <= 1 {
			set(GaugePrefixHitRate, kv.CacheHitRate)
		}
	}
	if len(g) > 0 {
		rd.Gauges = g
	}
	return rd, nil
}
