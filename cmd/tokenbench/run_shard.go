package main

// run_shard.go: `run --shard i/N --start-at TIME`, one part of a workload
// sent from several processes (Kubernetes Indexed Job pods). The split
// itself is workloads.Shard; this file reads the flags and the Job's
// environment and applies the shard to the run's source, load and sink.

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/pflag"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/workloads"
)

// Environment variables read by `run` for sharding. JOB_COMPLETION_INDEX is
// set by Kubernetes in the pods of an Indexed Job.
const (
	EnvJobIndex = "JOB_COMPLETION_INDEX"
	EnvShards   = "TOKENBENCH_SHARDS"
	EnvStartAt  = "TOKENBENCH_START_AT"
)

// maxStartAhead refuses a --start-at that would park a pod for days (a typo
// in the date).
const maxStartAhead = 24 * time.Hour

// shardOptions are run's sharding flags.
type shardOptions struct {
	Spec    string // --shard i/N
	Count   int    // --shards N
	StartAt string // --start-at

	shard   workloads.Shard // Count 0: not sharded
	startAt time.Time
	whole   bench.WholeLoad
}

func addShardFlags(fl *pflag.FlagSet, s *shardOptions) {
	fl.StringVar(&s.Spec, "shard", "", "send part i of N of the workload (0 <= i < N), e.g. 1/4 (default: $"+EnvJobIndex+" of an Indexed Job with --shards)")
	fl.IntVar(&s.Count, "shards", 0, "number of shards, with $"+EnvJobIndex+" as the index (default $"+EnvShards+")")
	fl.StringVar(&s.StartAt, "start-at", "", "wall-clock time (RFC 3339) to start at, so that shards start together (default $"+EnvStartAt+")")
}

// sharded reports whether the run sends part of a workload.
func (s *shardOptions) sharded() bool { return s.shard.Count > 0 }

// resolve fills the shard and start time from the flags and, where they
// are not given, the Job's environment, and checks that the load can be
// split. It runs after RunOptions.validate.
func (s *shardOptions) resolve(getenv func(string) string, o *RunOptions, now time.Time) error {
	if err := s.resolveFlags(getenv, o, now); err != nil {
		return err
	}
	if s.active() && o.Clock == bench.ClockVirtual {
		return fmt.Errorf("--shard and --start-at split one workload over several processes against one engine; --clock virtual runs the whole workload in one process: drop one")
	}
	return nil
}

func (s *shardOptions) resolveFlags(getenv func(string) string, o *RunOptions, now time.Time) error {
	count := s.Count
	if count == 0 {
		if v := getenv(EnvShards); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return fmt.Errorf("$%s=%q: want a number of shards of at least 1", EnvShards, v)
			}
			count = n
		}
	} else if count < 1 {
		return fmt.Errorf("--shards must be at least 1, got %d", count)
	}
	switch spec := s.Spec; {
	case spec != "":
		sh, err := workloads.ParseShard(spec)
		if err != nil {
			return fmt.Errorf("--shard: %v", err)
		}
		if count != 0 && count != sh.Count {
			return fmt.Errorf("--shard %s says %d shards, --shards or $%s says %d", spec, sh.Count, EnvShards, count)
		}
		s.shard = sh
	case count > 0:
		v := getenv(EnvJobIndex)
		if v == "" {
			return fmt.Errorf("%d shards but no index: give --shard i/%d, or run in an Indexed Job ($%s)", count, count, EnvJobIndex)
		}
		i, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("$%s=%q: want a shard index", EnvJobIndex, v)
		}
		sh := workloads.Shard{Index: i, Count: count}
		if err := sh.Validate(); err != nil {
			return fmt.Errorf("$%s=%s with %d shards: %v", EnvJobIndex, v, count, err)
		}
		s.shard = sh
	}
	at := s.StartAt
	if at == "" {
		at = getenv(EnvStartAt)
	}
	if at != "" {
		t, err := time.Parse(time.RFC3339Nano, at)
		if err != nil {
			return fmt.Errorf("--start-at %q: want an RFC 3339 time such as 2026-12-05T21:00:00Z", at)
		}
		if t.Sub(now) > maxStartAhead {
			return fmt.Errorf("--start-at %s is more than %s ahead", at, maxStartAhead)
		}
		s.startAt = t
	}
	if !s.sharded() && s.startAt.IsZero() {
		return nil
	}
	if o.Sweep != "" || o.Search {
		return fmt.Errorf("--shard and --start-at apply to a single run, not to --sweep or --search-max-goodput")
	}
	s.whole = bench.WholeLoad{Concurrency: o.Concurrency, Requests: o.Requests, Warmup: o.Warmup}
	if !s.sharded() {
		return nil
	}
	n := s.shard.Count
	closed := o.Rate == 0
	if (closed || o.capSet) && o.Concurrency < n {
		return fmt.Errorf("--concurrency %d cannot be split over %d shards: each needs at least one", o.Concurrency, n)
	}
	if o.Requests > 0 && o.Requests < n {
		return fmt.Errorf("--requests %d cannot be split over %d shards: each needs at least one", o.Requests, n)
	}
	return nil
}

