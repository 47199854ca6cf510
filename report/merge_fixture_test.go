package report

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/bench/scrape"
)

// mergeBase is the fixed epoch the shard fixtures start from.
var mergeBase = time.Date(2026, 12, 5, 21, 0, 0, 0, time.UTC)

// shardFixture describes one shard directory to write.
type shardFixture struct {
	index, count int
	epoch        time.Time
	recs         []bench.Record
	url          string
	workload     string // the spec's kind
	noShard      bool   // run.json without "shard"
	metrics      string // a metrics.jsonl file to copy in
	reuse        *float64
}

func writeShard(t *testing.T, dir string, s shardFixture) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if s.url == "" {
		s.url = "http://engine:8000/v1"
	}
	if s.workload == "" {
		s.workload = "synthetic"
	}
	ri := bench.RunInfo{Tool: "tokenbench", Host: fmt.Sprintf("pod-%d", s.index), StartTime: s.epoch,
		Target:   bench.TargetInfo{URL: s.url, Model: "m"},
		Load:     bench.LoadInfo{Mode: "closed", Concurrency: 2, Requests: len(s.recs), Seed: 1},
		Workload: map[string]any{"spec": map[string]any{"kind": s.workload, "seed": 1}}, SLO: "ttft=40ms"}
	if !s.noShard {
		ri.Shard = &bench.ShardInfo{Index: s.index, Count: s.count, Epoch: s.epoch, Whole: bench.WholeLoad{Concurrency: 6, Requests: 24}}
	}
	if err := bench.WriteRunInfo(dir, ri); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := bench.NewJSONLWriter(&buf)
	for _, r := range s.recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, bench.RecordsFile), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := bench.WriteWorkloadInfo(dir, bench.WorkloadInfo{Requests: len(s.recs), IntendedPrefixReuse: s.reuse}); err != nil {
		t.Fatal(err)
	}
	if s.metrics != "" {
		b, err := os.ReadFile(s.metrics)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, scrape.MetricsFile), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// wholeRecords is one process's run: 24 records, 2 warm-ups, failures,
// latencies that differ by shard so that averaging the shards' percentiles
// would give other numbers than the merged samples. Every time is a
// multiple of 1/4 ms, so shifting by whole milliseconds is exact.
func wholeRecords() []bench.Record {
	var out []bench.Record
	for k := range 24 {
		ttft := 10 + float64(k%3)*15 + float64(k)*0.25
		r := bench.Record{RequestID: fmt.Sprint(k + 1), OK: k%7 != 5, Status: 200, TSchedMS: float64(k) * 12.5,
			TStartMS: float64(k)*12.5 + 0.25, E2EMS: 100 + float64(k%5)*3.25, InputTokens: 60 + k, OutputTokens: 16,
			TokensSource: bench.TokensFromUsage, DoneMarker: true}
		if r.OK {
			tp := (r.E2EMS - ttft) / 15
			r.TTFTMS, r.TPOTMS = &ttft, &tp
			r.EventsMS = []float64{ttft, ttft + 20, r.E2EMS}
		} else {
			r.ErrorClass, r.Status, r.OutputTokens = bench.ErrHTTP5xx, 500, 0
		}
		if k < 2 {
			r.RequestID, r.Warmup = fmt.Sprintf("w%d", k+1), true
		}
		out = append(out, r)
	}
	return out
}

// splitWhole writes the whole run as n shards, record k on shard k mod n,
// shard i with an epoch i x 250 ms after the first (its offsets smaller by
// as much).
func splitWhole(t *testing.T, root string, n int) []string {
	t.Helper()
	recs := make([][]bench.Record, n)
	for k, r := range wholeRecords() {
		i := k % n
		shift := float64(250 * i)
		r.TSchedMS -= shift
		r.TStartMS -= shift
		recs[i] = append(recs[i], r)
	}
	dirs := make([]string, n)
	for i := range n {
		dirs[i] = writeShard(t, filepath.Join(root, fmt.Sprintf("shard-%d", i)), shardFixture{index: i, count: n,
			epoch: mergeBase.Add(time.Duration(i) * 250 * time.Millisecond), recs: recs[i]})
	}
	return dirs
}
