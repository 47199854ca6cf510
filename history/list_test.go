package history

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/golden"
)

func listFixture() List {
	t0 := time.Date(2026, 12, 1, 2, 3, 4, 0, time.FixedZone("CET", 3600))
	return List{DB: "history.db", Metric: "ttft_ms.p50", Runs: []Run{
		{ID: 3, Key: "k3", Scenario: "3f2a9c1d0b7e6a55", Name: "pr-12", StartedAt: t0.Add(time.Hour), RecordedAt: t0.Add(2 * time.Hour),
			ToolVersion: "v1.2.0", GitCommit: "0123456789abcdef0123", Engine: "built-in", Model: "m", Dir: "/r/pr-12", GateStatus: "fail",
			Stats: map[string]float64{"ttft_ms.p50": 123.456789, "tpot_ms.p50": 9}},
		{ID: 2, Key: "k2", Scenario: "3f2a9c1d0b7e6a55", Name: "nightly", StartedAt: t0, RecordedAt: t0,
			ToolVersion: "v1.2.0", Engine: "http://127.0.0.1:8000/v1", Model: "m", Dir: "/r/nightly",
			Stats: map[string]float64{"tpot_ms.p50": 8}},
	}}
}

// TestList: the table of `tokenbench history` (times in UTC, short git
// commits, "-" for what a run lacks) and its JSON, against golden files.
func TestList(t *testing.T) {
	for _, tt := range []struct {
		name  string
		l     List
		write func(List, *bytes.Buffer) error
	}{
		{"table", listFixture(), func(l List, b *bytes.Buffer) error { return l.WriteTable(b) }},
		{"json", listFixture(), func(l List, b *bytes.Buffer) error { return l.WriteJSON(b) }},
		{"empty_table", List{DB: "history.db", Metric: "ttft_ms.p50"}, func(l List, b *bytes.Buffer) error { return l.WriteTable(b) }},
		{"empty_json", List{DB: "history.db", Metric: "ttft_ms.p50"}, func(l List, b *bytes.Buffer) error { return l.WriteJSON(b) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.write(tt.l, &b); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "list_"+tt.name+".golden"), b.Bytes())
		})
	}
}

// TestBaseline: the newest runs of the scenario with their samples,
// neither the judged run nor one whose gate failed, labelled by id, name
// and start time.
func TestBaseline(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	base := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for i := range 5 {
		r := testRun(fmt.Sprintf("k%d", i), "a", base.Add(time.Duration(i)*time.Minute))
		r.Samples["ttft_ms"] = []float64{float64(i), 0.5}
		if i == 3 {
			r.GateStatus = "fail"
		}
		if _, _, err := db.Record(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := db.Record(ctx, testRun("other", "b", base.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		n    int
		want string
	}{
		{"last two", 2, "[k2:[2 0.5] k1:[1 0.5]]"},
		{"all", 0, "[k2:[2 0.5] k1:[1 0.5] k0:[0 0.5]]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			runs, err := db.Baseline(ctx, "a", "k4", tt.n)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range runs {
				got = append(got, fmt.Sprintf("%s:%v", r.Key, r.Samples["ttft_ms"]))
			}
			if fmt.Sprint(got) != tt.want {
				t.Errorf("baseline %v, want %s", got, tt.want)
			}
		})
	}
	runs, _ := db.Baseline(ctx, "a", "k4", 1)
	if len(runs) != 1 || runs[0].Label() != fmt.Sprintf("history run %d (k2, 2026-12-01 00:02)", runs[0].ID) {
		t.Errorf("label %q", runs[0].Label())
	}
}
