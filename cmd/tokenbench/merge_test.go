package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/report"
	"github.com/tokenbench/tokenbench/sim"
)

// startEngine serves a built-in engine on a loopback port for the test.
func startEngine(t *testing.T) string {
	t.Helper()
	url, stop, err := sim.Start(context.Background(), "127.0.0.1:0", sim.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop() })
	return url
}

// runShards runs n tokenbench processes (this test binary re-exec'd as
// the command) as shards i/n of args, started together with --start-at,
// into dir/shard-i, and returns the directories.
func runShards(t *testing.T, dir string, n int, args ...string) []string {
	t.Helper()
	// Far enough ahead for n processes to start on a loaded machine; a
	// late one starts at once and says so, which the offsets then show.
	at := time.Now().Add(1500 * time.Millisecond).UTC().Format(time.RFC3339Nano)
	dirs := make([]string, n)
	errs := make([]error, n)
	outs := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		dirs[i] = filepath.Join(dir, fmt.Sprintf("shard-%d", i))
		full := append([]string{"run", "--shard", fmt.Sprintf("%d/%d", i, n), "--start-at", at, "--out", dirs[i], "--quiet"}, args...)
		cmd := exec.Command(os.Args[0], full...)
		cmd.Env = append(os.Environ(), envAsMain+"=1")
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], errs[i] = cmd.CombinedOutput()
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("shard %d/%d: %v\n%s", i, n, err, outs[i])
		}
	}
	return dirs
}

