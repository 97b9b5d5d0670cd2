package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/graph-linkedin/invitations"
)

// ClaimIdempotencyKey claims c's key, or answers why not (see
// invitations.IdempotencyStore). The writer runs one write at a time, so
// reading the key's record and claiming it cannot race another claim.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, c invitations.IdempotencyClaim, lease time.Duration) (*invitations.StoredResponse, error) {
	var stored *invitations.StoredResponse
	err := s.write(ctx, func(tx *sql.Tx) error {
		now := s.now()
		rec, err := readKey(ctx, tx, c.Key)
		if err != nil {
			return err
		}
		take, found, err := rec.Meet(c, now)
		if err != nil || !take {
			stored = found
			return err
		}
		_, err = tx.ExecContext(ctx, `
			INSERT INTO idempotency_keys (tenant, subject, idempotency_key, fingerprint, token, lease_until, expires)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (tenant, subject, idempotency_key) DO UPDATE SET
			    fingerprint = excluded.fingerprint, token = excluded.token,
			    lease_until = excluded.lease_until, expires = excluded.expires,
			    status = NULL, location = NULL, etag = NULL, body = NULL`,
			c.Key.Tenant, c.Key.Subject, c.Key.Key, c.Fingerprint, c.Token,
			now.Add(lease).UnixMilli(), now.Add(invitations.IdempotencyTTL).UnixMilli())
		return err
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
	err := s.write(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `
			INSERT INTO invitations (`+columns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (tenant, inviter, invitee) WHERE state = 'pending' DO NOTHING`,
			inv.ID, inv.Tenant, inv.Inviter, inv.Invitee,
			inv.Message != nil, templateID(inv.Message), body(inv.Message), nullable(inv.TrackingID),
			inv.Created.UnixMilli(), inv.LastModified.UnixMilli(), inv.Version)
		if err != nil {
			return err
		}
		n, err := r.RowsAffected()
		if err != nil {
			return err
		}
		if n == 1 {
			res, err = respond(inv, nil)
		} else {
			res, err = respond(invitations.Invitation{}, invitations.ConflictError(inv.Inviter, inv.Invitee))
		}
		if err != nil {
			return err
		}
		r, err = tx.ExecContext(ctx, `
			UPDATE idempotency_keys
			SET token = NULL, lease_until = NULL, expires = ?,
			    status = ?, location = ?, etag = ?, body = ?
			WHERE tenant = ? AND subject = ? AND idempotency_key = ? AND token = ? AND status IS NULL`,
			s.now().Add(invitations.IdempotencyTTL).UnixMilli(),
			res.Status, nullable(res.Location), nullable(res.ETag), nonNil(res.Body),
			c.Key.Tenant, c.Key.Subject, c.Key.Key, c.Token)
		if err != nil {
			return err
		}
		if n, err = r.RowsAffected(); err != nil {
			return err
		}
		if n != 1 {
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
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			DELETE FROM idempotency_keys
			WHERE tenant = ? AND subject = ? AND idempotency_key = ? AND token = ? AND status IS NULL`,
			c.Key.Tenant, c.Key.Subject, c.Key.Key, c.Token)
		return err
	})
	return s.translate(err)
}

// purgeBatch bounds the keys one purge transaction deletes, so that the
// writes waiting behind it wait little.
const purgeBatch = 500

// PurgeExpiredKeys deletes the keys older than invitations.IdempotencyTTL,
// a batch per transaction, and returns how many it deleted. The store does
// it by itself every Options.PurgeEvery.
func (s *Store) PurgeExpiredKeys(ctx context.Context) (int, error) {
	total := 0
	for {
		var n int64
		err := s.write(ctx, func(tx *sql.Tx) error {
			r, err := tx.ExecContext(ctx, `
				DELETE FROM idempotency_keys WHERE rowid IN (
				    SELECT rowid FROM idempotency_keys WHERE expires <= ? LIMIT ?)`,
				s.now().UnixMilli(), purgeBatch)
			if err != nil {
				return err
			}
			n, err = r.RowsAffected()
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
func (s *Store) purgeLoop(every time.Duration, report func(n int, err error)) {
	defer close(s.purgeDone)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stopped:
			return
		case <-t.C:
			n, err := s.PurgeExpiredKeys(context.Background())
			if s.closed.Load() {
				return // the error is the store closing under it
			}
			if report != nil && (n > 0 || err != nil) {
				report(n, err)
			}
		}
	}
}

// readKey reads the record of key k; nil if there is none.
func readKey(ctx context.Context, tx *sql.Tx, k invitations.IdempotencyKey) (*invitations.IdempotencyRecord, error) {
	var (
		rec                   invitations.IdempotencyRecord
		token, location, etag sql.NullString
		leaseUntil, status    sql.NullInt64
		expires               int64
		body                  []byte
	)
	err := tx.QueryRowContext(ctx, `
		SELECT fingerprint, token, lease_until, expires, status, location, etag, body
		FROM idempotency_keys WHERE tenant = ? AND subject = ? AND idempotency_key = ?`,
		k.Tenant, k.Subject, k.Key).Scan(&rec.Fingerprint, &token, &leaseUntil, &expires, &status, &location, &etag, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rec.Token, rec.LeaseUntil, rec.Expires = token.String, time.UnixMilli(leaseUntil.Int64), time.UnixMilli(expires)
	if status.Valid {
		rec.Response = &invitations.StoredResponse{Status: int(status.Int64), Location: location.String, ETag: etag.String, Body: body}
	}
	return &rec, nil
}

// nonNil stores an empty body as an empty BLOB, not NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
