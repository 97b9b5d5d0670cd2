package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/graph-linkedin/invitations"
)

// The SQL of requests under an Idempotency-Key (prepared with writeQueries).
const (
	// A taken pair is the create's outcome, not a failure: nothing to undo.
	insertInvitationOrNothing = `INSERT INTO invitations (` + columns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant, inviter, invitee) WHERE state = 'pending' DO NOTHING`
	// Records the outcome under a key that has none, or whose record has
	// expired; a live record stays as it is (and no row changes).
	recordOutcome = `INSERT INTO idempotency_records (tenant, subject, idempotency_key, operation, fingerprint, outcome, expires)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant, subject, idempotency_key) DO UPDATE SET
		    operation = excluded.operation, fingerprint = excluded.fingerprint,
		    outcome = excluded.outcome, expires = excluded.expires
		WHERE idempotency_records.expires <= ?`
	selectRecord = `SELECT operation, fingerprint, outcome FROM idempotency_records
		WHERE tenant = ? AND subject = ? AND idempotency_key = ?`
	selectLiveRecord = selectRecord + ` AND expires > ?`
)

// CreateInvitationIdempotent creates inv and records the outcome under
// req's key in one write (see invitations.IdempotencyStore). The writer
// runs one write at a time, so a request with the key either runs before
// this one (and this one finds its record) or after it: within the store,
// a key is never in progress. (The server tells a retry that arrives while
// the first request runs from a replay: only it knows that.)
//
// The first request with a key, by far the most common, costs two
// statements: the invitation, then the record. A retry finds the record
// taken by that second statement, undoes the first and replays.
func (s *Store) CreateInvitationIdempotent(ctx context.Context, inv invitations.Invitation, req invitations.IdempotentRequest) (invitations.Outcome, error) {
	inv = inv.Stamp(s.now())
	// Encoded before the writer takes the write, to keep its turn short.
	created, err := invitations.Outcome{Invitation: &inv}.MarshalJSON()
	if err != nil {
		return invitations.Outcome{}, err
	}
	var result invitations.Outcome
	queued := 0
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		insert, err := s.txStmt(ctx, tx, insertInvitationOrNothing)
		if err != nil {
			return err
		}
		r, err := insert.ExecContext(ctx,
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
		inserted := n == 1
		out, stored := invitations.Outcome{Invitation: &inv}, created
		if !inserted {
			out = invitations.Outcome{Refusal: invitations.ConflictError(inv.Inviter, inv.Invitee)}
			if stored, err = out.MarshalJSON(); err != nil {
				return err
			}
		}
		recorded, err := s.record(ctx, tx, req, stored, s.now())
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
			del, err := s.txStmt(ctx, tx, deleteInvitation)
			if err != nil {
				return err
			}
			if _, err := del.ExecContext(ctx, inv.Tenant, inv.ID, 0, 0); err != nil {
				return err
			}
		}
		rec, err := s.readRecord(ctx, tx, req.Key)
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
// results under req's key in one write (see invitations.IdempotencyStore).
// As for a create, the one writer keeps a key from ever being in progress
// within the store. Unlike a create's, a close's first statement reads the
// key's record: closes cannot be undone as simply as an insert, and the
// read costs little beside up to a hundred invitations' reads and writes.
func (s *Store) CloseInvitationsIdempotent(ctx context.Context, r invitations.CloseRequest, req invitations.IdempotentRequest) (invitations.Outcome, error) {
	var (
		result invitations.Outcome
		queued int
	)
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		now := s.now()
		read, err := s.txStmt(ctx, tx, selectLiveRecord)
		if err != nil {
			return err
		}
		k := req.Key
		var (
			rec     invitations.IdempotencyRecord
			outcome string
		)
		err = read.QueryRowContext(ctx, k.Tenant, k.Subject, k.Key, now.UnixMilli()).Scan(&rec.Operation, &rec.Fingerprint, &outcome)
		switch {
		case err == nil:
			rec.Outcome = []byte(outcome)
			result, err = req.Replay(rec)
			return err
		case !errors.Is(err, sql.ErrNoRows):
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
		recorded, err := s.record(ctx, tx, req, stored, now)
		if err != nil {
			return err
		}
		if !recorded { // the read above found none live, and the writer is this write
			return errors.New("sqlite: an idempotency record appeared within a write")
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

// record records the outcome stored under req's key, in the writer's
// transaction at now, unless the key has a live record: then it changes
// nothing and reports false.
func (s *Store) record(ctx context.Context, tx *sql.Tx, req invitations.IdempotentRequest, stored []byte, now time.Time) (bool, error) {
	st, err := s.txStmt(ctx, tx, recordOutcome)
	if err != nil {
		return false, err
	}
	k := req.Key
	n, err := execCount(ctx, st, k.Tenant, k.Subject, k.Key, req.Operation, req.Fingerprint, string(stored),
		now.Add(invitations.IdempotencyTTL).UnixMilli(), now.UnixMilli())
	return n == 1, err
}

// readRecord reads key k's record, in the writer's transaction.
func (s *Store) readRecord(ctx context.Context, tx *sql.Tx, k invitations.IdempotencyKey) (invitations.IdempotencyRecord, error) {
	read, err := s.txStmt(ctx, tx, selectRecord)
	if err != nil {
		return invitations.IdempotencyRecord{}, err
	}
	var (
		rec     invitations.IdempotencyRecord
		outcome string
	)
	err = read.QueryRowContext(ctx, k.Tenant, k.Subject, k.Key).Scan(&rec.Operation, &rec.Fingerprint, &outcome)
	if errors.Is(err, sql.ErrNoRows) {
		// Only the writer deletes records, and it is running this write.
		return rec, errors.New("sqlite: an idempotency record vanished within a write")
	}
	rec.Outcome = []byte(outcome)
	return rec, err
}

// purgeBatch bounds the keys one purge transaction deletes, so that the
// writes waiting behind it wait little.
const purgeBatch = 500

// PurgeExpiredKeys deletes the records of keys older than
// invitations.IdempotencyTTL, a batch per transaction, and returns how many
// it deleted. The store does it by itself every Options.PurgeEvery.
func (s *Store) PurgeExpiredKeys(ctx context.Context) (int, error) {
	total := 0
	for {
		var n int64
		err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			r, err := tx.ExecContext(ctx, `
				DELETE FROM idempotency_records WHERE rowid IN (
				    SELECT rowid FROM idempotency_records WHERE expires <= ? LIMIT ?)`,
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
