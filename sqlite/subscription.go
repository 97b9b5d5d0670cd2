package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/graph-linkedin/invitations"
)

// subscriptionColumns are a subscription's columns in the order
// scanSubscription reads them.
const subscriptionColumns = `id, tenant, creator, party, application_id, change_types, notification_url, lifecycle_url,
	client_state, expires, created`

// liveSubscription is the condition of a creator's live subscription:
// parameters id, tenant, creator, now.
const liveSubscription = `id = ? AND tenant = ? AND creator = ? AND removed IS NULL AND expires > ?`

// CreateSubscription stores sub.
func (s *Store) CreateSubscription(ctx context.Context, sub invitations.Subscription) (invitations.Subscription, error) {
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO subscriptions (`+subscriptionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			sub.ID, sub.Tenant, sub.Creator, sub.Party, nullable(sub.ApplicationID), int(sub.ChangeTypes), sub.NotificationURL,
			nullable(sub.LifecycleURL), nullable(sub.ClientState), sub.Expiration.UnixMilli(), sub.Created.UnixMilli())
		return err
	})
	if err != nil {
		return invitations.Subscription{}, s.translate(err)
	}
	return sub, nil
}

// Subscription returns the creator's live subscription with this id.
func (s *Store) Subscription(ctx context.Context, tenant, creator, id string) (invitations.Subscription, error) {
	row := s.queryRow(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions WHERE `+liveSubscription,
		id, tenant, creator, s.now().UnixMilli())
	sub, err := scanSubscription(row)
	if errors.Is(err, sql.ErrNoRows) {
		return invitations.Subscription{}, invitations.SubscriptionNotFoundError(id)
	}
	if err != nil {
		return invitations.Subscription{}, s.translate(err)
	}
	return sub, nil
}

// ListSubscriptions returns the creator's live subscriptions, oldest first.
func (s *Store) ListSubscriptions(ctx context.Context, tenant, creator string) ([]invitations.Subscription, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions
		WHERE tenant = ? AND creator = ? AND removed IS NULL AND expires > ? ORDER BY created, id`,
		tenant, creator, s.now().UnixMilli())
	if err != nil {
		return nil, s.translate(err)
	}
	defer rows.Close()
	var out []invitations.Subscription
	for rows.Next() {
		sub, err := scanSubscription(rows)
		if err != nil {
			return nil, s.translate(err)
		}
		out = append(out, sub)
	}
	return out, s.translate(rows.Err())
}

// RenewSubscription sets the subscription's expiration.
func (s *Store) RenewSubscription(ctx context.Context, tenant, creator, id string, expiration time.Time) (invitations.Subscription, error) {
	var sub invitations.Subscription
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		sub, err = scanSubscription(tx.QueryRowContext(ctx, `UPDATE subscriptions SET expires = ? WHERE `+liveSubscription+
			` RETURNING `+subscriptionColumns, expiration.UnixMilli(), id, tenant, creator, s.now().UnixMilli()))
		if errors.Is(err, sql.ErrNoRows) {
			return invitations.SubscriptionNotFoundError(id)
		}
		return err
	})
	if err != nil {
		return invitations.Subscription{}, s.translate(err)
	}
	return sub, nil
}

// DeleteSubscription deletes the subscription and, by the foreign key's
// cascade, its queued notifications.
func (s *Store) DeleteSubscription(ctx context.Context, tenant, creator, id string) error {
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM subscriptions WHERE `+liveSubscription, id, tenant, creator, s.now().UnixMilli())
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		return invitations.SubscriptionNotFoundError(id)
	})
	return s.translate(err)
}

// RemoveSubscription removes the subscription, queueing its lifecycle
// notifications.
func (s *Store) RemoveSubscription(ctx context.Context, tenant, creator, id string) error {
	queued := 0
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		sub, err := scanSubscription(tx.QueryRowContext(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions WHERE `+liveSubscription,
			id, tenant, creator, s.now().UnixMilli()))
		if errors.Is(err, sql.ErrNoRows) {
			return invitations.SubscriptionNotFoundError(id)
		}
		if err != nil {
			return err
		}
		_, queued, err = s.remove(ctx, tx, sub)
		return err
	})
	if err != nil {
		return s.translate(err)
	}
	s.queued(queued)
	return nil
}

// remove removes the live subscription sub in tx: its queued change
// notifications are discarded, and its lifecycle notifications queued
// instead, or, without a lifecycle URL, it is deleted. It returns how many
// notifications it discarded and queued.
func (s *Store) remove(ctx context.Context, tx *sql.Tx, sub invitations.Subscription) (discarded, queued int, err error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM notifications WHERE subscription_id = ?`, sub.ID)
	if err != nil {
		return 0, 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, 0, err
	}
	now := s.now()
	notices := invitations.RemovalNotices(sub, int(n), now)
	if len(notices) == 0 {
		_, err := tx.ExecContext(ctx, `DELETE FROM subscriptions WHERE id = ?`, sub.ID)
		return int(n), 0, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE subscriptions SET removed = ?, attempts = 0, due = 0, lease_owner = '', lease_until = 0
		WHERE id = ?`, now.UnixMilli(), sub.ID); err != nil {
		return 0, 0, err
	}
	for _, notice := range notices {
		if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (id, subscription_id, lifecycle_event, queued) VALUES (?, ?, ?, ?)`,
			notice.ID, sub.ID, string(notice.Lifecycle), notice.Queued.UnixMilli()); err != nil {
			return 0, 0, err
		}
	}
	return int(n), len(notices), nil
}

// scanSubscription reads one row of subscriptionColumns, and then into
// more, the columns that follow them.
func scanSubscription(row interface{ Scan(...any) error }, more ...any) (invitations.Subscription, error) {
	var (
		sub                   invitations.Subscription
		app, lifecycle, state sql.NullString
		types                 int
		expires, created      int64
	)
	dest := append([]any{&sub.ID, &sub.Tenant, &sub.Creator, &sub.Party, &app, &types, &sub.NotificationURL, &lifecycle, &state,
		&expires, &created}, more...)
	if err := row.Scan(dest...); err != nil {
		return invitations.Subscription{}, err
	}
	sub.ApplicationID, sub.LifecycleURL, sub.ClientState = app.String, lifecycle.String, state.String
	sub.ChangeTypes = invitations.ChangeType(types)
	sub.Expiration, sub.Created = time.UnixMilli(expires), time.UnixMilli(created)
	return sub, nil
}
