package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"

	"github.com/groupwarden/warden/appeal/funds"
)

// Store keeps claims and their events in SQLite. The events table is the
// source of truth, append-only; the claims table holds each claim's
// snapshot and version. An event is appended with compare-and-append: in
// one immediate transaction the snapshot is read, the library applies the
// event to it, the event is inserted at the next sequence and the snapshot
// is replaced only if its version is still the one read. A writer that
// lost the race gets the library's version conflict (funds.ErrConflict).
type Store struct {
	db  *sql.DB
	cfg funds.Config
	// crashAt, when set, kills the process at that point of an append:
	// the crash tests use it to stop between the insert and the update.
	crashAt string
}

const schema = `
CREATE TABLE IF NOT EXISTS claims (
	id       TEXT PRIMARY KEY,
	version  INTEGER NOT NULL,
	snapshot TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
	claim TEXT NOT NULL REFERENCES claims(id),
	seq   INTEGER NOT NULL,
	id    TEXT NOT NULL,
	body  TEXT NOT NULL,
	head  TEXT NOT NULL,
	PRIMARY KEY (claim, seq),
	UNIQUE (claim, id)
);
CREATE UNIQUE INDEX IF NOT EXISTS openings ON events (id) WHERE seq = 1;`

// OpenStore opens (creating if needed) the store in the SQLite file at path.
// Transactions are immediate, so two writers of one claim queue on its
// lock instead of failing; the journal is a write-ahead log with full
// synchronous commits, so a committed event survives a crash.
func OpenStore(path string, cfg funds.Config) (*Store, error) {
	dsn := "file:" + path + "?_txlock=immediate&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("funds-desk: schema: %w", err)
	}
	return &Store{db: db, cfg: cfg, crashAt: os.Getenv("DESK_CRASH_AT")}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Load returns a claim's snapshot. The snapshot is checked (funds.Config.Check)
// before it is returned.
func (s *Store) Load(ctx context.Context, id string) (funds.Claim, error) {
	return s.load(ctx, s.db, id)
}

// querier is what Load and Events read through: the database, or a
// transaction that reads a claim's snapshot and log as of one moment.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Store) load(ctx context.Context, q querier, id string) (funds.Claim, error) {
	var raw string
	err := q.QueryRowContext(ctx, `SELECT snapshot FROM claims WHERE id = ?`, id).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return funds.Claim{}, nil
	}
	if err != nil {
		return funds.Claim{}, err
	}
	var c funds.Claim
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		return funds.Claim{}, fmt.Errorf("funds-desk: claim %s: %w", id, err)
	}
	return c, s.cfg.Check(c)
}

// errOpening is the error of an opening event stored for a second claim.
var errOpening = errors.New("funds-desk: one opening event opens one claim")

// errBody is the error of an event body that is not the event as the
// store wrote it.
var errBody = errors.New("funds-desk: an event body is not the event as the store wrote it")

// Events returns a claim's log in order. Each body must be exactly the
// JSON the store wrote for its event: one edited so that this decoder
// still reads the same event (a key given twice, an unknown field) could
// read differently elsewhere, and is refused (errBody).
func (s *Store) Events(ctx context.Context, id string) ([]funds.Event, error) {
	return events(ctx, s.db, id)
}

