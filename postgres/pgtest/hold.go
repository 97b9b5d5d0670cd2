package pgtest

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Hold keeps the creates of one invitation pair in flight inside their
// transactions, as a slow database would: it holds an uncommitted
// invitation of the pair, in a session of its own, and a create of the same
// pair waits for that session to end.
type Hold struct {
	tb   testing.TB
	conn *pgx.Conn
	tx   pgx.Tx
}

// HoldPair starts holding the pair (tenant, inviter, invitee) in dsn's
// database, migrated already; the test's end releases it.
func HoldPair(tb testing.TB, dsn, tenant, inviter, invitee string) *Hold {
	tb.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		tb.Fatalf("pgtest: hold: %v", err)
	}
	h := &Hold{tb: tb, conn: conn}
	tb.Cleanup(func() { h.Release(); conn.Close(context.Background()) })
	if h.tx, err = conn.Begin(ctx); err != nil {
		tb.Fatalf("pgtest: hold: %v", err)
	}
	if _, err := h.tx.Exec(ctx, `INSERT INTO invitations (id, tenant, inviter, invitee, created, last_modified)
		VALUES ('pgtest-held', $1, $2, $3, 0, 0)`, tenant, inviter, invitee); err != nil {
		tb.Fatalf("pgtest: hold: %v", err)
	}
	return h
}

// WaitForAdvisoryLock waits, up to 10 s, until some transaction in the
// database holds an advisory lock: a create under an Idempotency-Key holds
// one on its key once it has begun.
func (h *Hold) WaitForAdvisoryLock() {
	h.tb.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		var locks int
		if err := h.tx.QueryRow(context.Background(), `
			SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&locks); err != nil {
			h.tb.Fatalf("pgtest: hold: %v", err)
		}
		if locks > 0 {
			return
		}
		if time.Now().After(deadline) {
			h.tb.Fatal("pgtest: no advisory lock was taken within 10 s")
		}
	}
}

// Release ends the hold: the creates held go on.
func (h *Hold) Release() {
	if h.tx == nil {
		return
	}
	if err := h.tx.Rollback(context.Background()); err != nil {
		h.tb.Errorf("pgtest: release: %v", err)
	}
	h.tx = nil
}
