package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"strings"
	"time"

	"github.com/graph-linkedin/invitations"
)

// The SQL of requests under an Idempotency-Key (prepared with writeQueries).
// Records go to idempotency_records, in the order they are written, under
// the key's order and hash (see keyOrder and keyHash), unless another live
// key holds that place: then to idempotency_records_by_key, under the
// whole key (see migrations 00007 and 00008). A key is live in one of them
// at most.
const (
	// A taken pair is the create's outcome, not a failure: nothing to undo.
	insertInvitationOrNothing = `INSERT INTO invitations (` + columns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant, inviter, invitee) WHERE state = 'pending' DO NOTHING`
	// Records the outcome under the key's order and hash (?10, ?1) if no
	// live record has them and the key has no live record by key; a record
	// of the place that has expired, whatever its key, is replaced. ?9 is
	// now.
	recordOutcome = `INSERT INTO idempotency_records (key_order, key_hash, tenant, subject, idempotency_key, operation, fingerprint, outcome, expires)
		SELECT ?10, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8
		WHERE NOT EXISTS (SELECT 1 FROM idempotency_records_by_key
		    WHERE tenant = ?2 AND subject = ?3 AND idempotency_key = ?4 AND expires > ?9)
		ON CONFLICT (key_order, key_hash) DO UPDATE SET
		    tenant = excluded.tenant, subject = excluded.subject, idempotency_key = excluded.idempotency_key,
		    operation = excluded.operation, fingerprint = excluded.fingerprint,
		    outcome = excluded.outcome, expires = excluded.expires
		WHERE idempotency_records.expires <= ?9`
	// Records the outcome of a key whose hash another live key holds.
	recordOutcomeByKey = `INSERT INTO idempotency_records_by_key (tenant, subject, idempotency_key, operation, fingerprint, outcome, expires)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant, subject, idempotency_key) DO UPDATE SET
		    operation = excluded.operation, fingerprint = excluded.fingerprint,
		    outcome = excluded.outcome, expires = excluded.expires
		WHERE idempotency_records_by_key.expires <= ?`
	selectLiveRecordByHash = `SELECT tenant, subject, idempotency_key, operation, fingerprint, outcome FROM idempotency_records
		WHERE key_order = ? AND key_hash = ? AND expires > ?`
	selectLiveRecordByKey = `SELECT operation, fingerprint, outcome FROM idempotency_records_by_key
		WHERE tenant = ? AND subject = ? AND idempotency_key = ? AND expires > ?`
)

// keyOrder is where idempotency_records' index puts key, before its hash:
// for a UUIDv7 (RFC 9562) in lowercase, as the Go client sends, its first
// 60 bits but the version, that is the time it was made in milliseconds
// and 12 bits more, so that records of such keys enter the index at its
// end, one page for many, as they enter the table; 0 for any other key,
// whose records go where their hash puts them. Every key gets one order,
// stable across versions (records are kept under it; migration 00008's
// GLOB pattern matches the keys it orders).
func keyOrder(key string) int64 {
	if len(key) != 36 || key[14] != '7' || !strings.ContainsRune("89ab", rune(key[19])) {
		return 0
	}
	var order int64
	for i := range len(key) {
		c := key[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return 0
			}
			continue
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		default:
			return 0
		}
		if i < 18 && i != 14 {
			order = order<<4 | int64(c)
		}
	}
	return order
}

// keyHash is the hash idempotency_records keeps a key under: the first 8
// bytes of the SHA-256 of its tenant, subject and key, each preceded by
// its length, so that no two keys hash the same input. A caller cannot
// choose a key to collide with another's (that would take about 2^64
// tries); two keys that collide by chance are still told apart (each
// record holds its key, and the second key's is kept by key).
func keyHash(k invitations.IdempotencyKey) int64 {
	var buf [512]byte
	b := buf[:0]
	for _, f := range [...]string{k.Tenant, k.Subject, k.Key} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	sum := sha256.Sum256(b)
	return int64(binary.BigEndian.Uint64(sum[:8]))
}

// CreateInvitationIdempotent creates inv and records the outcome under
// req's key in one write (see invitations.IdempotencyStore). The writer
// runs one write at a time, so a request with the key either runs before
// this one (and this one finds its record) or after it: within the store,
// a key is never in progress. (The server tells a retry that arrives while
// the first request runs from a replay: only it knows that.)
//
// The first request with a key, by far the most common, costs two
// statements: the invitation, then the record. A retry finds the key
// recorded by that second statement, undoes the first and replays.
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
		rec, recorded, err := s.record(ctx, tx, req, stored, s.now())
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
		rec, found, err := s.liveRecord(ctx, tx, req.Key, s.keyHash(req.Key), now)
		if err != nil {
			return err
		}
		if found {
			result, err = req.Replay(rec)
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
		_, recorded, err := s.record(ctx, tx, req, stored, now)
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
// nothing, and returns that record and false.
//
// The first statement, the only one almost always, records the outcome
// under the key's hash. When it records nothing, either the key has a live
// record (by hash or by key), or another key's live record holds the
// hash: the key's outcome is then recorded by key.
func (s *Store) record(ctx context.Context, tx *sql.Tx, req invitations.IdempotentRequest, stored []byte, now time.Time) (invitations.IdempotencyRecord, bool, error) {
	st, err := s.txStmt(ctx, tx, recordOutcome)
	if err != nil {
		return invitations.IdempotencyRecord{}, false, err
	}
	k, h := req.Key, s.keyHash(req.Key)
	expires := now.Add(invitations.IdempotencyTTL).UnixMilli()
	n, err := execCount(ctx, st, h, k.Tenant, k.Subject, k.Key, req.Operation, req.Fingerprint, string(stored), expires, now.UnixMilli(),
		keyOrder(k.Key))
	if err != nil || n == 1 {
		return invitations.IdempotencyRecord{}, n == 1, err
	}
	rec, found, err := s.liveRecord(ctx, tx, k, h, now)
	if err != nil || found {
		return rec, false, err
	}
	// A collision: another key's live record holds the order and hash.
	if st, err = s.txStmt(ctx, tx, recordOutcomeByKey); err != nil {
		return invitations.IdempotencyRecord{}, false, err
	}
	n, err = execCount(ctx, st, k.Tenant, k.Subject, k.Key, req.Operation, req.Fingerprint, string(stored), expires, now.UnixMilli())
	if err == nil && n != 1 { // liveRecord found none, and the writer is this write
		err = errors.New("sqlite: an idempotency record appeared within a write")
	}
	return invitations.IdempotencyRecord{}, err == nil, err
}

// liveRecord reads key k's live record at now, in the writer's transaction:
// under its order and hash h if the record there is k's, else by key.
func (s *Store) liveRecord(ctx context.Context, tx *sql.Tx, k invitations.IdempotencyKey, h int64, now time.Time) (invitations.IdempotencyRecord, bool, error) {
	var (
		rec                        invitations.IdempotencyRecord
		tenant, subject, key, outc string
	)
	read, err := s.txStmt(ctx, tx, selectLiveRecordByHash)
	if err != nil {
		return rec, false, err
	}
	err = read.QueryRowContext(ctx, keyOrder(k.Key), h, now.UnixMilli()).Scan(&tenant, &subject, &key, &rec.Operation, &rec.Fingerprint, &outc)
	switch {
	case err == nil && tenant == k.Tenant && subject == k.Subject && key == k.Key:
		rec.Outcome = []byte(outc)
		return rec, true, nil
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return rec, false, err
	}
	if read, err = s.txStmt(ctx, tx, selectLiveRecordByKey); err != nil {
		return rec, false, err
	}
	err = read.QueryRowContext(ctx, k.Tenant, k.Subject, k.Key, now.UnixMilli()).Scan(&rec.Operation, &rec.Fingerprint, &outc)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return rec, false, nil
	case err != nil:
		return rec, false, err
	}
	rec.Outcome = []byte(outc)
	return rec, true, nil
}

// purgeBatch bounds the keys one purge transaction deletes, so that the
// writes waiting behind it wait little.
const purgeBatch = 500

// The purge's SQL. idempotency_records is in the order its records were
// written, so their expiry times rise with the rowid (but for a record
// that replaced an expired one): the purge deletes the expired among the
// oldest purgeBatch records, batch after batch, and stops at a batch with
// none expired, without an index on expires. The records by key, few,
// have one.
const (
	purgeRecords = `DELETE FROM idempotency_records WHERE id IN (
		    SELECT id FROM idempotency_records ORDER BY id LIMIT ?) AND expires <= ?`
	purgeRecordsByKey = `DELETE FROM idempotency_records_by_key WHERE rowid IN (
		    SELECT rowid FROM idempotency_records_by_key WHERE expires <= ? LIMIT ?)`
)

// PurgeExpiredKeys deletes the records of keys older than
// invitations.IdempotencyTTL, a batch per transaction, and returns how many
// it deleted. The store does it by itself every Options.PurgeEvery.
func (s *Store) PurgeExpiredKeys(ctx context.Context) (int, error) {
	total := 0
	for { // until a batch of the oldest has none expired
		n, err := s.purge(ctx, purgeRecords, func(now int64) []any { return []any{purgeBatch, now} })
		total += n
		if err != nil {
			return total, err
		}
		if n == 0 {
			break
		}
	}
	for { // until a batch is not full
		n, err := s.purge(ctx, purgeRecordsByKey, func(now int64) []any { return []any{now, purgeBatch} })
		total += n
		if err != nil || n < purgeBatch {
			return total, err
		}
	}
}

// purge runs one of the purge's deletes in a write of its own, with the
// arguments args makes of the store's time then, and returns how many
// records it deleted.
func (s *Store) purge(ctx context.Context, query string, args func(now int64) []any) (int, error) {
	var n int64
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, query, args(s.now().UnixMilli())...)
		if err != nil {
			return err
		}
		n, err = r.RowsAffected()
		return err
	})
	if err != nil {
		return int(n), s.translate(err)
	}
	return int(n), nil
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