func events(ctx context.Context, q querier, id string) ([]funds.Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT body FROM events WHERE claim = ? ORDER BY seq`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []funds.Event
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return nil, err
		}
		var e funds.Event
		if err := json.Unmarshal([]byte(raw), &e); err != nil {
			return nil, err
		}
		if again, err := json.Marshal(e); err != nil || string(again) != raw {
			return nil, fmt.Errorf("%w: claim %s, event %d", errBody, id, len(out)+1)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Claims lists the ids of the stored claims.
func (s *Store) Claims(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM claims ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Append applies an event to the stored claim id and stores both, as of
// now. The event must be stamped for the claim the caller decided on
// (funds.Claim.Next); if another writer appended first, the library refuses
// it with a version conflict and nothing is written. An event appended
// before (same id and content) is a retry: nothing is written and the
// stored claim is returned. An opening event opens one claim: stored for
// another claim id it is refused (errOpening), so that one holding is one
// claim.
func (s *Store) Append(ctx context.Context, id string, e funds.Event, now time.Time) (funds.Claim, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return funds.Claim{}, err
	}
	defer tx.Rollback()
	var raw string
	var version int
	var c funds.Claim
	switch err := tx.QueryRowContext(ctx, `SELECT version, snapshot FROM claims WHERE id = ?`, id).Scan(&version, &raw); {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return funds.Claim{}, err
	default:
		if err := json.Unmarshal([]byte(raw), &c); err != nil {
			return funds.Claim{}, fmt.Errorf("funds-desk: claim %s: %w", id, err)
		}
	}
	next, err := s.cfg.Apply(c, e, now)
	if err != nil {
		return c, err
	}
	if next.Version == c.Version {
		return c, nil // a retry: already stored
	}
	if c.Version == 0 {
		// One holding, one claim: the event that opens a claim (its id is
		// the freeze's claim id, funds.Opening) opens no other.
		var other string
		switch err := tx.QueryRowContext(ctx, `SELECT claim FROM events WHERE seq = 1 AND id = ?`, e.ID).Scan(&other); {
		case err == nil:
			return c, fmt.Errorf("%w: event %q opened claim %s already, not %s", errOpening, e.ID, other, id)
		case !errors.Is(err, sql.ErrNoRows):
			return c, err
		}
	}
	body, err := json.Marshal(e)
	if err != nil {
		return c, err
	}
	snap, err := json.Marshal(next)
	if err != nil {
		return c, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO claims (id, version, snapshot) VALUES (?, 0, '{}') ON CONFLICT(id) DO NOTHING`, id); err != nil {
		return c, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO events (claim, seq, id, body, head) VALUES (?, ?, ?, ?, ?)`, id, e.Seq, e.ID, body, next.Head); err != nil {
		return c, err
	}
	s.crash("after-insert")
	res, err := tx.ExecContext(ctx, `UPDATE claims SET version = ?, snapshot = ? WHERE id = ? AND version = ?`, next.Version, snap, id, c.Version)
	if err != nil {
		return c, err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return c, fmt.Errorf("funds-desk: claim %s moved past version %d during the append", id, c.Version)
	}
	s.crash("before-commit")
	if err := tx.Commit(); err != nil {
		return c, err
	}
	s.crash("after-commit")
	return next, nil
}

// crash kills the process at the named point when the store was opened
// with DESK_CRASH_AT set to it: no deferred function, no rollback, no
// flush, as a power cut would.
func (s *Store) crash(point string) {
	if s.crashAt == point {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
}

// Audit replays the log of every claim and compares it with the snapshot:
// it returns the claims whose snapshot is not the fold of their log, whose
// log does not replay (an edited, removed or inserted event), or whose
// stored bodies are not the events as written. It reads each claim's
// snapshot and log as of one moment, so it can run while the desk works.
func (s *Store) Audit(ctx context.Context, now time.Time) (map[string]error, error) {
	ids, err := s.Claims(ctx)
	if err != nil {
		return nil, err
	}
	bad := map[string]error{}
	for _, id := range ids {
		if err := s.audit(ctx, id, now, bad); err != nil {
			return nil, err
		}
	}
	return bad, nil
}

// audit checks one claim, reading its snapshot and its log in one
// transaction: an event appended between the two reads is no tampering.
func (s *Store) audit(ctx context.Context, id string, now time.Time, bad map[string]error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	c, err := s.load(ctx, tx, id)
	if err != nil {
		bad[id] = err
		return nil
	}
	log, err := events(ctx, tx, id)
	if errors.Is(err, errBody) {
		bad[id] = err
		return nil
	}
	if err != nil {
		return err
	}
	if err := s.cfg.Verify(c, log, now); err != nil {
		bad[id] = err
	}
	return nil
}
