// Package gate judges a run for CI: threshold rules over its summary and
// comparisons with a baseline run under a significance test.
//
// In: a results directory's summary.json (and cost.json, addressed as
// cost.*), read as a generic map so every field the summary will ever have
// can be named by its JSON path (View); the per-request samples of
// requests.jsonl (Samples) of the run and of its baseline; a gate file
// (File: rules, baseline tolerances, confidence). A baseline is a results
// directory or the recent runs of the run's scenario in a history database
// (HistoryBaseline); RecordRun records a run there, with its verdict.
//
// Out: a Verdict, one Check per rule and per baseline metric, each passed,
// failed or not judged, with the value, the bound and, for baselines, the
// effect size, its bootstrap confidence interval and the sample sizes. The
// verdict's Status maps to the exit codes 0 (pass), 3 (failed) and 4 (cannot
// judge). Renderers write it as a terminal table, JUnit XML, Markdown and
// JSON.
//
// A run cannot be judged when its own validity check marked it invalid,
// when no request succeeded, or when a statistic has too few samples
// (MinSamples). Every number follows docs/METRICS.md ("CI gates").
package gate
