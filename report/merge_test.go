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

	"github.com/tokenbench/tokenbench/bench"
)

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
