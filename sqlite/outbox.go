package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/graph-linkedin/invitations"
)

// The outbox (see invitations.Outbox). Every write of an invitation queues
// its notifications with queueChange, in its own transaction. Order: the
// one writer commits one transaction after the other, and seq (an
// AUTOINCREMENT key, never reused) is assigned within them, so seq order is
// commit order, for every change.

// newUUID is an SQL expression for a random (version 4) UUID, evaluated
// for each row. The variant's digit takes random()'s two low bits: abs()
// of the one random() it cannot negate would fail the write.
const newUUID = `lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' ||
	substr('89ab', 1 + (random() & 3), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))`

// queueChangeSQL queues change type ?1 to invitation ?2 (of tenant ?4,
// from ?5 to ?6), made at ?3, for every live subscription that asked for
// the type and sees the invitation (invitations.Subscription.Notified).
const queueChangeSQL = `
	INSERT INTO notifications (id, subscription_id, change_type, invitation_id, queued)
	SELECT ` + newUUID + `, id, ?1, ?2, ?3 FROM subscriptions
	WHERE tenant = ?4 AND removed IS NULL AND expires > ?3 AND (change_types & ?1) != 0
	    AND (party = '' OR party = ?5 OR party = ?6)`

// queueChange queues the notifications of a change of type t to inv, made
// at, in the write's transaction tx, and returns how many it queued. Every
// write of an invitation calls it once per invitation it changed.
func (s *Store) queueChange(ctx context.Context, tx *sql.Tx, t invitations.ChangeType, inv invitations.Invitation, at time.Time) (int, error) {
	st, err := s.txStmt(ctx, tx, queueChangeSQL)
	if err != nil {
		return 0, err
	}
	res, err := st.ExecContext(ctx, int(t), inv.ID, at.UnixMilli(), inv.Tenant, inv.Inviter, inv.Invitee)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// queued tells Options.OnQueued of n notifications queued by a write that
// has committed.
func (s *Store) queued(n int) {
	if n > 0 && s.onQueued != nil {
		s.onQueued(n)
	}
}

// dueSubscription is the condition of a subscription a dispatcher may
// claim at ?1 (now): not leased, not waiting out a retry, live or removed
// (with lifecycle notifications to deliver), with something queued.
const dueSubscription = `due <= ?1 AND lease_until <= ?1 AND (removed IS NOT NULL OR expires > ?1)
	AND EXISTS (SELECT 1 FROM notifications n WHERE n.subscription_id = subscriptions.id)`

// selectBatch reads a subscription's oldest queued notifications.
const selectBatch = `SELECT seq, id, subscription_id, change_type, invitation_id, lifecycle_event, queued
	FROM notifications WHERE subscription_id = ? ORDER BY seq LIMIT ?`

// ClaimDeliveries leases the due subscriptions with queued notifications.
// An idle poll costs a read, not a turn of the writer.
func (s *Store) ClaimDeliveries(ctx context.Context, owner string, until time.Time, limit, batch int) ([]invitations.Delivery, error) {
	now := s.now().UnixMilli()
	var one int
	err := s.queryRow(ctx, `SELECT 1 FROM subscriptions WHERE `+dueSubscription+` LIMIT 1`, now).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, s.translate(err)
	}
	var out []invitations.Delivery
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, `UPDATE subscriptions SET lease_owner = ?2, lease_until = ?3
			WHERE id IN (SELECT id FROM subscriptions WHERE `+dueSubscription+` ORDER BY due, id LIMIT ?4)
			RETURNING `+subscriptionColumns+`, removed IS NOT NULL, attempts`, now, owner, until.UnixMilli(), limit)
		if err != nil {
			return err
		}
		for rows.Next() {
			var d invitations.Delivery
			sub, err := scanSubscription(rows, &d.Removed, &d.Attempts)
			if err != nil {
				rows.Close()
				return err
			}
			d.Subscription = sub
			out = append(out, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
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
func readBatch(ctx context.Context, tx *sql.Tx, id string, batch int) ([]invitations.Notification, error) {
	rows, err := tx.QueryContext(ctx, selectBatch, id, batch)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []invitations.Notification
	for rows.Next() {
		var (
			n          invitations.Notification
			change     int
			invitation sql.NullString
			event      sql.NullString
			queued     int64
		)
		if err := rows.Scan(&n.Seq, &n.ID, &n.SubscriptionID, &change, &invitation, &event, &queued); err != nil {
			return nil, err
		}
		n.Change, n.InvitationID, n.Lifecycle = invitations.ChangeType(change), invitation.String, invitations.LifecycleEvent(event.String)
		n.Queued = time.UnixMilli(queued)
		out = append(out, n)
	}
	return out, rows.Err()
}

// leased is the condition of a subscription ?2 leased to ?3 at ?1 (now).
const leased = `id = ?2 AND lease_owner = ?3 AND lease_until > ?1`

// Acknowledge deletes the delivered notifications and returns the next
// batch, or releases the lease.
func (s *Store) Acknowledge(ctx context.Context, owner, id string, seqs []int64, until time.Time, batch int) ([]invitations.Notification, error) {
	delivered, err := json.Marshal(seqs)
	if err != nil {
		return nil, err
	}
	var next []invitations.Notification
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		next = nil
		// Delivered is delivered, whoever holds the lease now.
		if _, err := tx.ExecContext(ctx, `DELETE FROM notifications WHERE subscription_id = ? AND seq IN (SELECT value FROM json_each(?))`,
			id, string(delivered)); err != nil {
			return err
		}
		now := s.now().UnixMilli()
		res, err := tx.ExecContext(ctx, `UPDATE subscriptions SET attempts = 0, due = 0, lease_until = ?4
			WHERE `+leased+` AND (removed IS NOT NULL OR expires > ?1)`, now, id, owner, until.UnixMilli())
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		if next, err = readBatch(ctx, tx, id, batch); err != nil || len(next) > 0 {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE subscriptions SET lease_owner = '', lease_until = 0 WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return nil, s.translate(err)
	}
	return next, nil
}

// Retry releases the lease until due.
func (s *Store) Retry(ctx context.Context, owner, id string, attempts int, due time.Time) error {
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE subscriptions SET attempts = ?4, due = ?5, lease_owner = '', lease_until = 0 WHERE `+leased,
			s.now().UnixMilli(), id, owner, attempts, due.UnixMilli())
		return err
	})
	return s.translate(err)
}

// Drop removes a live subscription, or deletes a removed one.
func (s *Store) Drop(ctx context.Context, owner, id string) (int, error) {
	discarded, queued := 0, 0
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var removed bool
		row := tx.QueryRowContext(ctx, `SELECT `+subscriptionColumns+`, removed IS NOT NULL FROM subscriptions WHERE `+leased,
			s.now().UnixMilli(), id, owner)
		sub, err := scanSubscription(row, &removed)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if !removed {
			discarded, queued, err = s.remove(ctx, tx, sub)
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM notifications WHERE subscription_id = ?`, id).Scan(&discarded); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM subscriptions WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return 0, s.translate(err)
	}
	s.queued(queued)
	return discarded, nil
}

// PurgeSubscriptions deletes the expired subscriptions and the removed ones
// with nothing left to deliver.
func (s *Store) PurgeSubscriptions(ctx context.Context) (int, error) {
	discarded := 0
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		now := s.now().UnixMilli()
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM notifications WHERE subscription_id IN (
			SELECT id FROM subscriptions WHERE removed IS NULL AND expires <= ?)`, now).Scan(&discarded); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM subscriptions WHERE removed IS NULL AND expires <= ?1
			OR removed IS NOT NULL AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.subscription_id = subscriptions.id)`, now)
		return err
	})
	if err != nil {
		return 0, s.translate(err)
	}
	return discarded, nil
}