// apply gives the shard its part of the load: its share of the concurrency,
// requests and warm-up, and its arrivals of the whole schedule.
func (s *shardOptions) apply(l bench.Load, info bench.LoadInfo) (bench.Load, bench.LoadInfo) {
	if !s.sharded() {
		return l, info
	}
	sh := s.shard
	l.Concurrency, l.Requests, l.Warmup = sh.Split(l.Concurrency), sh.Split(l.Requests), sh.Split(l.Warmup)
	l.Arrival = sh.Arrival(l.Arrival)
	info.Concurrency, info.Requests, info.Warmup = l.Concurrency, l.Requests, l.Warmup
	return l, info
}

// active reports whether the run is a shard or starts at a given time:
// then warm-up runs before the start (begin) and the epoch is the start.
func (s *shardOptions) active() bool { return s.sharded() || !s.startAt.IsZero() }

// source keeps the items of src that fall to the shard.
func (s *shardOptions) source(src workloads.Source) workloads.Source {
	if src == nil || !s.sharded() {
		return src
	}
	return s.shard.Source(src)
}

// warmupSource keeps the shard's warm-up items, named as one process names
// them (w1, w2, ... over the whole warm-up).
func (s *shardOptions) warmupSource(src workloads.Source) workloads.Source {
	if src == nil || !s.active() {
		return src
	}
	return s.shard.Warmup(src)
}

// epoch is the origin of the run's offsets: --start-at when given, so that
// every shard shares it, else now.
func (s *shardOptions) epoch(now time.Time) time.Time {
	if !s.startAt.IsZero() {
		return s.startAt
	}
	return now
}

// begin runs the shard's warm-up (before the start, so that shards with
// different warm-ups still start their measured phases together), waits
// until --start-at, and records how late it woke through rewrite (run.json).
// Warm-up records carry warmup: true and offsets from the epoch (negative
// before --start-at). After begin, load has no warm-up left. An interrupt
// ends begin early; the run then stops at once as interrupted.
func (s *shardOptions) begin(ctx context.Context, d bench.Doer, load *bench.Load, sink bench.Sink,
	say func(string, ...any), rewrite func(*bench.ShardInfo) error) error {
	if !s.active() {
		return nil
	}
	if s.sharded() {
		say("tokenbench: shard %s of the workload (item k goes to shard k mod %d)", s.shard, s.shard.Count)
	}
	if load.Warmup > 0 && load.WarmupSource != nil {
		slots := load.Concurrency
		if slots == 0 {
			slots = 1 // an open loop without a cap warms up one at a time, as the runner does
		}
		wl := bench.Load{Concurrency: slots, Requests: load.Warmup, Grace: load.Grace, Abort: load.Abort, Epoch: load.Epoch}
		warm := bench.SinkFunc(func(r bench.Record) error { r.Warmup = true; return sink.Write(r) })
		if _, err := bench.Run(ctx, wl, load.WarmupSource, d, warm); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	load.Warmup, load.WarmupSource = 0, nil
	if s.startAt.IsZero() {
		return nil
	}
	d0 := time.Until(s.startAt)
	if d0 <= 0 {
		say("tokenbench: --start-at %s was %s ago: starting now (the lateness is recorded as the clock offset)", s.startAt.UTC().Format(time.RFC3339Nano), (-d0).Round(time.Millisecond))
	} else {
		say("tokenbench: waiting %s until %s to start", d0.Round(time.Millisecond), s.startAt.UTC().Format(time.RFC3339Nano))
		t := time.NewTimer(d0)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil
		}
	}
	si := s.info(load.Epoch)
	off := bench.Ms(time.Since(s.startAt))
	si.ClockOffsetMS = &off
	return rewrite(si)
}

// info is run.json's "shard"; nil when the run is neither sharded nor
// started at a given time.
func (s *shardOptions) info(epoch time.Time) *bench.ShardInfo {
	if !s.active() {
		return nil
	}
	si := &bench.ShardInfo{Index: s.shard.Index, Count: max(s.shard.Count, 1), Epoch: epoch.UTC(), Whole: s.whole}
	if !s.startAt.IsZero() {
		at := s.startAt.UTC()
		si.StartAt = &at
	}
	return si
}

// dirSuffix keeps the default results directories of shards apart.
func (s *shardOptions) dirSuffix() string {
	if !s.sharded() {
		return ""
	}
	return fmt.Sprintf("-shard-%d-of-%d", s.shard.Index, s.shard.Count)
}
