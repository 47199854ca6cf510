package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/tokenbench/tokenbench/bench"
)

// ShardsDir is the subdirectory of a merged run that keeps each shard's
// own files, one directory per shard index.
const ShardsDir = "shards"

// MergeOptions configure Merge.
type MergeOptions struct {
	// AllowPartial merges the shards present when some are missing;
	// without it a missing shard is an error.
	AllowPartial bool
}

// MergeResult is what Merge wrote.
type MergeResult struct {
	Summary *Summary
	Info    bench.RunInfo
	// Warnings are problems that lost nothing (a torn last line).
	Warnings []string
}

// ShardsMerged is summary.json's "shards": how complete a merged run is.
type ShardsMerged struct {
	Count   int   `json:"count"`
	Merged  int   `json:"merged"`
	Missing []int `json:"missing,omitempty"`
}

// Merge reads the results directories of the shards of one sharded run
// (`run --shard i/N`) and writes one run into out, as one process sending
// the whole workload would have: requests.jsonl holds every shard's
// records (shard by shard, each in its own completion order) with t_*_ms
// moved onto one clock whose origin is the earliest shard epoch (each
// shard's offsets grow by its epoch minus that origin); summary.json is
// computed from those records by the Aggregator, so every percentile comes
// from the merged samples; run.json lists the shards ("shards"); each
// shard's own run.json, summary.json, workload.json and metrics.jsonl are
// kept unchanged in out/shards/<index>/.
//
// A directory that is not a shard, a shard given twice, shards of
// different workloads or shard counts, and a duplicated request id are
// errors naming them; a missing shard is one too unless
// opt.AllowPartial. out must not hold a run; it is written under a
// temporary name and renamed at the end, so a failed merge leaves nothing.
func Merge(dirs []string, out string, opt MergeOptions) (*MergeResult, error) {
	shards, skipped, err := readShards(dirs, opt)
	if err != nil {
		return nil, err
	}
	set, err := checkShards(shards, opt)
	if err != nil {
		return nil, err
	}
	tmp, err := prepareOut(out)
	if err != nil {
		return nil, err
	}
	res, err := writeMerged(shards, set, tmp)
	if err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	res.Warnings = append(skipped, res.Warnings...)
	os.Remove(out) // an empty directory the caller made; renaming needs the name free
	if err := os.Rename(tmp, out); err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("report: merge: %w", err)
	}
	return res, nil
}

type shardRun struct {
	dir  string
	info bench.RunInfo
	// work is the shard's workload.json, read once with its run.json; nil
	// when it has none that reads.
	work *bench.WorkloadInfo
}

// readShards reads the shards' run.json and workload.json. With AllowPartial a directory
// without one (a pod that never started) is skipped with a warning; its
// shard is then reported missing.
func readShards(dirs []string, opt MergeOptions) ([]shardRun, []string, error) {
	if len(dirs) == 0 {
		return nil, nil, errors.New("report: merge: no shard directories given")
	}
	var out []shardRun
	var skipped []string
	for _, d := range dirs {
		ri, err := bench.ReadRunInfo(d)
		if errors.Is(err, fs.ErrNotExist) && opt.AllowPartial {
			skipped = append(skipped, fmt.Sprintf("%s holds no run (no %s): skipped", d, bench.RunFile))
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("report: merge: %s: not a results directory: %w", d, err)
		}
		if ri.Shard == nil {
			return nil, nil, fmt.Errorf("report: merge: %s is not a shard: its run.json has no \"shard\" (run it with --shard i/N)", d)
		}
		if ri.Shards != nil {
			return nil, nil, fmt.Errorf("report: merge: %s is already a merged run", d)
		}
		sr := shardRun{dir: d, info: ri}
		if wi, err := bench.ReadWorkloadInfo(d); err == nil {
			sr.work = &wi
		}
		out = append(out, sr)
	}
	if len(out) == 0 {
		return nil, skipped, fmt.Errorf("report: merge: none of %s holds a run", strings.Join(dirs, ", "))
	}
	slices.SortStableFunc(out, func(a, b shardRun) int { return a.info.Shard.Index - b.info.Shard.Index })
	return out, skipped, nil
}

