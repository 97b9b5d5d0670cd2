package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/graph-linkedin/invitations"
)

// The outbox (see invitations.Outbox). Every write of an invitation queues
// its notifications with queueChange, in its own transaction.
//
// Order. seq comes from an identity (a sequence): assigned when a row is
// inserted, not when its transaction commits, so two transactions may
// commit in the other order than their seqs, and a dispatcher may deliver
// seq 6 before seq 5 becomes visible at all. What is guaranteed is commit
// order for the changes of one invitation, which is what a receiver can
// tell: every write takes the invitation's row lock (an UPDATE or DELETE
// of it, a close's SELECT ... FOR UPDATE; a create's row is seen by no one
// until it commits) before it queues, and holds it until it commits, so a
// later change of the same invitation draws its seq only after the earlier
// one has committed. A subscription's notifications are delivered in seq
// order among those committed, a batch after the one before it is
// acknowledged; so one invitation's changes arrive in the order they were
// made, and changes of different invitations in an order consistent with
// when they became visible.

// queueChangeSQL queues change type $1 to invitation $2 (of tenant $4, from
// $5 to $6), made at $3, for every live subscription that asked for the
// type and sees the invitation (invitations.Subscription.Notified).
const queueChangeSQL = `
	INSERT INTO notifications (id, subscription_id, change_type, invitation_id, queued)
	SELECT gen_random_uuid()::text, id, $1::smallint, $2, $3::bigint FROM subscriptions
	WHERE tenant = $4 AND removed IS NULL AND expires > $3::bigint AND (change_types & $1::smallint) <> 0
	    AND (party = '' OR party = $5 OR party = $6)`

// queueChange queues the notifications of a change of type t to inv, made
// at, in the write's transaction tx (after the statement that took the
// invitation's row lock), and returns how many it queued. Every write of an
// invitation calls it once per invitation it changed (a close queues
// queueChangeSQL with queueArgs in its batch instead).
func (s *Store) queueChange(ctx context.Context, tx pgx.Tx, t invitations.ChangeType, inv invitations.Invitation, at time.Time) (int, error) {
	tag, err := tx.Exec(ctx, queueChangeSQL, queueArgs(t, inv, at)...)
	return int(tag.RowsAffected()), err
}

// queueArgs are queueChangeSQL's arguments for a change of type t to inv,
// made at: queueChange's, and those of a write that queues several changes
// in one batch.
func queueArgs(t invitations.ChangeType, inv invitations.Invitation, at time.Time) []any {
	return []any{int16(t), inv.ID, at.UnixMilli(), inv.Tenant, inv.Inviter, inv.Invitee}
}

// queued tells Options.OnQueued of n notifications queued by a write that
// has committed.
func (s *Store) queued(n int) {
	if n > 0 && s.onQueued != nil {
		s.onQueued(n)
	}
}

