package history

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"
)

// BusyTimeout is how long a writer waits for another one's lock.
const BusyTimeout = 30 * time.Second

// migrations are the schema versions in order: migrations[i] takes the
// database from version i to i+1. Never edit one that has shipped; add one.
var migrations = []string{
	// 1: runs, their key statistics and their samples.
	`CREATE TABLE runs (
		id           INTEGER PRIMARY KEY,
		run_key      TEXT NOT NULL UNIQUE,
		scenario     TEXT NOT NULL,
		name         TEXT NOT NULL,
		started_at   TEXT NOT NULL,
		recorded_at  TEXT NOT NULL,
		tool_version TEXT NOT NULL,
		git_commit   TEXT NOT NULL,
		engine       TEXT NOT NULL,
		model        TEXT NOT NULL,
		dir          TEXT NOT NULL
	);
	CREATE INDEX runs_by_scenario ON runs (scenario, started_at);
	CREATE TABLE stats (
		run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
		path   TEXT NOT NULL,
		value  REAL NOT NULL,
		PRIMARY KEY (run_id, path)
	);
	CREATE TABLE samples (
		run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
		metric TEXT NOT NULL,
		n      INTEGER NOT NULL,
		data   BLOB NOT NULL,
		PRIMARY KEY (run_id, metric)
	);`,
	// 2: the gate's verdict on the run, so baselines can leave out runs
	// that failed it.
	`ALTER TABLE runs ADD COLUMN gate_status TEXT NOT NULL DEFAULT '';`,
}

// SchemaVersion is the schema version this build writes.
var SchemaVersion = len(migrations)

// DB is an open history database.
type DB struct {
	db   *sql.DB
	path string
}

// Open opens (creating it if need be) the database at path and brings its
// schema up to date.
func Open(ctx context.Context, path string) (*DB, error) {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", BusyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("history: %s: %w", path, err)
	}
	d := &DB{db: db, path: path}
	if err := d.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return d, nil
}

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// Version returns the database's schema version.
func (d *DB) Version(ctx context.Context) (int, error) {
	var v int
	err := d.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

func (d *DB) migrate(ctx context.Context) error {
	for {
		done, err := d.migrateOne(ctx)
		if err != nil {
			return fmt.Errorf("history: %s: %w", d.path, err)
		}
		if done {
			return nil
		}
	}
}

// migrateOne applies the next migration under the write lock, so that two
// processes opening a new database do not both apply it.
func (d *DB) migrateOne(ctx context.Context) (done bool, err error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return false, err
	}
	switch {
	case v > len(migrations):
		return false, fmt.Errorf("schema version %d is newer than this tokenbench knows (%d): upgrade tokenbench", v, len(migrations))
	case v == len(migrations):
		return true, tx.Commit()
	}
	if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
		return false, fmt.Errorf("migration %d: %w", v+1, err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
		return false, err
	}
	return false, tx.Commit()
}
