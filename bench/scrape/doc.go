// Package scrape reads an inference engine's Prometheus /metrics endpoint
// during a benchmark run and turns what it read into the run's engine
// figures: KV-cache usage, queue depth, preemptions, prefix-cache reuse and
// speculative-decoding acceptance.
//
// In: Prometheus exposition text (the 0.0.4 text format; OpenMetrics and
// delimited protobuf too when the server insists on them), parsed with
// github.com/prometheus/common/expfmt, never by hand. Out: one JSON line per
// scrape in metrics.jsonl (a [Sample]: the engine detected, its canonical
// gauges and counters, per-position acceptance), and from those lines a pure
// [Summarize] into an [EngineSummary] for summary.json.
//
// Engines are told apart by the metric names they expose (vllm:*, sglang:*,
// trtllm_*, llamacpp:*, tgi_*) and each has a name map onto one canonical
// vocabulary (the Gauge* and Counter* keys). Where several label sets of
// one metric are present (several models, data-parallel engines, TP ranks,
// cache tiers), counts are summed and fractions are averaged; only the
// speculative position label is kept apart.
//
// Counters are read from their *_total series only (never *_created). A
// counter that goes down between two scrapes means the engine restarted:
// [Summarize] counts it, says so in a warning, and adds up the increase as
// Prometheus' increase() does.
package scrape
