package history

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// writerEnv makes the test binary a writer process (TestMain).
const writerEnv = "TOKENBENCH_HISTORY_TEST_WRITER"

func TestMain(m *testing.M) {
	if spec := os.Getenv(writerEnv); spec != "" {
		os.Exit(writer(spec))
	}
	os.Exit(m.Run())
}

// writer records runs into a database: spec is "PATH|WORKER|RUNS". Each
// run opens the database afresh, as separate CI jobs would.
func writer(spec string) int {
	var path string
	var worker, runs int
	if _, err := fmt.Sscanf(spec, "%s %d %d", &path, &worker, &runs); err != nil {
		fmt.Fprintln(os.Stderr, "bad writer spec:", spec, err)
		return 2
	}
	ctx := context.Background()
	for i := range runs {
		db, err := Open(ctx, path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		r := testRun(fmt.Sprintf("w%d-r%d", worker, i), "scenario-a", time.Date(2026, 12, 1, 0, worker, i, 0, time.UTC))
		if _, added, err := db.Record(ctx, r); err != nil || !added {
			fmt.Fprintln(os.Stderr, "record:", added, err)
			return 1
		}
		db.Close()
	}
	return 0
}

func testRun(key, scenario string, t time.Time) Run {
	return Run{Key: key, Scenario: scenario, Name: key, StartedAt: t, ToolVersion: "test", Engine: "sim", Model: "m", Dir: "results/" + key,
		Stats:   map[string]float64{"ttft_ms.p50": float64(t.Second()) + 100, "throughput.output_tokens_per_s": 1000},
		Samples: map[string][]float64{"ttft_ms": {1, 2.5, 3}, "itl_ms": {}}}
}

func TestParallelWritersKeepEveryRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	const writers, runs = 3, 20
	var wg sync.WaitGroup
	errs := make([]error, writers)
	outs := make([][]byte, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %d %d", writerEnv, path, w, runs))
			outs[w], errs[w] = cmd.CombinedOutput()
		}()
	}
	wg.Wait()
	for w := range writers {
		if errs[w] != nil {
			t.Fatalf("writer %d: %v\n%s", w, errs[w], outs[w])
		}
	}
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.Runs(context.Background(), Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != writers*runs {
		t.Fatalf("%d runs kept, want %d", len(got), writers*runs)
	}
	seen := map[string]bool{}
	for _, r := range got {
		seen[r.Key] = true
		s, err := db.Samples(context.Background(), r.ID)
		if err != nil || len(s["ttft_ms"]) != 3 || s["ttft_ms"][1] != 2.5 {
			t.Fatalf("run %s: samples %v, %v", r.Key, s, err)
		}
	}
	for w := range writers {
		for i := range runs {
			if k := fmt.Sprintf("w%d-r%d", w, i); !seen[k] {
				t.Errorf("run %s lost", k)
			}
		}
	}
	var check string
	if err := db.db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check: %q, %v", check, err)
	}
}

// openTestDB opens a fresh database, closed when t ends.
func openTestDB(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestRecordOnceAndFilter(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	base := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for i := range 4 {
		r := testRun("k"+strconv.Itoa(i), "a", base.Add(time.Duration(i)*time.Minute))
		if i == 2 {
			r.GateStatus = "fail"
		}
		if _, added, err := db.Record(ctx, r); err != nil || !added {
			t.Fatal(added, err)
		}
	}
	if _, _, err := db.Record(ctx, testRun("other", "b", base)); err != nil {
		t.Fatal(err)
	}
	again := testRun("k1", "a", base)
	again.GateStatus = "fail"
	id, added, err := db.Record(ctx, again)
	if err != nil || added || id == 0 {
		t.Fatalf("second record of k1: id %d added %v err %v", id, added, err)
	}
	tests := []struct {
		name string
		f    Filter
		want []string
	}{
		{"all of a, newest first", Filter{Scenario: "a"}, []string{"k3", "k2", "k1", "k0"}},
		{"last two", Filter{Scenario: "a", Limit: 2}, []string{"k3", "k2"}},
		{"without the judged run and failed ones", Filter{Scenario: "a", ExcludeKey: "k3", ExcludeFailed: true}, []string{"k0"}},
		{"other scenario", Filter{Scenario: "b"}, []string{"other"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runs, err := db.Runs(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range runs {
				got = append(got, r.Key)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	pts, err := db.Series(ctx, "a", "ttft_ms.p50")
	if err != nil || len(pts) != 4 || !pts[0].StartedAt.Before(pts[3].StartedAt) {
		t.Fatalf("series %v, %v", pts, err)
	}
}

func TestMigrationsFromVersion1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	// A database at schema version 1, as the first release wrote it.
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(migrations[0] + "; PRAGMA user_version = 1;"); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO runs (run_key, scenario, name, started_at, recorded_at, tool_version, git_commit, engine, model, dir)
		VALUES ('old', 'a', 'old', '2026-01-01T00:00:00.000000000Z', '2026-01-01T00:00:00.000000000Z', 'v0', '', 'sim', 'm', 'd')`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, err := db.Version(ctx); err != nil || v != SchemaVersion {
		t.Fatalf("version %d, %v; want %d", v, err, SchemaVersion)
	}
	runs, err := db.Runs(ctx, Filter{})
	if err != nil || len(runs) != 1 || runs[0].Key != "old" || runs[0].GateStatus != "" {
		t.Fatalf("runs after migration: %+v, %v", runs, err)
	}
	// A database from a newer tokenbench is refused, not damaged.
	if _, err := db.db.Exec(fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion+1)); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, path); err == nil {
		t.Fatal("opened a database newer than this build")
	}
}

func TestSampleBlobRoundTrip(t *testing.T) {
	for _, s := range [][]float64{nil, {0}, {1.5, -2, 1e300, 5e-324}} {
		got, err := decode(encode(s), len(s))
		if err != nil || fmt.Sprint(got) != fmt.Sprint(append([]float64{}, s...)) {
			t.Errorf("%v -> %v, %v", s, got, err)
		}
	}
	if _, err := decode(make([]byte, 7), 1); err == nil {
		t.Error("a torn blob decoded")
	}
}
