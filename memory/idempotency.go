package memory

import (
	"context"
	"time"

	"github.com/graph-linkedin/invitations"
)

// purgeEvery is how often (by the store's clock) an idempotent request also
// sweeps out the expired keys: this store has no goroutine of its own to
// do it.
const purgeEvery = time.Minute

// record is a key's record, with when it expires. Its outcome is kept
// encoded, as the engines keep it: a replay is a copy, never shared.
type record struct {
	invitations.IdempotencyRecord
	expires time.Time
}

// CreateInvitationIdempotent creates inv and records the outcome under
// req's key, at once (see invitations.IdempotencyStore). Everything
// happens under the store's lock, so a key is never in progress here.
func (s *Store) CreateInvitationIdempotent(ctx context.Context, inv invitations.Invitation, req invitations.IdempotentRequest) (invitations.Outcome, error) {
	if err := ctx.Err(); err != nil { // as a database would: a request given up does nothing
		return invitations.Outcome{}, err
	}
	inv = s.newInvitation(inv)
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if rec, ok := s.liveRecordLocked(req.Key, now); ok {
		return req.Replay(rec)
	}
	// The outcome first: if it cannot be stored, nothing is created.
	_, taken := s.pairs[pairKey(inv.Tenant, inv.Inviter, inv.Invitee)]
	out := invitations.Outcome{Invitation: &inv}
	if taken {
		out = invitations.Outcome{Refusal: invitations.ConflictError(inv.Inviter, inv.Invitee)}
	}
	stored, err := out.MarshalJSON()
	if err != nil {
		return invitations.Outcome{}, err
	}
	if !taken {
		st := store(inv)
		s.pairs[st.pairKey()] = st.id()
		s.byID[st.id()] = st
		s.queued(s.queueLocked(invitations.ChangeCreated, inv, inv.Created))
		c := st.invitation() // the caller's copy
		out.Invitation = &c
	}
	s.recordLocked(req, stored, now)
	return out, nil
}

// CloseInvitationsIdempotent closes r's invitations and records the
// results under req's key, at once (see invitations.IdempotencyStore).
func (s *Store) CloseInvitationsIdempotent(ctx context.Context, r invitations.CloseRequest, req invitations.IdempotentRequest) (invitations.Outcome, error) {
	if err := ctx.Err(); err != nil {
		return invitations.Outcome{}, err
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if rec, ok := s.liveRecordLocked(req.Key, now); ok {
		return req.Replay(rec)
	}
	// Decided and recorded before anything is closed: if the outcome
	// cannot be stored, nothing changes.
	results, closed := s.decideCloseLocked(r, now)
	out := invitations.Outcome{CloseResults: results}
	stored, err := out.MarshalJSON()
	if err != nil {
		return invitations.Outcome{}, err
	}
	s.queued(s.applyCloseLocked(closed))
	s.recordLocked(req, stored, now)
	return out, nil
}

// liveRecordLocked is key's record, if it has one that has not expired at
// now. It also sweeps out the expired keys, now and then.
func (s *Store) liveRecordLocked(key invitations.IdempotencyKey, now time.Time) (invitations.IdempotencyRecord, bool) {
	if !now.Before(s.nextPurge) {
		s.purgeLocked(now)
		s.nextPurge = now.Add(purgeEvery)
	}
	rec, ok := s.keys[key]
	if !ok || !now.Before(rec.expires) {
		return invitations.IdempotencyRecord{}, false
	}
	return rec.IdempotencyRecord, true
}

// recordLocked records the outcome stored under req's key, from now.
func (s *Store) recordLocked(req invitations.IdempotentRequest, stored []byte, now time.Time) {
	s.keys[req.Key] = record{
		IdempotencyRecord: invitations.IdempotencyRecord{Operation: req.Operation, Fingerprint: req.Fingerprint, Outcome: stored},
		expires:           now.Add(invitations.IdempotencyTTL),
	}
}

// PurgeExpiredKeys deletes the records of keys older than
// invitations.IdempotencyTTL and returns how many it deleted. Idempotent
// requests call it now and then.
func (s *Store) PurgeExpiredKeys(context.Context) (int, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.purgeLocked(now), nil
}

func (s *Store) purgeLocked(now time.Time) int {
	n := 0
	for k, rec := range s.keys {
		if !now.Before(rec.expires) {
			delete(s.keys, k)
			n++
		}
	}
	return n
}
