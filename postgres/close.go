package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/graph-linkedin/invitations"
)

// CloseInvitations carries out r in one transaction: it locks the
// request's invitations (SELECT ... FOR UPDATE, in id order, so that two
// requests naming the same invitations in other orders cannot deadlock),
// decides each on the row as committed, and closes those it decided to in
// one UPDATE. A concurrent close of the same invitation waits for the lock
// and then decides on this one's result: exactly one of them changes it.
func (s *Store) CloseInvitations(ctx context.Context, r invitations.CloseRequest) ([]invitations.CloseResult, error) {
	var (
		results []invitations.CloseResult
		queued  int
	)
	err := s.write(ctx, func(tx pgx.Tx) error {
		// write runs this again after a serialization failure: start afresh.
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

// closeTx carries out r in tx, closing at now, and queues the
// notifications of what it closed; it returns the results and how many
// notifications it queued.
func (s *Store) closeTx(ctx context.Context, tx pgx.Tx, r invitations.CloseRequest, now time.Time) ([]invitations.CloseResult, int, error) {
	results := make([]invitations.CloseResult, len(r.IDs))
	rows, err := tx.Query(ctx, `
		SELECT `+readColumns+` FROM invitations
		WHERE tenant = $1 AND id = ANY($2::text[])
		ORDER BY id
		FOR UPDATE`, r.Caller.Tenant, r.IDs)
	if err != nil {
		return nil, 0, err
	}
	locked, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (invitations.Invitation, error) { return scan(row) })
	if err != nil {
		return nil, 0, err
	}
	byID := make(map[string]invitations.Invitation, len(locked))
	for _, inv := range locked {
		byID[inv.ID] = inv
	}
	var ids []string
	var times []int64
	for i, id := range r.IDs {
		res := invitations.CloseResult{ID: id}
		var found *invitations.Invitation
		inv, ok := byID[id]
		if ok {
			found = &inv
		}
		var close bool
		if close, res.Err = r.Decide(id, found); close {
			inv, res.Changed = inv.CloseAs(r.Action.State(), now), true
			ids, times = append(ids, id), append(times, inv.Closed.UnixMilli())
		}
		if res.Err == nil {
			res.Invitation = inv
		}
		results[i] = res
	}
	if len(ids) == 0 {
		return results, 0, nil
	}
	// One round trip for the rest, however many it closes: the UPDATE, with
	// closed and lastModified as CloseAs computed them on the rows it
	// computed them from (locked since), then the notifications of each,
	// in the request's order.
	var b pgx.Batch
	b.Queue(`
		UPDATE invitations AS i
		SET state = $2, closed = c.at, last_modified = c.at, version = i.version + 1
		FROM unnest($3::text[], $4::bigint[]) AS c(id, at)
		WHERE i.tenant = $1 AND i.id = c.id`,
		r.Caller.Tenant, string(r.Action.State()), ids, times)
	for _, res := range results {
		if res.Changed {
			b.Queue(queueChangeSQL, queueArgs(invitations.ChangeUpdated, res.Invitation, res.Invitation.LastModified)...)
		}
	}
	br := tx.SendBatch(ctx, &b)
	defer br.Close()
	tag, err := br.Exec()
	if err != nil {
		return nil, 0, err
	}
	if n := tag.RowsAffected(); n != int64(len(ids)) {
		return nil, 0, fmt.Errorf("postgres: closing %d invitations changed %d rows", len(ids), n)
	}
	queued := 0
	for range ids {
		tag, err := br.Exec()
		if err != nil {
			return nil, 0, err
		}
		queued += int(tag.RowsAffected())
	}
	return results, queued, br.Close()
}
