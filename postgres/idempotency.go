package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/graph-linkedin/invitations"
)

// ClaimIdempotencyKey claims c's key, or answers why not (see
// invitations.IdempotencyStore). Claims of one key from any number of
// instances take turns: a first claim's insert makes the others wait for it
// to commit, and a key that exists is decided on under its row lock.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, c invitations.IdempotencyClaim, lease time.Duration) (*invitations.StoredResponse, error) {
	var stored *invitations.StoredResponse
	err := s.write(ctx, func(tx pgx.Tx) error {
		stored = nil
		// The record may vanish between the insert and the read (released,
		// or purged): then the insert is tried again.
		for range 3 {
			now := s.now()
			leaseUntil, expires := now.Add(lease).UnixMilli(), now.Add(invitations.IdempotencyTTL).UnixMilli()
			tag, err := tx.Exec(ctx, `
				INSERT INTO idempotency_keys (tenant, subject, idempotency_key, fingerprint, token, lease_until, expires)
				VALUES ($1, $2, $3, $4, $5, $6, $7)
				ON CONFLICT (tenant, subject, idempotency_key) DO NOTHING`,
				c.Key.Tenant, c.Key.Subject, c.Key.Key, c.Fingerprint, c.Token, leaseUntil, expires)
			if err != nil || tag.RowsAffected() == 1 {
				return err
			}
			rec, err := readKey(ctx, tx, c.Key)
			if err != nil {
				return err
			}
			if rec == nil {
				continue
			}
			take, found, err := rec.Meet(c, now)
			if err != nil || !take {
				stored = found
				return err
			}
			_, err = tx.Exec(ctx, `
				UPDATE idempotency_keys
				SET fingerprint = $4, token = $5, lease_until = $6, expires = $7,
				    status = NULL, location = NULL, etag = NULL, body = NULL
				WHERE tenant = $1 AND subject = $2 AND idempotency_key = $3`,
				c.Key.Tenant, c.Key.Subject, c.Key.Key, c.Fingerprint, c.Token, leaseUntil, expires)
			return err
		}
		return errors.New("postgres: an idempotency key keeps vanishing while claimed")
	})
	if err != nil {
		return nil, s.translate(err)
	}
	return stored, nil
}

// CreateInvitationIdempotent creates inv and records its response under c's
// key in one transaction: a pair taken already records the conflict's
// response instead, and a claim that no longer holds the key undoes it all.
func (s *Store) CreateInvitationIdempotent(ctx context.Context, inv invitations.Invitation, c invitations.IdempotencyClaim, respond invitations.Responder) (invitations.StoredResponse, error) {
	inv = inv.Stamp(s.now())
	var res invitations.StoredResponse
	err := s.write(ctx, func(tx pgx.Tx) error {
		// A concurrent create of the pair makes this wait for it, then do
		// nothing: no error aborts the transaction.
		tag, err := tx.Exec(ctx, `
			INSERT INTO invitations (`+columns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
			ON CONFLICT (tenant, inviter, invitee) WHERE state = 'pending' DO NOTHING`,
			inv.ID, inv.Tenant, inv.Inviter, inv.Invitee,
			inv.Message != nil, templateID(inv.Message), body(inv.Message), nullable(inv.TrackingID),
			inv.Created.UnixMilli(), inv.LastModified.UnixMilli(), inv.Version)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			res, err = respond(inv, nil)
		} else {
			res, err = respond(invitations.Invitation{}, invitations.ConflictError(inv.Inviter, inv.Invitee))
		}
		if err != nil {
			return err
		}
		tag, err = tx.Exec(ctx, `
			UPDATE idempotency_keys
			SET token = NULL, lease_until = NULL, expires = $1,
			    status = $2, location = $3, etag = $4, body = $5
			WHERE tenant = $6 AND subject = $7 AND idempotency_key = $8 AND token = $9 AND status IS NULL`,
			s.now().Add(invitations.IdempotencyTTL).UnixMilli(),
			res.Status, nullable(res.Location), nullable(res.ETag), nonNil(res.Body),
			c.Key.Tenant, c.Key.Subject, c.Key.Key, c.Token)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return invitations.KeyLostError() // undoes the insert
		}
		return nil
	})
	if err != nil {
		return invitations.StoredResponse{}, s.translate(err)
	}
	return res, nil
}

// ReleaseIdempotencyKey forgets c's key if c still holds it.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, c invitations.IdempotencyClaim) error {
	err := s.write(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			DELETE FROM idempotency_keys
			WHERE tenant = $1 AND subject = $2 AND idempotency_key = $3 AND token = $4 AND status IS NULL`,
			c.Key.Tenant, c.Key.Subject, c.Key.Key, c.Token)
		return err
	})
	return s.translate(err)
}

// purgeBatch bounds the keys one purge transaction deletes.
const purgeBatch = 500

// PurgeExpiredKeys deletes the keys older than invitations.IdempotencyTTL,
// a batch per transaction, and returns how many it deleted. Every instance
// does it by itself every Options.PurgeEvery; SKIP LOCKED keeps instances
// purging at once (and claims retaking an expired key) out of each other's
// way.
func (s *Store) PurgeExpiredKeys(ctx context.Context) (int, error) {
	total := 0
	for {
		var n int64
		err := s.write(ctx, func(tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, `
				DELETE FROM idempotency_keys
				WHERE (tenant, subject, idempotency_key) IN (
				    SELECT tenant, subject, idempotency_key FROM idempotency_keys
				    WHERE expires <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)
				AND expires <= $1`,
				s.now().UnixMilli(), purgeBatch)
			n = tag.RowsAffected()
			return err
		})
		if err != nil {
			return total, s.translate(err)
		}
		total += int(n)
		if n < purgeBatch {
			return total, nil
		}
	}
}

// purgeLoop purges expired keys every interval until the store closes.
func (s *Store) purgeLoop(ctx context.Context, every time.Duration, report func(n int, err error)) {
	defer close(s.purgeDone)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := s.PurgeExpiredKeys(ctx)
			if ctx.Err() != nil {
				return // the error is the store closing under it
			}
			if report != nil && (n > 0 || err != nil) {
				report(n, err)
			}
		}
	}
}

// readKey reads the record of key k, locking it; nil if there is none.
func readKey(ctx context.Context, tx pgx.Tx, k invitations.IdempotencyKey) (*invitations.IdempotencyRecord, error) {
	var (
		rec                   invitations.IdempotencyRecord
		token, location, etag *string
		leaseUntil            *int64
		status                *int32
		expires               int64
		body                  []byte
	)
	err := tx.QueryRow(ctx, `
		SELECT fingerprint, token, lease_until, expires, status, location, etag, body
		FROM idempotency_keys WHERE tenant = $1 AND subject = $2 AND idempotency_key = $3
		FOR UPDATE`,
		k.Tenant, k.Subject, k.Key).Scan(&rec.Fingerprint, &token, &leaseUntil, &expires, &status, &location, &etag, &body)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rec.Token, rec.Expires = deref(token), time.UnixMilli(expires)
	if leaseUntil != nil {
		rec.LeaseUntil = time.UnixMilli(*leaseUntil)
	}
	if status != nil {
		rec.Response = &invitations.StoredResponse{Status: int(*status), Location: deref(location), ETag: deref(etag), Body: body}
	}
	return &rec, nil
}

// nonNil stores an empty body as an empty bytea, not NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
