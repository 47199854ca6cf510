// Package report turns per-request records into run statistics and renders them.
//
// In: bench.Records, either live from a run (an *Aggregator is a bench.Sink)
// or read back from DIR/requests.jsonl by Summarize, so a report can be
// rebuilt from the file alone, on another machine, after a crash.
//
// Out: one *Summary, computed once by Aggregator.Close. Every renderer
// (WriteJSON for summary.json, WriteTable for the terminal) reads only that
// Summary; none goes back to the records. Live is the exception: a cheap
// running view for the progress line while a run is in flight.
//
// Every number follows the definitions in METRICS.md: warm-up records are
// excluded from everything but their own count, latency distributions use
// successful requests only, counts and error classes use all measured
// requests, and the window is [min t_start, max t_done] over measured records.
package report
