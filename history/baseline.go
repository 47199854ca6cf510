package history

import (
	"context"
	"fmt"
)

// Baseline returns the newest n runs of a scenario (n <= 0: all) with
// their Samples, newest first, leaving out the run keyed exclude (the one
// being judged) and runs whose gate failed: the runs a gate compares a new
// run with.
func (d *DB) Baseline(ctx context.Context, scenario, exclude string, n int) ([]Run, error) {
	runs, err := d.Runs(ctx, Filter{Scenario: scenario, ExcludeKey: exclude, ExcludeFailed: true, Limit: n})
	if err != nil {
		return nil, err
	}
	for i := range runs {
		if runs[i].Samples, err = d.Samples(ctx, runs[i].ID); err != nil {
			return nil, err
		}
	}
	return runs, nil
}

// Label names the run in verdicts: history run 7 (nightly, 2026-12-01 00:00).
func (r Run) Label() string {
	return fmt.Sprintf("history run %d (%s, %s)", r.ID, r.Name, r.StartedAt.UTC().Format("2006-01-02 15:04"))
}
