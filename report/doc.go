// Package report turns per-request records into run statistics and renders them.
//
// In: bench.Records, either live from a run (an *Aggregator is a bench.Sink)
// or read back from a results directory by Summarize (requests.jsonl, plus
// metrics.jsonl, run.json's SLO, load and health and workload.json when
// present; undecodable lines are skipped and counted), so a
// report can be rebuilt from files alone, on another machine, after a crash.
// Results of other tools come in through Import: vLLM `bench serve` result
// JSON and AIPerf profile exports, each with the metrics its format cannot
// give listed as unavailable (Provenance).
//
// Out: one *Summary, computed once by Aggregator.Close: distributions,
// throughput, goodput under SLOs (SetSLO), prompt length aimed at vs
// counted, per-session figures, and the engine section (speculative
// decoding from responses and stream events, joined with the engine's
// scraped metrics by SetEngineMetrics; prefix reuse intended vs obtained),
// and the run's validity (SetValidity: ValidityChecks over the summary, the
// load and the bench.Health that run.json records).
// Every renderer reads only Summaries: the terminal table (WriteTable),
// summary.json (WriteJSON), CSV, Markdown, gonum/plot charts (Figures) and
// the one-file HTML page (WriteHTML); Compare puts several side by side.
// Live is the exception: a cheap running view for the progress line.
//
// Merge reads the results directories of a sharded run and writes one run:
// the union of the records on one clock, summarised by the same Aggregator.
//
// Every number follows the definitions in docs/METRICS.md: warm-up records
// are excluded from everything but their own count, latency distributions
// use successful requests only, counts and error classes use all measured
// requests, and the window is [min t_start, max t_done] over measured records.
package report
