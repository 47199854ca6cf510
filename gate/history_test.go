package gate

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/bench"
)

// writeRunJSON makes a results directory holding run.json alone: runs of
// one scenario differ by name and start time.
func writeRunJSON(t *testing.T, name string, start time.Time) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	b, _ := json.Marshal(bench.RunInfo{Version: "test", Name: name, StartTime: start,
		Target: bench.TargetInfo{URL: "http://127.0.0.1:8000/v1", Model: "m", API: "chat"}, Load: bench.LoadInfo{Concurrency: 2, Requests: 10}})
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, bench.RunFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestRecordRunAndHistoryBaseline: a run is recorded once; a baseline
// from history holds the scenario's earlier runs with their samples,
// neither the judged run nor one whose gate failed.
func TestRecordRunAndHistoryBaseline(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "h.db")
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	view := &View{Doc: map[string]any{"ttft_ms": map[string]any{"p50": 12.5}}}
	a, failed, cur := writeRunJSON(t, "a", t0), writeRunJSON(t, "failed", t0.Add(time.Minute)), writeRunJSON(t, "cur", t0.Add(2*time.Minute))
	for _, tt := range []struct {
		dir, status string
		wantAdded   bool
	}{{a, "", true}, {a, "", false}, {failed, "fail", true}, {cur, "pass", true}} {
		added, err := RecordRun(ctx, db, tt.dir, view, Samples{"ttft_ms": {1, 2, 3}}, tt.status, "abc")
		if err != nil || added != tt.wantAdded {
			t.Fatalf("record %s: added %v, err %v; want added %v", tt.dir, added, err, tt.wantAdded)
		}
	}
	b, err := HistoryBaseline(ctx, "history:h.db", db, cur, 5)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := ReadIdentity(cur)
	if want := fmt.Sprintf("history:h.db (scenario %s, 1 of the last 5 runs)", id.Scenario); b.Name != want {
		t.Errorf("name %q, want %q", b.Name, want)
	}
	if len(b.Runs) != 1 || b.Runs[0].Label != "history run 1 (a, 2026-12-01 00:00)" || fmt.Sprint(b.Runs[0].Samples["ttft_ms"]) != "[1 2 3]" {
		t.Errorf("runs %+v, want run a with its samples", b.Runs)
	}
	if _, err := HistoryBaseline(ctx, "history:h.db", db, filepath.Join(t.TempDir(), "none"), 5); err == nil {
		t.Error("a directory without run.json: no error")
	}
}
