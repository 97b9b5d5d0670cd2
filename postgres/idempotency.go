package postgres

import (
	"context"
	"encoding/binary"
	"errors"
	"hash/fnv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/graph-linkedin/invitations"
)

// CreateInvitationIdempotent creates inv and records the outcome under
// req's key in one transaction (see invitations.IdempotencyStore).
//
// Any number of instances share the records, so a request with the key may
// be running elsewhere right now, uncommitted. The transaction first takes
// a transaction-scoped advisory lock on the key, without waiting: if
// another transaction holds it, the key is in progress (ErrConflict, at
// once). That beats letting the key's row lock tell (a lock_timeout on the
// record's insert): the row lock is taken only when the record is written,
// at the end; a timeout must be tuned, makes the retry wait for it, and
// aborts the transaction; the advisory lock asks once, never waits, and
// goes with the transaction, whether it commits, rolls back or its
// connection dies. Once the lock is held, every statement after it sees
// whatever an earlier holder committed (READ COMMITTED takes a snapshot per
// statement, and the lock is released only after the commit is visible).
//
// The first request with a key costs, after the lock, two statements: the
// invitation, then the record. A retry finds the record taken by that
// second statement, undoes the first and replays.
func (s *Store) CreateInvitationIdempotent(ctx context.Context, inv invitations.Invitation, req invitations.IdempotentRequest) (invitations.Outcome, error) {
	inv = inv.Stamp(s.now())
	created, err := invitations.Outcome{Invitation: &inv}.MarshalJSON()
	if err != nil {
		return invitations.Outcome{}, err
	}
	k := req.Key
	var result invitations.Outcome
	queued := 0
	err = s.write(ctx, func(tx pgx.Tx) error {
		queued = 0
		if err := lockKey(ctx, tx, k); err != nil {
			return err
		}
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
		inserted := tag.RowsAffected() == 1
		out, stored := invitations.Outcome{Invitation: &inv}, created
		if !inserted {
			out = invitations.Outcome{Refusal: invitations.ConflictError(inv.Inviter, inv.Invitee)}
			if stored, err = out.MarshalJSON(); err != nil {
				return err
			}
		}
		// A live record stays as it is (no row changes, but it is locked).
		recorded, err := record(ctx, tx, req, stored, s.now())
		if err != nil {
			return err
		}
		if recorded {
			result = out
			if inserted {
				queued, err = s.queueChange(ctx, tx, invitations.ChangeCreated, inv, inv.Created)
			}
			return err
		}
		// The key has a live record: this request was carried out before.
		if inserted {
			if _, err := tx.Exec(ctx, `DELETE FROM invitations WHERE id = $1`, inv.ID); err != nil {
				return err
			}
		}
		var rec invitations.IdempotencyRecord
		err = tx.QueryRow(ctx, selectRecord, k.Tenant, k.Subject, k.Key).Scan(&rec.Operation, &rec.Fingerprint, &rec.Outcome)
		if errors.Is(err, pgx.ErrNoRows) {
			// The insert that met it locked it (as ON CONFLICT DO UPDATE
			// does, updating or not): no purge can have taken it.
			return errors.New("postgres: an idempotency record vanished while locked")
		}
		if err != nil {
			return err
		}
		result, err = req.Replay(rec)
		return err
	})
	if err != nil {
		return invitations.Outcome{}, s.translate(err)
	}
	s.queued(queued)
	return result, nil
}

