package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/bench/scrape"
)

// Shards that scraped one engine give the merged run that engine's
// section, from the lowest shard with scrapes, moved onto the merged clock;
// shards with endpoints of their own keep their scrapes to themselves.
func TestMergeEngineMetrics(t *testing.T) {
	fixture := filepath.Join("..", "bench", "scrape", "testdata", "run-vllm.jsonl")
	t.Run("one engine", func(t *testing.T) {
		root := t.TempDir()
		a := writeShard(t, filepath.Join(root, "a"), shardFixture{index: 0, count: 2, epoch: mergeBase.Add(time.Second)})
		b := writeShard(t, filepath.Join(root, "b"), shardFixture{index: 1, count: 2, epoch: mergeBase.Add(3 * time.Second), metrics: fixture})
		out := filepath.Join(root, "merged")
		res, err := Merge([]string{a, b}, out, MergeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Summary.Engine == nil || res.Summary.Engine.EngineSummary == nil || res.Summary.Engine.Name != "vllm" {
			t.Fatalf("engine section %+v", res.Summary.Engine)
		}
		if !strings.Contains(res.Info.Shards.EngineMetrics, "shard 1/2") {
			t.Errorf("engine metrics said %q", res.Info.Shards.EngineMetrics)
		}
		orig, _, _ := scrape.ReadSamplesFile(fixture)
		moved, _, err := scrape.ReadSamplesFile(filepath.Join(out, scrape.MetricsFile))
		if err != nil || len(moved) != len(orig) {
			t.Fatalf("merged metrics.jsonl: %d samples, %v", len(moved), err)
		}
		for i := range orig {
			if moved[i].TMS != orig[i].TMS+2000 {
				t.Errorf("sample %d at %v ms, want %v + 2000", i, moved[i].TMS, orig[i].TMS)
			}
		}
		kept, _ := os.ReadFile(filepath.Join(out, ShardsDir, "1", scrape.MetricsFile))
		want, _ := os.ReadFile(fixture)
		if !bytes.Equal(kept, want) {
			t.Error("shard 1's metrics.jsonl not kept unchanged")
		}
	})
	t.Run("an engine per shard", func(t *testing.T) {
		root := t.TempDir()
		a := writeShard(t, filepath.Join(root, "a"), shardFixture{index: 0, count: 2, epoch: mergeBase, metrics: fixture, url: "http://zone-a/v1"})
		b := writeShard(t, filepath.Join(root, "b"), shardFixture{index: 1, count: 2, epoch: mergeBase, metrics: fixture, url: "http://zone-b/v1"})
		out := filepath.Join(root, "merged")
		res, err := Merge([]string{a, b}, out, MergeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Summary.Engine != nil && res.Summary.Engine.EngineSummary != nil {
			t.Errorf("merged summary has one engine's section: %+v", res.Summary.Engine.EngineSummary)
		}
		if _, err := os.Stat(filepath.Join(out, scrape.MetricsFile)); err == nil {
			t.Error("merged run has a metrics.jsonl of one of two engines")
		}
		if len(res.Info.Shards.Notes) == 0 || !strings.Contains(res.Info.Shards.Notes[0], "different endpoints") {
			t.Errorf("notes %v", res.Info.Shards.Notes)
		}
		for _, i := range []string{"0", "1"} {
			if _, err := os.Stat(filepath.Join(out, ShardsDir, i, scrape.MetricsFile)); err != nil {
				t.Errorf("shard %s's scrapes not kept: %v", i, err)
			}
		}
	})
}

// Intended prefix reuse is kept when the shards agree on it, else left out
// with a note: it cannot be recomputed from the shards' ratios.
func TestMergeIntendedPrefixReuse(t *testing.T) {
	same, other := 0.25, 0.5
	tests := []struct {
		name  string
		a, b  *float64
		want  *float64
		noted bool
	}{
		{"agree", &same, &same, &same, false},
		{"disagree", &same, &other, nil, true},
		{"none", nil, nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			a := writeShard(t, filepath.Join(root, "a"), shardFixture{index: 0, count: 2, epoch: mergeBase, reuse: tt.a})
			b := writeShard(t, filepath.Join(root, "b"), shardFixture{index: 1, count: 2, epoch: mergeBase, reuse: tt.b})
			out := filepath.Join(root, "merged")
			res, err := Merge([]string{a, b}, out, MergeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			wi, err := bench.ReadWorkloadInfo(out)
			if err != nil {
				t.Fatal(err)
			}
			if (wi.IntendedPrefixReuse == nil) != (tt.want == nil) || tt.want != nil && *wi.IntendedPrefixReuse != *tt.want {
				t.Errorf("intended prefix reuse %v, want %v", wi.IntendedPrefixReuse, tt.want)
			}
			noted := false
			for _, n := range res.Info.Shards.Notes {
				noted = noted || strings.Contains(n, "intended prefix reuse")
			}
			if noted != tt.noted {
				t.Errorf("notes %v", res.Info.Shards.Notes)
			}
		})
	}
}
