package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/graph-linkedin/invitations"
)

// subscriptionColumns are a subscription's columns in the order
// scanSubscription reads them.
const subscriptionColumns = `id, tenant, creator, party, application_id, change_types, notification_url, lifecycle_url,
	client_state, expires, created`

// liveSubscription is the condition of a creator's live subscription:
// parameters $1 id, $2 tenant, $3 creator, $4 now.
const liveSubscription = `id = $1 AND tenant = $2 AND creator = $3 AND removed IS NULL AND expires > $4`

// CreateSubscription stores sub.
func (s *Store) CreateSubscription(ctx context.Context, sub invitations.Subscription) (invitations.Subscription, error) {
	err := s.write(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO subscriptions (`+subscriptionColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			sub.ID, sub.Tenant, sub.Creator, sub.Party, nullable(sub.ApplicationID), int16(sub.ChangeTypes), sub.NotificationURL,
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
	sub, err := scanSubscription(s.pool.QueryRow(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions WHERE `+liveSubscription,
		id, tenant, creator, s.now().UnixMilli()))
	if errors.Is(err, pgx.ErrNoRows) {
		return invitations.Subscription{}, invitations.SubscriptionNotFoundError(id)
	}
	if err != nil {
		return invitations.Subscription{}, s.translate(err)
	}
	return sub, nil
}

// ListSubscriptions returns the creator's live subscriptions, oldest first.
func (s *Store) ListSubscriptions(ctx context.Context, tenant, creator string) ([]invitations.Subscription, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions
		WHERE tenant = $1 AND creator = $2 AND removed IS NULL AND expires > $3 ORDER BY created, id`,
		tenant, creator, s.now().UnixMilli())
	if err != nil {
		return nil, s.translate(err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (invitations.Subscription, error) { return scanSubscription(row) })
	if err != nil {
		return nil, s.translate(err)
	}
	return out, nil
}

// RenewSubscription sets the subscription's expiration.
func (s *Store) RenewSubscription(ctx context.Context, tenant, creator, id string, expiration time.Time) (invitations.Subscription, error) {
	var sub invitations.Subscription
	err := s.write(ctx, func(tx pgx.Tx) error {
		var err error
		sub, err = scanSubscription(tx.QueryRow(ctx, `UPDATE subscriptions SET expires = $5 WHERE `+liveSubscription+
			` RETURNING `+subscriptionColumns, id, tenant, creator, s.now().UnixMilli(), expiration.UnixMilli()))
		if errors.Is(err, pgx.ErrNoRows) {
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
	err := s.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM subscriptions WHERE `+liveSubscription, id, tenant, creator, s.now().UnixMilli())
		if err != nil || tag.RowsAffected() == 1 {
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
	err := s.write(ctx, func(tx pgx.Tx) error {
		sub, err := scanSubscription(tx.QueryRow(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions WHERE `+liveSubscription+
			` FOR UPDATE`, id, tenant, creator, s.now().UnixMilli()))
		if errors.Is(err, pgx.ErrNoRows) {
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

// remove removes the live subscription sub, locked in tx: its queued
// change notifications are discarded, and its lifecycle notifications
// queued instead, or, without a lifecycle URL, it is deleted. It returns
// how many notifications it discarded and queued.
func (s *Store) remove(ctx context.Context, tx pgx.Tx, sub invitations.Subscription) (discarded, queued int, err error) {
	tag, err := tx.Exec(ctx, `DELETE FROM notifications WHERE subscription_id = $1`, sub.ID)
	if err != nil {
		return 0, 0, err
	}
	n := int(tag.RowsAffected())
	now := s.now()
	notices := invitations.RemovalNotices(sub, n, now)
	if len(notices) == 0 {
		_, err := tx.Exec(ctx, `DELETE FROM subscriptions WHERE id = $1`, sub.ID)
		return n, 0, err
	}
	if _, err := tx.Exec(ctx, `UPDATE subscriptions SET removed = $2, attempts = 0, due = 0, lease_owner = '', lease_until = 0
		WHERE id = $1`, sub.ID, now.UnixMilli()); err != nil {
		return 0, 0, err
	}
	for _, notice := range notices {
		if _, err := tx.Exec(ctx, `INSERT INTO notifications (id, subscription_id, lifecycle_event, queued) VALUES ($1, $2, $3, $4)`,
			notice.ID, sub.ID, string(notice.Lifecycle), notice.Queued.UnixMilli()); err != nil {
			return 0, 0, err
		}
	}
	return n, len(notices), nil
}

// scanSubscription reads one row of subscriptionColumns, and then into
// more, the columns that follow them.
func scanSubscription(row pgx.Row, more ...any) (invitations.Subscription, error) {
	var (
		sub                   invitations.Subscription
		app, lifecycle, state *string
		types                 int16
		expires, created      int64
	)
	dest := append([]any{&sub.ID, &sub.Tenant, &sub.Creator, &sub.Party, &app, &types, &sub.NotificationURL, &lifecycle, &state,
		&expires, &created}, more...)
	if err := row.Scan(dest...); err != nil {
		return invitations.Subscription{}, err
	}
	sub.ApplicationID, sub.LifecycleURL, sub.ClientState = deref(app), deref(lifecycle), deref(state)
	sub.ChangeTypes = invitations.ChangeType(types)
	sub.Expiration, sub.Created = time.UnixMilli(expires), time.UnixMilli(created)
	return sub, nil
}
