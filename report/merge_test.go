package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/bench/scrape"
)

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

// The merged summary is the summary of one process's records: every
// statistic recomputed from the union on one clock.
func TestMergeEqualsOneProcess(t *testing.T) {
	root := t.TempDir()
	dirs := splitWhole(t, root, 3)
	// Given out of order: the merge orders shards by index.
	out := filepath.Join(root, "merged")
	res, err := Merge([]string{dirs[2], dirs[0], dirs[1]}, out, MergeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a := NewAggregator()
	slo, _ := ParseSLO("ttft=40ms")
	a.SetSLO(slo)
	for _, r := range wholeRecords() {
		a.Add(r)
	}
	want := a.Close()
	want.Shards = &ShardsMerged{Count: 3, Merged: 3}
	want.SetValidity(res.Info) // from the merged run.json, as summarize does
	var wb, gb bytes.Buffer
	if err := want.WriteJSON(&wb); err != nil {
		t.Fatal(err)
	}
	got, _, err := Summarize(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := got.WriteJSON(&gb); err != nil {
		t.Fatal(err)
	}
	if wb.String() != gb.String() {
		t.Errorf("merged summary differs from one process's:\n--- one process\n%s\n--- merged\n%s", wb.String(), gb.String())
	}
	written, err := os.ReadFile(filepath.Join(out, SummaryFile))
	if err != nil || string(written) != wb.String() {
		t.Errorf("summary.json differs from one process's summary (%v)", err)
	}
	// Not an average of the shards' percentiles.
	var avg float64
	for _, d := range dirs {
		s, _, err := Summarize(d)
		if err != nil {
			t.Fatal(err)
		}
		avg += s.TTFTMS.P90 / 3
	}
	if got.TTFTMS.P90 == avg {
		t.Errorf("merged TTFT p90 %v equals the mean of the shards' p90s", avg)
	}
	// run.json lists the shards with their shifts; the whole load.
	ri, err := bench.ReadRunInfo(out)
	if err != nil {
		t.Fatal(err)
	}
	if ri.Shard != nil || ri.Shards == nil || ri.Load.Concurrency != 6 || ri.Load.Requests != 24 || !ri.StartTime.Equal(mergeBase) {
		t.Fatalf("run.json %+v", ri)
	}
	for i, ref := range ri.Shards.Merged {
		if ref.Index != i || ref.ShiftMS != float64(250*i) || ref.Records != 8 || ref.Files != filepath.Join(ShardsDir, fmt.Sprint(i)) {
			t.Errorf("shard %d listed as %+v", i, ref)
		}
		if _, err := os.Stat(filepath.Join(out, ref.Files, bench.RunFile)); err != nil {
			t.Errorf("shard %d's run.json not kept: %v", i, err)
		}
	}
	if ri.Host != "pod-0,pod-1,pod-2" {
		t.Errorf("host %q", ri.Host)
	}
	if res.Summary.Requests.Total != 22 || len(res.Warnings) != 0 {
		t.Errorf("result %+v warnings %v", res.Summary.Requests, res.Warnings)
	}
	if wi, err := bench.ReadWorkloadInfo(out); err != nil || wi.Requests != 24 {
		t.Errorf("workload.json %+v %v", wi, err)
	}
}

func TestMergeRefuses(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, root string) []string
		wantErr []string
	}{
		{"a missing shard", func(t *testing.T, root string) []string {
			d := splitWhole(t, root, 3)
			return []string{d[0], d[2]}
		}, []string{"shard 1/3 is missing", "--allow-partial"}},
		{"two missing shards", func(t *testing.T, root string) []string {
			return splitWhole(t, root, 4)[:2]
		}, []string{"shards 2/4, 3/4 are missing"}},
		{"a shard given twice", func(t *testing.T, root string) []string {
			d := splitWhole(t, root, 3)
			twin := writeShard(t, filepath.Join(root, "twin"), shardFixture{index: 1, count: 3, epoch: mergeBase})
			return append(d, twin)
		}, []string{"shard 1/3 given twice", "shard-1", "twin"}},
		{"not a shard", func(t *testing.T, root string) []string {
			return []string{writeShard(t, filepath.Join(root, "plain"), shardFixture{noShard: true, epoch: mergeBase})}
		}, []string{"plain is not a shard"}},
		{"not a results directory", func(t *testing.T, root string) []string {
			return []string{filepath.Join(root, "nothing")}
		}, []string{"nothing: not a results directory"}},
		{"shard counts differ", func(t *testing.T, root string) []string {
			d := splitWhole(t, root, 2)
			return append(d, writeShard(t, filepath.Join(root, "other"), shardFixture{index: 2, count: 3, epoch: mergeBase}))
		}, []string{"other is shard 2/3", "not parts of one run"}},
		{"workloads differ", func(t *testing.T, root string) []string {
			a := writeShard(t, filepath.Join(root, "a"), shardFixture{index: 0, count: 2, epoch: mergeBase})
			b := writeShard(t, filepath.Join(root, "b"), shardFixture{index: 1, count: 2, epoch: mergeBase, workload: "sharegpt"})
			return []string{a, b}
		}, []string{"different workloads"}},
		{"overlapping request ids", func(t *testing.T, root string) []string {
			r := []bench.Record{{RequestID: "7", OK: true}}
			a := writeShard(t, filepath.Join(root, "a"), shardFixture{index: 0, count: 2, epoch: mergeBase, recs: r})
			b := writeShard(t, filepath.Join(root, "b"), shardFixture{index: 1, count: 2, epoch: mergeBase, recs: r})
			return []string{a, b}
		}, []string{`request id "7" is in shard 0/2 and in shard 1/2`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			dirs := tt.setup(t, root)
			out := filepath.Join(root, "merged")
			_, err := Merge(dirs, out, MergeOptions{})
			if err == nil {
				t.Fatal("merged")
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			// A failed merge leaves nothing behind.
			ents, _ := os.ReadDir(root)
			for _, e := range ents {
				if strings.Contains(e.Name(), "merge") {
					t.Errorf("left %s behind", e.Name())
				}
			}
		})
	}
}

func TestMergeOutMustBeEmpty(t *testing.T) {
	root := t.TempDir()
	dirs := splitWhole(t, root, 2)
	out := filepath.Join(root, "merged")
	if _, err := Merge(dirs, out, MergeOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := Merge(dirs, out, MergeOptions{}); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("second merge into %s: %v", out, err)
	}
	// An empty directory made beforehand (a mounted volume's subdirectory) is fine.
	empty := filepath.Join(root, "empty")
	os.Mkdir(empty, 0o755)
	if _, err := Merge(dirs, empty, MergeOptions{}); err != nil {
		t.Errorf("merge into an empty directory: %v", err)
	}
}

// --allow-partial merges what exists and says what is missing, in
// summary.json, run.json and the table.
func TestMergeAllowPartial(t *testing.T) {
	root := t.TempDir()
	d := splitWhole(t, root, 3)
	out := filepath.Join(root, "merged")
	// Shard 1's pod never ran: its directory does not exist.
	res, err := Merge([]string{d[0], filepath.Join(root, "never"), d[2]}, out, MergeOptions{AllowPartial: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "never holds no run") {
		t.Errorf("warnings %v", res.Warnings)
	}
	if sh := res.Summary.Shards; sh == nil || sh.Count != 3 || sh.Merged != 2 || !slices.Equal(sh.Missing, []int{1}) {
		t.Errorf("summary shards %+v", res.Summary.Shards)
	}
	if !slices.Equal(res.Info.Shards.Missing, []int{1}) {
		t.Errorf("run.json shards missing %v", res.Info.Shards.Missing)
	}
	var raw map[string]any
	b, _ := os.ReadFile(filepath.Join(out, SummaryFile))
	if err := json.Unmarshal(b, &raw); err != nil || raw["shards"] == nil {
		t.Errorf("summary.json has no shards: %s", b)
	}
	var tb bytes.Buffer
	if err := res.Summary.WriteTable(&tb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tb.String(), "Shards        2 of 3 merged; missing 1/3: this run is partial") {
		t.Errorf("table does not say what is missing:\n%s", tb.String())
	}
	// summarize keeps saying it.
	s, _, err := Summarize(out)
	if err != nil || s.Shards == nil || !slices.Equal(s.Shards.Missing, []int{1}) {
		t.Errorf("summarize lost the missing shard: %+v %v", s.Shards, err)
	}
}

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
