package gate

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/tokenbench/tokenbench/history"
)

// RecordRun records the results directory dir into the history database
// at dbPath: its identity (run.json), every number of its view, its
// samples, the gate's status when it was judged (empty otherwise) and
// gitCommit. added is false when the run was there already (its status is
// then updated when status is set).
func RecordRun(ctx context.Context, dbPath, dir string, view *View, s Samples, status, gitCommit string) (added bool, err error) {
	id, db, err := openHistory(ctx, dbPath, dir)
	if err != nil {
		return false, err
	}
	defer db.Close()
	abs, _ := filepath.Abs(dir)
	_, added, err = db.Record(ctx, history.Run{Key: id.Key, Scenario: id.Scenario, Name: id.Name, StartedAt: id.StartedAt,
		ToolVersion: id.ToolVersion, GitCommit: gitCommit, Engine: id.Engine, Model: id.Model, Dir: abs,
		GateStatus: status, Stats: view.Stats(), Samples: s})
	return added, err
}

// HistoryBaseline is the baseline --baseline history:FILE names (spec):
// the last n runs of dir's scenario in the database at dbPath, leaving out
// dir itself and runs whose gate failed.
func HistoryBaseline(ctx context.Context, spec, dbPath, dir string, n int) (*Baseline, error) {
	id, db, err := openHistory(ctx, dbPath, dir)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	runs, err := db.Baseline(ctx, id.Scenario, id.Key, n)
	if err != nil {
		return nil, err
	}
	b := &Baseline{Name: fmt.Sprintf("%s (scenario %s, %d of the last %d runs)", spec, id.Scenario, len(runs), n)}
	for _, r := range runs {
		b.Runs = append(b.Runs, BaselineRun{Label: r.Label(), Samples: r.Samples})
	}
	return b, nil
}

// openHistory reads dir's identity and opens the database at dbPath.
func openHistory(ctx context.Context, dbPath, dir string) (Identity, *history.DB, error) {
	id, err := ReadIdentity(dir)
	if err != nil {
		return Identity{}, nil, err
	}
	db, err := history.Open(ctx, dbPath)
	return id, db, err
}
