package sim

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// collector exposes the scheduler's state under vLLM's metric names. It reads
// the scheduler at scrape time, so the numbers are never stale.
type collector struct {
	e                      *Engine
	running, waiting, kv   *prometheus.Desc
	prompt, generation, ok *prometheus.Desc
}

func newCollector(e *Engine) *collector {
	labels := prometheus.Labels{"model_name": e.cfg.Model}
	desc := func(name, help string, variable ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, variable, labels)
	}
	return &collector{
		e:          e,
		running:    desc("vllm:num_requests_running", "Number of requests in model execution batches."),
		waiting:    desc("vllm:num_requests_waiting", "Number of requests waiting to be processed."),
		kv:         desc("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage."),
		prompt:     desc("vllm:prompt_tokens_total", "Number of prefill tokens processed."),
		generation: desc("vllm:generation_tokens_total", "Number of generation tokens processed."),
		ok:         desc("vllm:request_success_total", "Count of finished requests by finish reason (abort: the client went away).", "finished_reason"),
	}
}

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.running, c.waiting, c.kv, c.prompt, c.generation, c.ok} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	s := c.e.stats()
	ch <- prometheus.MustNewConstMetric(c.running, prometheus.GaugeValue, float64(s.running))
	ch <- prometheus.MustNewConstMetric(c.waiting, prometheus.GaugeValue, float64(s.waiting))
	ch <- prometheus.MustNewConstMetric(c.kv, prometheus.GaugeValue, s.kvUsage)
	ch <- prometheus.MustNewConstMetric(c.prompt, prometheus.CounterValue, float64(s.promptTokens))
	ch <- prometheus.MustNewConstMetric(c.generation, prometheus.CounterValue, float64(s.generationTokens))
	for _, reason := range []string{reasonStop, reasonLength, reasonAbort} {
		ch <- prometheus.MustNewConstMetric(c.ok, prometheus.CounterValue, float64(s.finished[reason]), reason)
	}
}

// metricsHandler serves the engine's own registry, never the global one, so
// that several engines can run in one process.
func (e *Engine) metricsHandler() http.Handler {
	return promhttp.HandlerFor(e.metrics, promhttp.HandlerOpts{})
}
