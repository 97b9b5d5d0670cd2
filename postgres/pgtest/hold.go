package pgtest

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Hold keeps writes in flight inside their transactions, as a slow
// database would: a session of its own holds an uncommitted invitation of
// a pair, or a lock on an invitation's row, and a create of the same pair,
// or a close of that invitation, waits for that session to end.
type Hold struct {
	tb   testing.TB
	conn *pgx.Conn
	tx   pgx.Tx
}

// HoldPair starts holding the pair (tenant, inviter, invitee) in dsn's
// database, migrated already; the test's end releases it.
func HoldPair(tb testing.TB, dsn, tenant, inviter, invitee string) *Hold {
	tb.Helper()
	h := begin(tb, dsn)
	if _, err := h.tx.Exec(context.Background(), `INSERT INTO invitations (id, tenant, inviter, invitee, created, last_modified)
		VALUES ('pgtest-held', $1, $2, $3, 0, 0)`, tenant, inviter, invitee); err != nil {
		tb.Fatalf("pgtest: hold: %v", err)
	}
	return h
}

// HoldInvitation starts holding the row of the tenant's invitation id in
// dsn's database (it must exist); the test's end releases it.
func HoldInvitation(tb testing.TB, dsn, tenant, id string) *Hold {
	tb.Helper()
	h := begin(tb, dsn)
	var n int
	if err := h.tx.QueryRow(context.Background(), `SELECT count(*) FROM (
		SELECT 1 FROM invitations WHERE tenant = $1 AND id = $2 FOR UPDATE) AS held`, tenant, id).Scan(&n); err != nil || n != 1 {
		tb.Fatalf("pgtest: hold %s: %d rows, %v", id, n, err)
	}
	return h
}

// begin opens the hold's session and its transaction.
func begin(tb testing.TB, dsn string) *Hold {
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
	return h
}

// WaitForAdvisoryLock waits, up to 10 s, until some transaction in the
// database holds an advisory lock: a create or a close under an
// Idempotency-Key holds one on its key once it has begun.
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

// Release ends the hold: the writes held go on.
func (h *Hold) Release() {
	if h.tx == nil {
		return
	}
	if err := h.tx.Rollback(context.Background()); err != nil {
		h.tb.Errorf("pgtest: release: %v", err)
	}
	h.tx = nil
}
