package sim

import (
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Histogram buckets of vLLM's V1 metrics (vllm/v1/metrics/loggers.py).
var (
	ttftBuckets = []float64{0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0,
		2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0}
	itlBuckets = []float64{0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0,
		2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0}
	requestBuckets = []float64{0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0,
		40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0}
)

// latencies are vLLM's request latency histograms, observed on the engine's
// clock by the scheduler as its steps end.
type latencies struct {
	ttft, itl, e2e, queue prometheus.Histogram
}

func newLatencies(model string) *latencies {
	h := func(name, help string, buckets []float64) prometheus.Histogram {
		return prometheus.NewHistogram(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets,
			ConstLabels: prometheus.Labels{"model_name": model}})
	}
	return &latencies{
		ttft:  h("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", ttftBuckets),
		itl:   h("vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds (one sample per step that emits tokens).", itlBuckets),
		e2e:   h("vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", requestBuckets),
		queue: h("vllm:request_queue_time_seconds", "Histogram of time spent in WAITING phase for request.", requestBuckets),
	}
}

func (l *latencies) all() []prometheus.Collector {
	return []prometheus.Collector{l.ttft, l.itl, l.e2e, l.queue}
}

// collector exposes the scheduler's gauges and counters under vLLM's current
// metric names. It reads the scheduler at scrape time, so the numbers are
// never stale.
type collector struct {
	e                                 *Engine
	running, waiting, kv              *prometheus.Desc
	prompt, generation, ok, preempt   *prometheus.Desc
	prefixQueries, prefixHits         *prometheus.Desc
	drafts, draftTokens, accepted, at *prometheus.Desc
}

func newCollector(e *Engine) *collector {
	labels := prometheus.Labels{"model_name": e.served}
	desc := func(name, help string, variable ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, variable, labels)
	}
	return &collector{
		e:             e,
		running:       desc("vllm:num_requests_running", "Number of requests in model execution batches."),
		waiting:       desc("vllm:num_requests_waiting", "Number of requests waiting to be processed."),
		kv:            desc("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage."),
		prompt:        desc("vllm:prompt_tokens_total", "Number of prefill tokens processed."),
		generation:    desc("vllm:generation_tokens_total", "Number of generation tokens processed."),
		ok:            desc("vllm:request_success_total", "Count of finished requests by finish reason (abort: the client went away).", "finished_reason"),
		preempt:       desc("vllm:num_preemptions_total", "Cumulative number of preemptions from the engine."),
		prefixQueries: desc("vllm:prefix_cache_queries_total", "Prefix cache queries, in terms of number of queried tokens."),
		prefixHits:    desc("vllm:prefix_cache_hits_total", "Prefix cache hits, in terms of number of cached tokens."),
		drafts:        desc("vllm:spec_decode_num_drafts_total", "Number of spec decoding drafts."),
		draftTokens:   desc("vllm:spec_decode_num_draft_tokens_total", "Number of draft tokens."),
		accepted:      desc("vllm:spec_decode_num_accepted_tokens_total", "Number of accepted tokens."),
		at:            desc("vllm:spec_decode_num_accepted_tokens_per_pos_total", "Accepted tokens per draft position.", "position"),
	}
}

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.running, c.waiting, c.kv, c.prompt, c.generation, c.ok, c.preempt,
		c.prefixQueries, c.prefixHits, c.drafts, c.draftTokens, c.accepted, c.at} {
		ch <- d
	}
}

// Collect implements prometheus.Collector. The speculative-decoding series
// exist only when speculative decoding is on, as in vLLM.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	s := c.e.stats()
	gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	count := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge(c.running, float64(s.running))
	gauge(c.waiting, float64(s.waiting))
	gauge(c.kv, s.kvUsage)
	count(c.prompt, s.promptTokens)
	count(c.generation, s.generationTokens)
	for _, reason := range []string{reasonStop, reasonLength, reasonAbort} {
		count(c.ok, s.finished[reason], reason)
	}
	count(c.preempt, s.preemptions)
	count(c.prefixQueries, s.prefixQueries)
	count(c.prefixHits, s.prefixHits)
	if c.e.cfg.Spec.Tokens == 0 {
		return
	}
	count(c.drafts, s.specDrafts)
	count(c.draftTokens, s.specDraftTokens)
	count(c.accepted, s.specAccepted)
	for i, v := range s.acceptedPerPos {
		count(c.at, v, strconv.Itoa(i))
	}
}

// newRegistry is the engine's own registry, never the global one, so that
// several engines can run in one process.
func newRegistry(e *Engine, lat *latencies) (*prometheus.Registry, error) {
	r := prometheus.NewRegistry()
	for _, c := range append(lat.all(), newCollector(e), e.late.hist) {
		if err := r.Register(c); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (e *Engine) metricsHandler() http.Handler {
	return promhttp.HandlerFor(e.metrics, promhttp.HandlerOpts{})
}
