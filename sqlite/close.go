package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/graph-linkedin/invitations"
)

// The close's SQL. The row is read inside the writer's transaction: the one
// writer holds it still until the commit, so two requests closing one
// invitation see each other's result, never the same pending row.
const (
	selectToClose   = `SELECT ` + readColumns + ` FROM invitations WHERE tenant = ? AND id = ?`
	closeInvitation = `
		UPDATE invitations
		SET state = ?, closed = ?, last_modified = ?, version = ?
		WHERE tenant = ? AND id = ? AND version = ?`
)

// CloseInvitations carries out r as one write: every entry in one
// transaction of the group commit, answered once it is durable. An entry
// that fails writes nothing, so it needs no savepoint of its own.
func (s *Store) CloseInvitations(ctx context.Context, r invitations.CloseRequest) ([]invitations.CloseResult, error) {
	var (
		results []invitations.CloseResult
		queued  int
	)
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		results, queued, err = s.closeTx(ctx, tx, r, s.now())
		return err
	})
	if err != nil {
		return nil, s.translate(err)
	}
	s.queued(queued)
	return results, nil
}

// closeTx carries out r in the writer's transaction tx, closing at now, and
// queues the notifications of what it closed; it returns the results and
// how many notifications it queued.
func (s *Store) closeTx(ctx context.Context, tx *sql.Tx, r invitations.CloseRequest, now time.Time) ([]invitations.CloseResult, int, error) {
	sel, err := s.txStmt(ctx, tx, selectToClose)
	if err != nil {
		return nil, 0, err
	}
	update, err := s.txStmt(ctx, tx, closeInvitation)
	if err != nil {
		return nil, 0, err
	}
	queued := 0
	results := make([]invitations.CloseResult, len(r.IDs))
	for i, id := range r.IDs {
		res := invitations.CloseResult{ID: id}
		var found *invitations.Invitation
		inv, err := scan(sel.QueryRowContext(ctx, r.Caller.Tenant, id))
		switch {
		case err == nil:
			found = &inv
		case !errors.Is(err, sql.ErrNoRows):
			return nil, 0, err
		}
		var close bool
		if close, res.Err = r.Decide(id, found); close {
			closed := inv.CloseAs(r.Action.State(), now)
			n, err := execCount(ctx, update, string(closed.State), closed.Closed.UnixMilli(), closed.LastModified.UnixMilli(),
				closed.Version, closed.Tenant, id, inv.Version)
			if err != nil {
				return nil, 0, err
			}
			if n != 1 {
				return nil, 0, fmt.Errorf("sqlite: closing %s changed %d rows; want 1", id, n)
			}
			q, err := s.queueChange(ctx, tx, invitations.ChangeUpdated, closed, closed.LastModified)
			if err != nil {
				return nil, 0, err
			}
			queued += q
			inv, res.Changed = closed, true
		}
		if res.Err == nil {
			res.Invitation = inv
		}
		results[i] = res
	}
	return results, queued, nil
}

// execCount runs a prepared write and returns how many rows it changed.
func execCount(ctx context.Context, st *sql.Stmt, args ...any) (int64, error) {
	res, err := st.ExecContext(ctx, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