// ClaimDeliveries leases the due subscriptions with queued notifications.
// FOR UPDATE SKIP LOCKED lets instances claim at once without waiting for
// each other: a subscription another one is claiming right now is skipped,
// and one it has claimed fails the lease condition when rechecked.
func (s *Store) ClaimDeliveries(ctx context.Context, owner string, until time.Time, limit, batch int) ([]invitations.Delivery, error) {
	var out []invitations.Delivery
	err := s.write(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			UPDATE subscriptions AS s SET lease_owner = $2, lease_until = $3
			FROM (SELECT id FROM subscriptions
			      WHERE due <= $1 AND lease_until <= $1 AND (removed IS NOT NULL OR expires > $1)
			          AND EXISTS (SELECT 1 FROM notifications n WHERE n.subscription_id = subscriptions.id)
			      ORDER BY due, id LIMIT $4
			      FOR UPDATE SKIP LOCKED) AS d
			WHERE s.id = d.id
			RETURNING s.id, s.tenant, s.creator, s.party, s.application_id, s.change_types, s.notification_url, s.lifecycle_url,
			    s.client_state, s.expires, s.created, s.removed IS NOT NULL, s.attempts`,
			s.now().UnixMilli(), owner, until.UnixMilli(), limit)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (invitations.Delivery, error) {
			var d invitations.Delivery
			var err error
			d.Subscription, err = scanSubscription(row, &d.Removed, &d.Attempts)
			return d, err
		})
		if err != nil {
			return err
		}
		for i := range out {
			if out[i].Notifications, err = readBatch(ctx, tx, out[i].Subscription.ID, batch); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, s.translate(err)
	}
	return out, nil
}

// readBatch reads the subscription's first batch queued notifications.
func readBatch(ctx context.Context, tx pgx.Tx, id string, batch int) ([]invitations.Notification, error) {
	rows, err := tx.Query(ctx, `SELECT seq, id, subscription_id, change_type, invitation_id, lifecycle_event, queued
		FROM notifications WHERE subscription_id = $1 ORDER BY seq LIMIT $2`, id, batch)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (invitations.Notification, error) {
		var (
			n                 invitations.Notification
			change            int16
			invitation, event *string
			queued            int64
		)
		err := row.Scan(&n.Seq, &n.ID, &n.SubscriptionID, &change, &invitation, &event, &queued)
		n.Change, n.InvitationID, n.Lifecycle = invitations.ChangeType(change), deref(invitation), invitations.LifecycleEvent(deref(event))
		n.Queued = time.UnixMilli(queued)
		return n, err
	})
}

// leased is the condition of a subscription $2 leased to $3 at $1 (now).
const leased = `id = $2 AND lease_owner = $3 AND lease_until > $1`

// Acknowledge deletes the delivered notifications and returns the next
// batch, or releases the lease.
func (s *Store) Acknowledge(ctx context.Context, owner, id string, seqs []int64, until time.Time, batch int) ([]invitations.Notification, error) {
	var next []invitations.Notification
	err := s.write(ctx, func(tx pgx.Tx) error {
		next = nil
		// Delivered is delivered, whoever holds the lease now.
		if _, err := tx.Exec(ctx, `DELETE FROM notifications WHERE subscription_id = $1 AND seq = ANY($2)`, id, seqs); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE subscriptions SET attempts = 0, due = 0, lease_until = $4
			WHERE `+leased+` AND (removed IS NOT NULL OR expires > $1)`, s.now().UnixMilli(), id, owner, until.UnixMilli())
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		if next, err = readBatch(ctx, tx, id, batch); err != nil || len(next) > 0 {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE subscriptions SET lease_owner = '', lease_until = 0 WHERE id = $1`, id)
		return err
	})
	if err != nil {
		return nil, s.translate(err)
	}
	return next, nil
}

// Retry releases the lease until due.
func (s *Store) Retry(ctx context.Context, owner, id string, attempts int, due time.Time) error {
	err := s.write(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE subscriptions SET attempts = $4, due = $5, lease_owner = '', lease_until = 0 WHERE `+leased,
			s.now().UnixMilli(), id, owner, attempts, due.UnixMilli())
		return err
	})
	return s.translate(err)
}

// Drop removes a live subscription, or deletes a removed one.
func (s *Store) Drop(ctx context.Context, owner, id string) (int, error) {
	discarded, queued := 0, 0
	err := s.write(ctx, func(tx pgx.Tx) error {
		discarded, queued = 0, 0
		var removed bool
		sub, err := scanSubscription(tx.QueryRow(ctx, `SELECT `+subscriptionColumns+`, removed IS NOT NULL FROM subscriptions
			WHERE `+leased+` FOR UPDATE`, s.now().UnixMilli(), id, owner), &removed)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if !removed {
			discarded, queued, err = s.remove(ctx, tx, sub)
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM notifications WHERE subscription_id = $1`, id)
		if err != nil {
			return err
		}
		discarded = int(tag.RowsAffected())
		_, err = tx.Exec(ctx, `DELETE FROM subscriptions WHERE id = $1`, id)
		return err
	})
	if err != nil {
		return 0, s.translate(err)
	}
	s.queued(queued)
	return discarded, nil
}

// PurgeSubscriptions deletes the expired subscriptions and the removed ones
// with nothing left to deliver. Every instance purges; SKIP LOCKED keeps
// them, and the dispatchers holding a subscription, out of each other's way.
func (s *Store) PurgeSubscriptions(ctx context.Context) (int, error) {
	discarded := 0
	err := s.write(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id FROM subscriptions
			WHERE removed IS NULL AND expires <= $1
			    OR removed IS NOT NULL AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.subscription_id = subscriptions.id)
			FOR UPDATE SKIP LOCKED`, s.now().UnixMilli())
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil || len(ids) == 0 {
			discarded = 0
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM notifications WHERE subscription_id = ANY($1)`, ids)
		if err != nil {
			return err
		}
		discarded = int(tag.RowsAffected())
		_, err = tx.Exec(ctx, `DELETE FROM subscriptions WHERE id = ANY($1)`, ids)
		return err
	})
	if err != nil {
		return 0, s.translate(err)
	}
	return discarded, nil
}
