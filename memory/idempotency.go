package memory

import (
	"context"
	"slices"
	"time"

	"github.com/graph-linkedin/invitations"
)

// purgeEvery is how often (by the store's clock) a claim also sweeps out
// the expired keys: this store has no goroutine of its own to do it.
const purgeEvery = time.Minute

// ClaimIdempotencyKey claims c's key, or answers why not (see
// invitations.IdempotencyStore).
func (s *Store) ClaimIdempotencyKey(_ context.Context, c invitations.IdempotencyClaim, lease time.Duration) (*invitations.StoredResponse, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !now.Before(s.nextPurge) {
		s.purgeLocked(now)
		s.nextPurge = now.Add(purgeEvery)
	}
	take, stored, err := s.keys[c.Key].Meet(c, now)
	if err != nil {
		return nil, err
	}
	if !take {
		return cloneResponse(stored), nil
	}
	s.keys[c.Key] = &invitations.IdempotencyRecord{
		Fingerprint: c.Fingerprint,
		Token:       c.Token,
		LeaseUntil:  now.Add(lease),
		Expires:     now.Add(invitations.IdempotencyTTL),
	}
	return nil, nil
}

// CreateInvitationIdempotent creates inv and records its response under c's
// key, at once.
func (s *Store) CreateInvitationIdempotent(_ context.Context, inv invitations.Invitation, c invitations.IdempotencyClaim, respond invitations.Responder) (invitations.StoredResponse, error) {
	inv = s.newInvitation(inv)
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.keys[c.Key]
	if rec == nil || rec.Response != nil || rec.Token != c.Token {
		return invitations.StoredResponse{}, invitations.KeyLostError()
	}
	// The response first: if it cannot be rendered, nothing is created.
	_, taken := s.pairs[pair{inv.Tenant, inv.Inviter, inv.Invitee}]
	var (
		res invitations.StoredResponse
		err error
	)
	if taken {
		res, err = respond(invitations.Invitation{}, invitations.ConflictError(inv.Inviter, inv.Invitee))
	} else {
		res, err = respond(clone(inv), nil)
	}
	if err != nil {
		return invitations.StoredResponse{}, err
	}
	if !taken {
		s.pairs[pair{inv.Tenant, inv.Inviter, inv.Invitee}] = inv.ID
		s.byID[inv.ID] = inv
	}
	res = *cloneResponse(&res)
	*rec = invitations.IdempotencyRecord{Fingerprint: rec.Fingerprint, Expires: s.now().Add(invitations.IdempotencyTTL), Response: &res}
	return *cloneResponse(&res), nil
}

// ReleaseIdempotencyKey forgets c's key if c still holds it.
func (s *Store) ReleaseIdempotencyKey(_ context.Context, c invitations.IdempotencyClaim) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rec := s.keys[c.Key]; rec != nil && rec.Response == nil && rec.Token == c.Token {
		delete(s.keys, c.Key)
	}
	return nil
}

// PurgeExpiredKeys deletes the keys older than invitations.IdempotencyTTL
// and returns how many it deleted. Claims call it now and then.
func (s *Store) PurgeExpiredKeys(context.Context) (int, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.purgeLocked(now), nil
}

func (s *Store) purgeLocked(now time.Time) int {
	n := 0
	for k, rec := range s.keys {
		if !now.Before(rec.Expires) {
			delete(s.keys, k)
			n++
		}
	}
	return n
}

// cloneResponse copies r so that callers never share its body with the store.
func cloneResponse(r *invitations.StoredResponse) *invitations.StoredResponse {
	if r == nil {
		return nil
	}
	c := *r
	c.Body = slices.Clone(r.Body)
	return &c
}
