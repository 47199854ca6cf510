// Package history keeps runs in an embedded SQLite database
// (modernc.org/sqlite: pure Go, no cgo), so CI can judge a run against the
// recent runs of the same scenario and plot a metric over time.
//
// In: Runs (scenario identity, tool and git version, engine, key
// statistics by summary.json path, and the per-request samples a
// significance test needs), written by any number of processes at once:
// the database runs in WAL mode with a busy timeout and takes its write
// lock when a transaction begins, so parallel CI jobs queue rather than
// fail or corrupt it. A run is identified by its Key (a hash of its
// run.json), so recording the same run twice keeps one copy.
//
// Out: runs newest first (Runs), their samples (Samples), the runs a gate
// compares a new one with (Baseline), a metric's series over time (Series,
// plotted by report.HistoryFigure), and the listing of `tokenbench
// history` as a table or JSON (List).
//
// The schema is versioned (PRAGMA user_version): Open applies the
// migrations a database lacks, in order, each in its own transaction, and
// refuses a database newer than this build. This package is the only one
// that imports the SQLite driver.
package history
