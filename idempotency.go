package invitations

import (
	"context"
	"time"
)

// Idempotent creates (the IETF httpapi draft's Idempotency-Key). A create
// that carries a key first claims it (ClaimIdempotencyKey); then it creates
// the invitation and records its response under the key in one transaction
// (CreateInvitationIdempotent), so that an invitation never exists without
// its recorded response, nor the other way round. A retry with the key gets
// the recorded response instead of a second invitation.

// IdempotencyTTL is how long a key's first response is kept. A key older
// than this is unknown again.
const IdempotencyTTL = 24 * time.Hour

// IdempotencyKey is a key as one caller sent it: keys are the caller's own,
// so two callers can never see each other's responses.
type IdempotencyKey struct {
	Tenant  string
	Subject string // the caller: a user's person URN, or an application's id
	Key     string // the Idempotency-Key header, byte for byte
}

// IdempotencyClaim is one request's hold on a key while it runs.
type IdempotencyClaim struct {
	Key IdempotencyKey
	// Fingerprint identifies the request (its method, path and body): the
	// key may be used again only for the same request.
	Fingerprint string
	// Token is the claiming request's own id. Only the claim with this token
	// can complete or release the key: a request that outlived its lease,
	// whose key a retry took over, cannot record a second response.
	Token string
}

// StoredResponse is the response recorded under a key, replayed to every
// retry with it.
type StoredResponse struct {
	Status   int
	Location string // "" when the response has none
	ETag     string // "" when the response has none
	Body     []byte
}

// Responder builds the response to record for a create under a key: for the
// invitation as stored when err is nil, or for the failure err (an
// ErrConflict: the pair has an invitation already) otherwise. It runs inside
// the store's transaction, perhaps more than once if the transaction is
// retried: it must be quick, and depend on nothing but its arguments. An
// error from it undoes the create.
type Responder func(created Invitation, err error) (StoredResponse, error)

// IdempotencyStore keeps idempotency keys and their responses. Every engine
// implements it as part of Store; times come from the engine's clock.
type IdempotencyStore interface {
	// ClaimIdempotencyKey claims c.Key for the request c describes, for
	// lease at most; an unknown key, one older than IdempotencyTTL, or one
	// whose holder's lease has lapsed (its request died) is claimed, and
	// the answer is nil, nil. Otherwise it answers:
	//   - ErrKeyReused if the key was claimed with another fingerprint;
	//   - the recorded response, if the key's request is complete;
	//   - ErrConflict if the key's request still holds its lease.
	ClaimIdempotencyKey(ctx context.Context, c IdempotencyClaim, lease time.Duration) (*StoredResponse, error)

	// CreateInvitationIdempotent creates inv as CreateInvitation does and,
	// in the same transaction, records respond's response under c's key,
	// which c must still hold. When the pair has an invitation already, it
	// records the conflict's response instead. It returns what it recorded;
	// an error means it recorded and created nothing (the claim still holds
	// the key: release it). It returns ErrConflict if c no longer holds the
	// key.
	CreateInvitationIdempotent(ctx context.Context, inv Invitation, c IdempotencyClaim, respond Responder) (StoredResponse, error)

	// ReleaseIdempotencyKey gives up c's claim without a response, so that a
	// retry runs anew. It does nothing if c does not hold the key.
	ReleaseIdempotencyKey(ctx context.Context, c IdempotencyClaim) error
}

// IdempotencyRecord is what an engine keeps for a key.
type IdempotencyRecord struct {
	Fingerprint string
	Token       string          // the holder's, while its request runs
	LeaseUntil  time.Time       // the holder's lease, while its request runs
	Expires     time.Time       // when the key is forgotten
	Response    *StoredResponse // nil while its request runs
}

// Meet decides what claim c meets at now in rec, the key's record (nil when
// there is none): take reports that c may take the key, because there is no
// record, or it has expired, or its request died (its lease lapsed) before
// it recorded a response. Otherwise Meet returns the recorded response for
// a replay, or the refusal: KeyReusedError for another request's key,
// KeyInProgressError while the first request runs. The engines share it so
// that they decide alike.
func (rec *IdempotencyRecord) Meet(c IdempotencyClaim, now time.Time) (take bool, stored *StoredResponse, err error) {
	switch {
	case rec == nil || !now.Before(rec.Expires):
		return true, nil, nil
	case rec.Fingerprint != c.Fingerprint:
		return false, nil, KeyReusedError()
	case rec.Response != nil:
		return false, rec.Response, nil
	case now.Before(rec.LeaseUntil):
		return false, nil, KeyInProgressError()
	}
	return true, nil, nil
}

// KeyInProgressError is the answer to a key whose first request still runs:
// an ErrConflict, to retry later.
func KeyInProgressError() error {
	return &Error{Kind: ErrConflict, Target: "Idempotency-Key",
		Message: "Idempotency-Key: the first request with this key is still in progress; retry later to get its response"}
}

// KeyReusedError is the answer to a key sent with another request.
func KeyReusedError() error {
	return &Error{Kind: ErrKeyReused, Target: "Idempotency-Key",
		Message: "Idempotency-Key: the key was used with a different request; use a new key for a new request"}
}

// KeyLostError is the answer to a request whose claim on its key lapsed and
// was taken over by a retry: it records nothing and creates nothing.
func KeyLostError() error {
	return &Error{Kind: ErrConflict, Target: "Idempotency-Key",
		Message: "Idempotency-Key: this request outlasted its hold on the key and a retry took the key over; the retry's response is the one kept"}
}

// ConflictError is the one answer for a pair that has an invitation already.
func ConflictError(inviter, invitee string) error {
	return Errorf(ErrConflict, "an invitation from %s to %s already exists", inviter, invitee)
}
