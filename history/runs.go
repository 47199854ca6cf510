package history

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Run is one recorded run.
type Run struct {
	ID int64 `json:"id"`
	// Key identifies the run (a hash of its run.json): recording it again
	// keeps the first copy.
	Key string `json:"key"`
	// Scenario identifies what was run (load, workload, model, engine),
	// so that baselines compare like with like.
	Scenario    string    `json:"scenario"`
	Name        string    `json:"name"`
	StartedAt   time.Time `json:"started_at"`
	RecordedAt  time.Time `json:"recorded_at"`
	ToolVersion string    `json:"tool_version"`
	GitCommit   string    `json:"git_commit,omitempty"`
	Engine      string    `json:"engine"`
	Model       string    `json:"model"`
	Dir         string    `json:"dir"`
	// GateStatus is the gate's verdict when the run was gated: pass, fail,
	// not_judged; empty when it was not.
	GateStatus string `json:"gate_status,omitempty"`
	// Stats are key statistics by summary.json path (ttft_ms.p99).
	Stats map[string]float64 `json:"stats,omitempty"`
	// Samples are per-request samples by metric; filled by Record's
	// caller and by Samples, not by Runs.
	Samples map[string][]float64 `json:"-"`
}

// Record adds r in one transaction; added is false when a run with its Key
// is already there (its id is returned, and its gate status set to r's
// when r has one).
func (d *DB) Record(ctx context.Context, r Run) (id int64, added bool, err error) {
	if r.Key == "" || r.Scenario == "" {
		return 0, false, errors.New("history: a run needs a key and a scenario")
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, false, fmt.Errorf("history: %s: %w", d.path, err)
	}
	defer tx.Rollback()
	err = tx.QueryRowContext(ctx, "SELECT id FROM runs WHERE run_key = ?", r.Key).Scan(&id)
	switch {
	case err == nil:
		// Recorded before (run --history-db, then gate --history-db): keep
		// it, with the verdict given now.
		if r.GateStatus != "" {
			if _, err := tx.ExecContext(ctx, "UPDATE runs SET gate_status = ? WHERE id = ?", r.GateStatus, id); err != nil {
				return 0, false, fmt.Errorf("history: %w", err)
			}
		}
		return id, false, tx.Commit()
	case !errors.Is(err, sql.ErrNoRows):
		return 0, false, fmt.Errorf("history: %w", err)
	}
	if r.RecordedAt.IsZero() {
		r.RecordedAt = time.Now()
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO runs (run_key, scenario, name, started_at, recorded_at, tool_version,
		git_commit, engine, model, dir, gate_status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Key, r.Scenario, r.Name, stamp(r.StartedAt), stamp(r.RecordedAt), r.ToolVersion, r.GitCommit, r.Engine, r.Model, r.Dir, r.GateStatus)
	if err != nil {
		return 0, false, fmt.Errorf("history: record run: %w", err)
	}
	if id, err = res.LastInsertId(); err != nil {
		return 0, false, fmt.Errorf("history: %w", err)
	}
	for _, p := range sortedKeys(r.Stats) {
		v := r.Stats[p]
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO stats (run_id, path, value) VALUES (?, ?, ?)", id, p, v); err != nil {
			return 0, false, fmt.Errorf("history: record %s: %w", p, err)
		}
	}
	for _, m := range sortedKeys(r.Samples) {
		s := r.Samples[m]
		if _, err := tx.ExecContext(ctx, "INSERT INTO samples (run_id, metric, n, data) VALUES (?, ?, ?, ?)", id, m, len(s), encode(s)); err != nil {
			return 0, false, fmt.Errorf("history: record samples of %s: %w", m, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, false, fmt.Errorf("history: %s: %w", d.path, err)
	}
	return id, true, nil
}

// Filter selects runs.
type Filter struct {
	// Scenario keeps the runs of one scenario; empty keeps all.
	Scenario string
	// ExcludeKey leaves out one run (the one being judged).
	ExcludeKey string
	// ExcludeFailed leaves out runs whose gate failed.
	ExcludeFailed bool
	// Limit keeps the newest Limit runs; 0 keeps all.
	Limit int
}

// Runs returns the runs f selects, newest first (by start time, then id),
// with their Stats but without Samples.
func (d *DB) Runs(ctx context.Context, f Filter) ([]Run, error) {
	q := `SELECT id, run_key, scenario, name, started_at, recorded_at, tool_version, git_commit, engine, model, dir, gate_status
		FROM runs WHERE 1 = 1`
	var args []any
	if f.Scenario != "" {
		q += " AND scenario = ?"
		args = append(args, f.Scenario)
	}
	if f.ExcludeKey != "" {
		q += " AND run_key <> ?"
		args = append(args, f.ExcludeKey)
	}
	if f.ExcludeFailed {
		q += " AND gate_status <> 'fail'"
	}
	q += " ORDER BY started_at DESC, id DESC"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		var r Run
		var started, recorded string
		if err := rows.Scan(&r.ID, &r.Key, &r.Scenario, &r.Name, &started, &recorded, &r.ToolVersion, &r.GitCommit,
			&r.Engine, &r.Model, &r.Dir, &r.GateStatus); err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		r.StartedAt, _ = time.Parse(time.RFC3339Nano, started)
		r.RecordedAt, _ = time.Parse(time.RFC3339Nano, recorded)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	for i := range out {
		if out[i].Stats, err = d.stats(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (d *DB) stats(ctx context.Context, id int64) (map[string]float64, error) {
	rows, err := d.db.QueryContext(ctx, "SELECT path, value FROM stats WHERE run_id = ?", id)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	defer rows.Close()
	m := map[string]float64{}
	for rows.Next() {
		var p string
		var v float64
		if err := rows.Scan(&p, &v); err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		m[p] = v
	}
	return m, rows.Err()
}

// Samples returns the per-request samples of run id by metric.
func (d *DB) Samples(ctx context.Context, id int64) (map[string][]float64, error) {
	rows, err := d.db.QueryContext(ctx, "SELECT metric, n, data FROM samples WHERE run_id = ?", id)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	defer rows.Close()
	m := map[string][]float64{}
	for rows.Next() {
		var metric string
		var n int
		var data []byte
		if err := rows.Scan(&metric, &n, &data); err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		s, err := decode(data, n)
		if err != nil {
			return nil, fmt.Errorf("history: run %d, %s: %w", id, metric, err)
		}
		m[metric] = s
	}
	return m, rows.Err()
}

// Point is one run's value of a metric.
type Point struct {
	RunID     int64     `json:"run_id"`
	Name      string    `json:"name"`
	StartedAt time.Time `json:"started_at"`
	Value     float64   `json:"value"`
}

// Series returns path's value over the runs of a scenario (all runs when
// scenario is empty), oldest first; runs without it are left out.
func (d *DB) Series(ctx context.Context, scenario, path string) ([]Point, error) {
	runs, err := d.Runs(ctx, Filter{Scenario: scenario})
	if err != nil {
		return nil, err
	}
	var out []Point
	for i := len(runs) - 1; i >= 0; i-- {
		if v, ok := runs[i].Stats[path]; ok {
			out = append(out, Point{RunID: runs[i].ID, Name: runs[i].Name, StartedAt: runs[i].StartedAt, Value: v})
		}
	}
	return out, nil
}

// Paths lists the statistics recorded for any run, sorted.
func (d *DB) Paths(ctx context.Context) ([]string, error) {
	rows, err := d.db.QueryContext(ctx, "SELECT DISTINCT path FROM stats ORDER BY path")
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z07:00") }

// encode packs samples as little-endian float64s: exact and compact.
func encode(s []float64) []byte {
	b := make([]byte, 8*len(s))
	for i, v := range s {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(v))
	}
	return b
}

func decode(b []byte, n int) ([]float64, error) {
	if len(b) != 8*n {
		return nil, fmt.Errorf("sample blob of %d bytes for %d samples", len(b), n)
	}
	s := make([]float64, n)
	for i := range s {
		s[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return s, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ShortKey is the first 12 characters of a key, for tables.
func ShortKey(k string) string {
	if len(k) > 12 {
		return k[:12]
	}
	return strings.TrimSpace(k)
}
