package bench

import "time"

// ShardInfo is run.json's "shard": which part of a sharded workload this
// run sent, and the clock facts a merge needs to put the shards on one
// clock.
type ShardInfo struct {
	Index int `json:"index"`
	Count int `json:"count"`
	// StartAt is the wall-clock time every shard was told to start at
	// (--start-at); absent when the shards started on their own.
	StartAt *time.Time `json:"start_at,omitempty"`
	// Epoch is the wall clock (UTC, ns) of the run's epoch, the origin of
	// every t_*_ms offset of this shard: StartAt when given (so that the
	// shards share one origin), else when the shard started.
	Epoch time.Time `json:"epoch"`
	// ClockOffsetMS is how late this shard's clock woke against StartAt
	// (process start, warm-up, the scheduler): its measured phase starts
	// that much after the shared epoch. Absent without StartAt.
	ClockOffsetMS *float64 `json:"clock_offset_ms,omitempty"`
	// Whole is the whole workload's counts; run.json's load holds this
	// shard's part of them.
	Whole WholeLoad `json:"whole"`
}

// WholeLoad is the counts of a sharded workload before they were split.
type WholeLoad struct {
	Concurrency int `json:"concurrency"`
	Requests    int `json:"requests"`
	Warmup      int `json:"warmup"`
}

// ShardSet is the "shards" of a merged run.json: the shards it was merged
// from and those it lacks.
type ShardSet struct {
	// Count is the number of shards the workload was split into.
	Count int `json:"count"`
	// Merged lists the shards merged, by index.
	Merged []ShardRef `json:"merged"`
	// Missing lists the indices of shards that were not merged (only
	// with --allow-partial).
	Missing []int `json:"missing,omitempty"`
	// Origin is the wall clock of the merged run's epoch: the earliest
	// shard epoch.
	Origin time.Time `json:"origin"`
	// EngineMetrics says where the run's engine section comes from.
	EngineMetrics string `json:"engine_metrics,omitempty"`
	// Notes say what the merge could not carry over.
	Notes []string `json:"notes,omitempty"`
}

// ShardRef is one merged shard.
type ShardRef struct {
	Index int `json:"index"`
	// Dir is the shard's results directory as given to the merge.
	Dir  string `json:"dir"`
	Host string `json:"host"`
	// Epoch, StartAt and ClockOffsetMS are the shard's own (ShardInfo).
	Epoch         time.Time  `json:"epoch"`
	StartAt       *time.Time `json:"start_at,omitempty"`
	ClockOffsetMS *float64   `json:"clock_offset_ms,omitempty"`
	// ShiftMS was added to the shard's t_*_ms offsets: Epoch - Origin.
	ShiftMS float64 `json:"shift_ms"`
	// Records counts the shard's records, warm-up included.
	Records int `json:"records"`
	// Files is the subdirectory of the merged run that keeps the shard's
	// own run.json, summary.json and metrics.jsonl.
	Files string `json:"files"`
}