func readRecords(t *testing.T, dir string) []bench.Record {
	t.Helper()
	var recs []bench.Record
	if _, err := bench.ReadRecordsFile(filepath.Join(dir, bench.RecordsFile), func(r bench.Record) error {
		recs = append(recs, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return recs
}

func ids(recs []bench.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.RequestID
	}
	slices.Sort(out)
	return out
}

// Three shard processes against one built-in engine send what one process
// sends against another just like it: the same requests (ids, prompts,
// token totals), on the same open-loop schedule, with latency
// distributions within noise of each other.
func TestShardsMergeLikeOneProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("runs four benchmarks of a second or two")
	}
	tmp := t.TempDir()
	args := []string{"--requests", "30", "--rate", "40", "--arrival", "constant", "--input-tokens", "64",
		"--output-tokens", "16", "--output-stddev", "4", "--warmup", "2", "--metrics-interval", "200ms"}

	one := filepath.Join(tmp, "one")
	runOK(t, append([]string{"run", "--url", startEngine(t), "--out", one, "-q"}, args...)...)
	dirs := runShards(t, tmp, 3, append([]string{"--url", startEngine(t)}, args...)...)
	merged := filepath.Join(tmp, "merged")
	f, out, errb, _ := testFactory(nil)
	if code := Main(f, append([]string{"merge", "--out", merged, "--output", "json"}, dirs...)); code != 0 {
		t.Fatalf("merge: exit %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "merged 3 of 3 shards (30 requests)") {
		t.Errorf("merge said %q", errb.String())
	}
	if !strings.Contains(out.String(), `"shards"`) {
		t.Errorf("printed summary has no shards: %s", out.String())
	}

	want, _, err := report.Summarize(one)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := report.Summarize(merged)
	if err != nil {
		t.Fatal(err)
	}
	if got.Requests.Total != 30 || got.Requests.OK != want.Requests.OK || got.Requests.WarmupExcluded != 2 {
		t.Errorf("merged requests %+v, one process %+v", got.Requests, want.Requests)
	}
	if got.Tokens.Input != want.Tokens.Input || got.Tokens.Output != want.Tokens.Output {
		t.Errorf("merged tokens %+v, one process %+v", got.Tokens, want.Tokens)
	}
	wr, gr := readRecords(t, one), readRecords(t, merged)
	if !slices.Equal(ids(wr), ids(gr)) {
		t.Errorf("request ids differ:\none process %v\nmerged      %v", ids(wr), ids(gr))
	}
	// Each request asked for and got the same lengths in both: the same
	// length distributions, request by request.
	type lengths struct{ max, in, out int }
	byID := map[string]lengths{}
	for _, r := range wr {
		byID[r.RequestID] = lengths{r.MaxTokens, r.InputTokens, r.OutputTokens}
	}
	for _, r := range gr {
		if got := (lengths{r.MaxTokens, r.InputTokens, r.OutputTokens}); got != byID[r.RequestID] {
			t.Errorf("request %s: max, input, output tokens %v merged, %v in one process", r.RequestID, got, byID[r.RequestID])
		}
	}
	// The open loop's schedule: request k at (k-1) x 25 ms of the whole
	// schedule, on every shard, up to one constant per shard (its start).
	ri, err := bench.ReadRunInfo(merged)
	if err != nil || ri.Shards == nil || len(ri.Shards.Merged) != 3 || ri.Load.Requests != 30 {
		t.Fatalf("merged run.json %+v: %v", ri, err)
	}
	checkOnClock(t, gr, func(r bench.Record) (float64, bool) {
		k, err := strconv.Atoi(r.RequestID)
		return float64(k-1) * 25, err == nil
	})
	// Latency within noise: the engine's decode pace, TPOT, is a property
	// of the engine and the load, the same in both. (TTFT and E2E are not
	// compared: the two runs happen one after the other, and on a loaded
	// machine a stall of the engine's process shifts one run's queueing.)
	if got.TPOTMS == nil || want.TPOTMS == nil || math.Abs(got.TPOTMS.P50-want.TPOTMS.P50) > 0.5*want.TPOTMS.P50 {
		t.Errorf("TPOT p50 merged %v, one process %v", got.TPOTMS, want.TPOTMS)
	} else {
		t.Logf("TPOT p50 merged %.2f ms, one process %.2f ms", got.TPOTMS.P50, want.TPOTMS.P50)
	}
	// One engine scraped by every shard: the merged run has its section,
	// and every shard's scrapes stay in shards/<i>/.
	if got.Engine == nil || got.Engine.EngineSummary == nil || got.Engine.Name == "" {
		t.Errorf("merged summary has no engine metrics: %+v", got.Engine)
	}
	for i := range 3 {
		if _, err := os.Stat(filepath.Join(merged, report.ShardsDir, strconv.Itoa(i), "metrics.jsonl")); err != nil {
			t.Errorf("shard %d's scrapes not kept: %v", i, err)
		}
	}
}

// checkOnClock asserts that every record's t_sched_ms is its intended
// offset plus a constant of its shard (exact to a microsecond), and that
// the shards' constants (their start after --start-at) are close.
func checkOnClock(t *testing.T, recs []bench.Record, intended func(bench.Record) (float64, bool)) {
	t.Helper()
	var consts []float64
	for _, r := range recs {
		if r.Warmup {
			continue
		}
		want, ok := intended(r)
		if !ok {
			t.Fatalf("record %s has no intended offset", r.RequestID)
		}
		c := r.TSchedMS - want
		found := false
		for _, k := range consts {
			if math.Abs(c-k) < 1e-3 {
				found = true
			}
		}
		if !found {
			consts = append(consts, c)
		}
	}
	if len(consts) > 3 {
		t.Errorf("t_sched_ms - intended offset takes %d values %v: a shard left the whole schedule's clock", len(consts), consts)
	}
	slices.Sort(consts)
	t.Logf("t_sched_ms - intended offset, per shard: %v", consts)
	// The shards start within a scheduler's wake-up of --start-at (a few
	// ms here); the bound is generous for a loaded machine. A shard on a
	// clock of its own fails the exact per-shard check above instead.
	if len(consts) > 0 && (consts[len(consts)-1]-consts[0] > 250 || consts[0] < -1) {
		t.Errorf("shard starts spread over %v ms (offsets %v)", consts[len(consts)-1]-consts[0], consts)
	}
}

// A sharded trace replay keeps every request on the trace's clock.
func TestShardedTraceKeepsTraceClock(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a trace replay of a second")
	}
	tmp := t.TempDir()
	trace := filepath.Join(tmp, "trace.jsonl")
	var b strings.Builder
	offsets := map[string]float64{}
	for i := range 12 {
		// Uneven gaps: 0, 70, 140, ... plus i^2 ms.
		ms := float64(70*i + i*i)
		fmt.Fprintf(&b, "{\"prompt\": \"request %d of the trace\", \"max_tokens\": 4, \"timestamp_ms\": %g}\n", i, ms)
		offsets[fmt.Sprintf("L%d", i+1)] = ms
	}
	if err := os.WriteFile(trace, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	dirs := runShards(t, tmp, 3, "--url", startEngine(t), "--workload", "jsonl:"+trace, "--no-metrics", "--concurrency", "12")
	merged := filepath.Join(tmp, "merged")
	runOK(t, append([]string{"merge", "--out", merged, "-q"}, dirs...)...)
	recs := readRecords(t, merged)
	if len(recs) != 12 {
		t.Fatalf("%d records, want the trace's 12", len(recs))
	}
	for i, d := range dirs {
		for _, r := range readRecords(t, d) {
			if n, _ := strconv.Atoi(strings.TrimPrefix(r.RequestID, "L")); (n-1)%3 != i {
				t.Errorf("trace line %s on shard %d", r.RequestID, i)
			}
		}
	}
	checkOnClock(t, recs, func(r bench.Record) (float64, bool) {
		ms, ok := offsets[r.RequestID]
		return ms, ok
	})
	// Every shard shares --start-at as its epoch, so the merge shifts
	// nothing, and a shard's requests are late by its recorded clock
	// offset (plus the runner's set-up after it woke).
	ri, err := bench.ReadRunInfo(merged)
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range ri.Shards.Merged {
		if ref.ShiftMS != 0 || ref.ClockOffsetMS == nil || ref.StartAt == nil || !ref.Epoch.Equal(*ref.StartAt) {
			t.Errorf("shard %d listed as %+v", ref.Index, ref)
			continue
		}
		// One constant per shard (when its measured phase began): every
		// request keeps the trace's spacing exactly, whatever the host's
		// load made that constant.
		first, seen := 0.0, false
		for _, r := range recs {
			n, _ := strconv.Atoi(strings.TrimPrefix(r.RequestID, "L"))
			if (n-1)%3 != ref.Index {
				continue
			}
			late := r.TSchedMS - offsets[r.RequestID]
			if !seen {
				first, seen = late, true
			}
			if late < *ref.ClockOffsetMS || math.Abs(late-first) > 0.001 {
				t.Errorf("shard %d request %s is %v ms late (first request %v ms), its clock offset is %v ms", ref.Index, r.RequestID, late, first, *ref.ClockOffsetMS)
			}
		}
	}
}
