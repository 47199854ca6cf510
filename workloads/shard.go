package workloads

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Shard is one part of a workload split over Count processes (machines,
// Kubernetes pods): the part numbered Index, from 0 to Count-1. The
// workload as given is the whole; each shard keeps a deterministic,
// disjoint part of it and of its arrival schedule, so that the Count
// shards together send exactly what one process would:
//
//   - item k of the whole Source (k from 0) goes to shard k mod Count and
//     keeps its trace offset; a multi-turn session is one item, so it stays
//     whole on one shard; generated items are drawn from the whole seeded
//     stream, so they are the items one process would send;
//   - the shard's n-th arrival is the whole schedule's arrival n*Count+Index,
//     on the whole schedule's clock;
//   - counts (closed-loop concurrency, --requests, warm-up) are split with
//     the remainder going to the lowest indices (Split).
//
// The zero Shard (and any with Count <= 1) is the whole workload.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// ParseShard reads "i/N" (for example "2/8").
func ParseShard(s string) (Shard, error) {
	is, ns, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Shard{}, fmt.Errorf("workloads: shard %q: want INDEX/COUNT, e.g. 0/4", s)
	}
	i, err1 := strconv.Atoi(strings.TrimSpace(is))
	n, err2 := strconv.Atoi(strings.TrimSpace(ns))
	if err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("workloads: shard %q: want INDEX/COUNT, two integers, e.g. 0/4", s)
	}
	sh := Shard{Index: i, Count: n}
	return sh, sh.Validate()
}

// Validate reports a shard that names no part of a workload.
func (s Shard) Validate() error {
	if s.Count < 1 {
		return fmt.Errorf("workloads: shard count must be at least 1, got %d", s.Count)
	}
	if s.Index < 0 || s.Index >= s.Count {
		return fmt.Errorf("workloads: shard index must be from 0 to %d, got %d", s.Count-1, s.Index)
	}
	return nil
}

// Whole reports whether s is the whole workload (no sharding).
func (s Shard) Whole() bool { return s.Count <= 1 }

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// Split is this shard's part of a count of the whole workload: total/Count,
// plus one for the lowest total%Count indices. With round-robin items, the
// first Split(R) items of shard i are exactly the items of the whole
// workload's first R that fall to it.
func (s Shard) Split(total int) int {
	if s.Whole() {
		return total
	}
	share := total / s.Count
	if s.Index < total%s.Count {
		share++
	}
	return share
}

// Global is the index, in the whole workload, of this shard's local item
// (or arrival) number local (both from 0).
func (s Shard) Global(local uint64) uint64 {
	if s.Whole() {
		return local
	}
	return local*uint64(s.Count) + uint64(s.Index)
}

// Source keeps the items of src that fall to this shard. An item without
// an ID is given its number in the whole workload (k+1), so request ids
// stay unique across shards and equal those of one process.
func (s Shard) Source(src Source) Source {
	if s.Whole() {
		return src
	}
	return &shardSource{src: src, sh: s}
}

type shardSource struct {
	src  Source
	sh   Shard
	next uint64 // index in the whole workload of the next item src yields
	// warmup names every item w<k+1>.
	warmup bool
}

func (ss *shardSource) Next() (Item, error) {
	for {
		it, err := ss.src.Next()
		if err != nil {
			if !errors.Is(err, ErrExhausted) {
				err = fmt.Errorf("shard %s: whole-workload item %d: %w", ss.sh, ss.next+1, err)
			}
			return it, err
		}
		k := ss.next
		ss.next++
		if k%uint64(ss.sh.Count) != uint64(ss.sh.Index) {
			continue
		}
		switch {
		case ss.warmup:
			it.ID = "w" + strconv.FormatUint(k+1, 10)
		case it.ID == "":
			it.ID = strconv.FormatUint(k+1, 10)
		}
		return it, nil
	}
}

// Warmup keeps the warm-up items of src that fall to this shard, named as
// one process names its warm-ups: item k of the whole warm-up stream is
// "w<k+1>" (whatever its own ID), so the shards' warm-up records together
// are one process's.
func (s Shard) Warmup(src Source) Source {
	whole := s
	if whole.Whole() {
		whole = Shard{Index: 0, Count: 1}
	}
	return &shardSource{src: src, sh: whole, warmup: true}
}

// Unwrap returns the whole workload's Source (its file and prefix reports
// are over every item it generated, this shard's and the others').
func (ss *shardSource) Unwrap() Source { return ss.src }

// Arrival keeps the arrivals of a that fall to this shard, on a's clock:
// Offset(n) = a.Offset(n*Count+Index). The union of the shards' schedules
// is a's schedule.
func (s Shard) Arrival(a Arrival) Arrival {
	if s.Whole() || a == nil {
		return a
	}
	return shardArrival{a: a, sh: s}
}

type shardArrival struct {
	a  Arrival
	sh Shard
}

func (sa shardArrival) Offset(n uint64) time.Duration { return sa.a.Offset(sa.sh.Global(n)) }

func (sa shardArrival) String() string {
	return fmt.Sprintf("%s, shard %s (every %s arrival from number %d)", sa.a, sa.sh, ordinal(sa.sh.Count), sa.sh.Index+1)
}

func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}
