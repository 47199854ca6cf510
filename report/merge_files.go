package report

// merge_files.go: what a merge carries over beside the records: each
// shard's own files, the engine scrapes, the workload's intended reuse.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/bench/scrape"
)

// keepShardFiles copies a shard's own files, unchanged, into dst.
func keepShardFiles(src, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return fmt.Errorf("report: merge: %w", err)
	}
	for _, name := range []string{bench.RunFile, SummaryFile, bench.WorkloadFile, scrape.MetricsFile} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("report: merge: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dst, name), b, 0o644); err != nil {
			return fmt.Errorf("report: merge: %w", err)
		}
	}
	return nil
}

// mergeEngine gives the merged run its engine scrapes. When every shard
// targeted the same endpoint they all scraped one engine: the lowest shard
// with successful scrapes stands for it (its metrics.jsonl, moved onto the
// merged clock, becomes the run's). Shards with endpoints of their own
// (one engine each, or zones) keep their scrapes in shards/<i>/ only.
func mergeEngine(shards []shardRun, set *bench.ShardSet, dir string, sum *Summary) error {
	url := shards[0].info.Target.URL
	for _, s := range shards[1:] {
		if s.info.Target.URL != url {
			set.Notes = append(set.Notes, "the shards targeted different endpoints: each shard's engine scrapes are in shards/<index>/metrics.jsonl; the merged summary has no scraped engine section")
			return nil
		}
	}
	for k, s := range shards {
		samples, _, err := scrape.ReadSamplesFile(filepath.Join(s.dir, scrape.MetricsFile))
		if err != nil {
			continue
		}
		es := scrape.Summarize(samples)
		if es.Name == "" {
			continue
		}
		shift := set.Merged[k].ShiftMS
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		for _, sm := range samples {
			sm.TMS += shift
			if err := enc.Encode(sm); err != nil {
				return fmt.Errorf("report: merge: %s/%s: %w", s.dir, scrape.MetricsFile, err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, scrape.MetricsFile), []byte(b.String()), 0o644); err != nil {
			return fmt.Errorf("report: merge: %w", err)
		}
		sum.SetEngineMetrics(scrape.Summarize(samples))
		set.EngineMetrics = fmt.Sprintf("shard %d/%d's scrapes of %s, the endpoint every shard targeted; every shard's own in shards/<index>/metrics.jsonl",
			s.info.Shard.Index, set.Count, bench.RedactURL(url))
		return nil
	}
	return nil
}

// commonPrefixReuse is the shards' intended prefix reuse when they all
// report the same; nil otherwise, with disagree true when some report one.
func commonPrefixReuse(shards []shardRun) (v *float64, disagree bool) {
	seen := 0
	for _, s := range shards {
		if s.work == nil || s.work.IntendedPrefixReuse == nil {
			continue
		}
		seen++
		if v != nil && *v != *s.work.IntendedPrefixReuse {
			return nil, true
		}
		v = s.work.IntendedPrefixReuse
	}
	if seen != len(shards) {
		return nil, seen > 0
	}
	return v, false
}

// shardsOf is summary.json's "shards" of a merged run, from its run.json.
func shardsOf(ri bench.RunInfo) *ShardsMerged {
	if ri.Shards == nil {
		return nil
	}
	return &ShardsMerged{Count: ri.Shards.Count, Merged: len(ri.Shards.Merged), Missing: ri.Shards.Missing}
}