// checkShards refuses shards that are not parts of one workload and finds
// the missing ones.
func checkShards(shards []shardRun, opt MergeOptions) (*bench.ShardSet, error) {
	first := shards[0]
	n := first.info.Shard.Count
	byIndex := map[int]string{}
	for _, s := range shards {
		sh := s.info.Shard
		if sh.Count != n {
			return nil, fmt.Errorf("report: merge: %s is shard %d/%d but %s is shard %d/%d: not parts of one run",
				s.dir, sh.Index, sh.Count, first.dir, first.info.Shard.Index, n)
		}
		if prev, dup := byIndex[sh.Index]; dup {
			return nil, fmt.Errorf("report: merge: shard %d/%d given twice: %s and %s", sh.Index, n, prev, s.dir)
		}
		byIndex[sh.Index] = s.dir
		if what := differs(first.info, s.info); what != "" {
			return nil, fmt.Errorf("report: merge: %s (shard %d/%d) and %s (shard %d/%d) ran different %s: not parts of one run",
				first.dir, first.info.Shard.Index, n, s.dir, sh.Index, n, what)
		}
	}
	set := &bench.ShardSet{Count: n}
	for i := 0; i < n; i++ {
		if _, ok := byIndex[i]; !ok {
			set.Missing = append(set.Missing, i)
		}
	}
	if len(set.Missing) > 0 && !opt.AllowPartial {
		return nil, fmt.Errorf("report: merge: %s missing (have %s); give every shard's directory, or --allow-partial to merge what exists",
			describeMissing(set.Missing, n), describeHave(shards))
	}
	return set, nil
}

// differs names the first setting two shards of one run must share and do
// not: the whole workload, its load and its SLO.
func differs(a, b bench.RunInfo) string {
	specOf := func(w any) string {
		if m, ok := w.(map[string]any); ok {
			w = m["spec"]
		}
		bs, _ := json.Marshal(w)
		return string(bs)
	}
	la, lb := a.Load, b.Load
	switch {
	case specOf(a.Workload) != specOf(b.Workload):
		return "workloads"
	case a.Shard.Whole != b.Shard.Whole:
		return "whole loads (concurrency, requests or warm-up)"
	case la.Mode != lb.Mode || la.Arrival != lb.Arrival || la.RatePerS != lb.RatePerS ||
		la.Burstiness != lb.Burstiness || la.DurationS != lb.DurationS || la.Seed != lb.Seed:
		return "loads (mode, arrival, rate, duration or seed)"
	case a.SLO != b.SLO:
		return "SLOs"
	}
	return ""
}

func describeMissing(missing []int, n int) string {
	if len(missing) == 1 {
		return "shard " + shardList(missing, n) + " is"
	}
	return "shards " + shardList(missing, n) + " are"
}

// shardList renders shard indices as "1/4, 3/4".
func shardList(idx []int, n int) string {
	parts := make([]string, len(idx))
	for i, m := range idx {
		parts[i] = fmt.Sprintf("%d/%d", m, n)
	}
	return strings.Join(parts, ", ")
}

func describeHave(shards []shardRun) string {
	parts := make([]string, len(shards))
	for i, s := range shards {
		parts[i] = fmt.Sprintf("%d in %s", s.info.Shard.Index, s.dir)
	}
	return strings.Join(parts, ", ")
}