// CloseInvitationsIdempotent closes r's invitations and records the
// results under req's key in one transaction (see
// invitations.IdempotencyStore). It takes the key's advisory lock as a
// create does (the same lock: a key is one key, whatever the operation),
// then reads the key's record: a live one is replayed and nothing is
// closed; otherwise it closes as CloseInvitations does and records the
// results. Closes cannot be undone as simply as a create's insert, so the
// record is read first rather than met on the way out; under the lock no
// other request with the key can record in between.
func (s *Store) CloseInvitationsIdempotent(ctx context.Context, r invitations.CloseRequest, req invitations.IdempotentRequest) (invitations.Outcome, error) {
	k := req.Key
	var (
		result invitations.Outcome
		queued int
	)
	err := s.write(ctx, func(tx pgx.Tx) error {
		// write runs this again after a serialization failure: start afresh.
		queued = 0
		if err := lockKey(ctx, tx, k); err != nil {
			return err
		}
		now := s.now()
		var rec invitations.IdempotencyRecord
		err := tx.QueryRow(ctx, selectRecord+` AND expires > $4`, k.Tenant, k.Subject, k.Key, now.UnixMilli()).
			Scan(&rec.Operation, &rec.Fingerprint, &rec.Outcome)
		switch {
		case err == nil:
			result, err = req.Replay(rec)
			return err
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		results, q, err := s.closeTx(ctx, tx, r, now)
		if err != nil {
			return err
		}
		queued = q
		out := invitations.Outcome{CloseResults: results}
		stored, err := out.MarshalJSON()
		if err != nil {
			return err
		}
		recorded, err := record(ctx, tx, req, stored, now)
		if err != nil {
			return err
		}
		if !recorded { // every request with the key takes its lock, held here
			return errors.New("postgres: an idempotency record appeared under its key's lock")
		}
		result = out
		return nil
	})
	if err != nil {
		return invitations.Outcome{}, s.translate(err)
	}
	s.queued(queued)
	return result, nil
}

// selectRecord reads a key's record.
const selectRecord = `SELECT operation, fingerprint, outcome FROM idempotency_records
	WHERE tenant = $1 AND subject = $2 AND idempotency_key = $3`

// lockKey takes key k's advisory lock for tx, without waiting: if another
// transaction holds it, the key is in progress (KeyInProgressError).
func lockKey(ctx context.Context, tx pgx.Tx, k invitations.IdempotencyKey) error {
	var free bool
	if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, keyLock(k)).Scan(&free); err != nil {
		return err
	}
	if !free {
		return invitations.KeyInProgressError()
	}
	return nil
}

// record records the outcome stored under req's key in tx at now, unless
// the key has a live record: then it changes nothing (but locks the row)
// and reports false. An expired record is this request's now.
func record(ctx context.Context, tx pgx.Tx, req invitations.IdempotentRequest, stored []byte, now time.Time) (bool, error) {
	k := req.Key
	tag, err := tx.Exec(ctx, `
		INSERT INTO idempotency_records (tenant, subject, idempotency_key, operation, fingerprint, outcome, expires)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (tenant, subject, idempotency_key) DO UPDATE SET
		    operation = excluded.operation, fingerprint = excluded.fingerprint,
		    outcome = excluded.outcome, expires = excluded.expires
		WHERE idempotency_records.expires <= $8`,
		k.Tenant, k.Subject, k.Key, req.Operation, req.Fingerprint, stored,
		now.Add(invitations.IdempotencyTTL).UnixMilli(), now.UnixMilli())
	return tag.RowsAffected() == 1, err
}

// keyLock is the advisory lock of key k: a 64-bit hash of it, in a
// namespace of its own. Two keys with one hash (odds of 2⁻⁶⁴ a pair) only
// make one of them wait for the other as if in progress.
func keyLock(k invitations.IdempotencyKey) int64 {
	h := fnv.New64a()
	var n [8]byte
	for _, part := range []string{"invitations idempotency key", k.Tenant, k.Subject, k.Key} {
		// Each part with its length, so that no two keys run together.
		binary.BigEndian.PutUint64(n[:], uint64(len(part)))
		h.Write(n[:])
		h.Write([]byte(part))
	}
	return int64(h.Sum64())
}

// purgeBatch bounds the keys one purge transaction deletes.
const purgeBatch = 500

// PurgeExpiredKeys deletes the records of keys older than
// invitations.IdempotencyTTL, a batch per transaction, and returns how many
// it deleted. Every instance does it by itself every Options.PurgeEvery;
// SKIP LOCKED keeps instances purging at once (and creates renewing an
// expired key) out of each other's way.
func (s *Store) PurgeExpiredKeys(ctx context.Context) (int, error) {
	total := 0
	for {
		var n int64
		err := s.write(ctx, func(tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, `
				DELETE FROM idempotency_records
				WHERE (tenant, subject, idempotency_key) IN (
				    SELECT tenant, subject, idempotency_key FROM idempotency_records
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