// prepareOut refuses an out that holds anything and returns the temporary
// directory to write into.
func prepareOut(out string) (string, error) {
	if ents, err := os.ReadDir(out); err == nil && len(ents) > 0 {
		return "", fmt.Errorf("report: merge: %s is not empty; choose another --out", out)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("report: merge: %w", err)
	}
	parent := filepath.Dir(filepath.Clean(out))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fmt.Errorf("report: merge: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(filepath.Clean(out))+".merge-")
	if err != nil {
		return "", fmt.Errorf("report: merge: %w", err)
	}
	return tmp, nil
}

func writeMerged(shards []shardRun, set *bench.ShardSet, dir string) (*MergeResult, error) {
	res := &MergeResult{}
	set.Origin = shards[0].info.Shard.Epoch
	for _, s := range shards {
		if s.info.Shard.Epoch.Before(set.Origin) {
			set.Origin = s.info.Shard.Epoch
		}
	}
	base := shards[0].info
	agg := NewAggregator()
	if base.SLO != "" {
		slo, err := ParseSLO(base.SLO)
		if err != nil {
			return nil, fmt.Errorf("report: merge: %s/%s: slo: %w", shards[0].dir, bench.RunFile, err)
		}
		agg.SetSLO(slo)
	}
	f, err := os.OpenFile(filepath.Join(dir, bench.RecordsFile), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("report: merge: %w", err)
	}
	defer f.Close()
	enc := bench.NewJSONLWriter(f)
	owner := map[string]int{} // request id -> shard index
	var hosts []string
	requests := 0
	for _, s := range shards {
		sh := s.info.Shard
		ref := bench.ShardRef{Index: sh.Index, Dir: s.dir, Host: s.info.Host, Epoch: sh.Epoch, StartAt: sh.StartAt,
			ClockOffsetMS: sh.ClockOffsetMS, ShiftMS: bench.Ms(sh.Epoch.Sub(set.Origin)),
			Files: filepath.Join(ShardsDir, strconv.Itoa(sh.Index))}
		warns, err := bench.ReadRecordsFile(filepath.Join(s.dir, bench.RecordsFile), func(r bench.Record) error {
			if prev, dup := owner[r.RequestID]; dup {
				return fmt.Errorf("request id %q is in shard %d/%d and in shard %d/%d (%s): the shards overlap",
					r.RequestID, prev, set.Count, sh.Index, set.Count, s.dir)
			}
			owner[r.RequestID] = sh.Index
			r.TSchedMS += ref.ShiftMS
			r.TStartMS += ref.ShiftMS
			ref.Records++
			agg.Add(r)
			return enc.Write(r)
		})
		for _, w := range warns {
			res.Warnings = append(res.Warnings, fmt.Sprintf("%s/%s %s", s.dir, bench.RecordsFile, w))
		}
		if err != nil {
			return nil, fmt.Errorf("report: merge: %w", err)
		}
		if err := keepShardFiles(s.dir, filepath.Join(dir, ref.Files)); err != nil {
			return nil, err
		}
		if s.work != nil {
			requests += s.work.Requests
		}
		if !slices.Contains(hosts, s.info.Host) {
			hosts = append(hosts, s.info.Host)
		}
		set.Merged = append(set.Merged, ref)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("report: merge: %w", err)
	}
	sum := agg.Close()
	sum.Shards = &ShardsMerged{Count: set.Count, Merged: len(set.Merged), Missing: set.Missing}
	if err := mergeEngine(shards, set, dir, sum); err != nil {
		return nil, err
	}
	wi := bench.WorkloadInfo{Requests: requests}
	if w0 := shards[0].work; w0 != nil {
		wi.File = w0.File
	}
	if r, disagree := commonPrefixReuse(shards); r != nil {
		wi.IntendedPrefixReuse = r
		sum.SetIntendedPrefixReuse(*r)
	} else if disagree {
		set.Notes = append(set.Notes, "intended prefix reuse left out: the shards report different values (each over the part of the workload it read)")
	}
	if err := bench.WriteWorkloadInfo(dir, wi); err != nil {
		return nil, fmt.Errorf("report: merge: %w", err)
	}

	info := base
	info.Host = strings.Join(hosts, ",")
	info.StartTime = set.Origin
	info.Load.Concurrency = base.Shard.Whole.Concurrency
	info.Load.Requests = base.Shard.Whole.Requests
	info.Load.Warmup = base.Shard.Whole.Warmup
	info.Shard, info.Shards = nil, set
	healths := make([]*bench.Health, len(shards))
	for i, sh := range shards {
		healths[i] = sh.info.Health
	}
	info.Health = bench.MergeHealth(healths)
	sum.SetValidity(info)
	if err := bench.WriteRunInfo(dir, info); err != nil {
		return nil, fmt.Errorf("report: merge: %w", err)
	}
	if err := WriteSummaryFile(dir, sum); err != nil {
		return nil, err
	}
	res.Summary, res.Info = sum, info
	return res, nil
}
