package invitations

import (
	"context"
	"time"
)

// Idempotent operations (the IETF httpapi draft's Idempotency-Key). An
// operation that carries a key is carried out and its outcome recorded
// under the key in one transaction, so that neither ever exists without the
// other; a retry with the key gets the recorded outcome instead of doing it
// again. The outcome is the domain's (the invitation created, or the
// refusal met), never a response: the transport renders it, the first time
// and on every replay alike.

// IdempotencyTTL is how long a key's outcome is kept. A key older than this
// is unknown again.
const IdempotencyTTL = 24 * time.Hour

// The operations that take an Idempotency-Key, by the names their records
// carry (openapi.yaml's operationIds). A stored name never changes.
const (
	OpCreateInvitation = "createInvitation"
	OpCloseInvitations = "closeInvitations"
)

// IdempotencyKey is a key as one caller sent it: keys are the caller's own,
// so two callers can never see each other's outcomes.
type IdempotencyKey struct {
	Tenant  string
	Subject string // the caller: a user's person URN, or an application's id
	Key     string // the Idempotency-Key header, byte for byte
}

// IdempotentRequest is one request with an Idempotency-Key.
type IdempotentRequest struct {
	Key IdempotencyKey
	// Operation is what the request does: one of the Op names.
	Operation string
	// Fingerprint identifies the request (for HTTP: its method, path and
	// body): the key may be used again only for the same request.
	Fingerprint string
}

// Outcome is what an idempotent operation did, as recorded under its key:
// for OpCreateInvitation, the invitation it created or the conflict it met;
// for OpCloseInvitations, the result for each of its ids. Exactly one of
// its outcomes is set. A stored outcome is a snapshot: a replay gets it as
// it was, even once the invitations have changed or are gone.
type Outcome struct {
	// Invitation is the invitation created, as created; nil otherwise.
	Invitation *Invitation
	// Refusal is why the operation changed nothing, when that is its
	// outcome rather than a failure (a create's pair conflict); nil
	// otherwise.
	Refusal *Error
	// CloseResults are a close's results, one per id in the request's
	// order; nil otherwise. A replay's hold what the answer needs, ID,
	// Changed and Err (an *Error), not the invitations: their Invitation
	// is the zero value.
	CloseResults []CloseResult
	// Replayed reports that an earlier request with the key recorded this
	// outcome and nothing was done now. It is not stored.
	Replayed bool
}

// IdempotencyRecord is what an engine keeps under a key until it expires.
type IdempotencyRecord struct {
	Operation   string
	Fingerprint string
	Outcome     []byte // as Outcome.MarshalJSON writes it
}

// Replay is what req meets in rec, the live record of its key: the
// recorded outcome, replayed, or KeyReusedError if rec is another
// request's. The engines share it so that they decide alike.
func (req IdempotentRequest) Replay(rec IdempotencyRecord) (Outcome, error) {
	if rec.Operation != req.Operation || rec.Fingerprint != req.Fingerprint {
		return Outcome{}, KeyReusedError()
	}
	var out Outcome
	if err := out.UnmarshalJSON(rec.Outcome); err != nil {
		return Outcome{}, err
	}
	out.Replayed = true
	return out, nil
}

// IdempotencyStore carries out operations under an Idempotency-Key. Every
// engine implements it as part of Store; times come from the engine's clock.
type IdempotencyStore interface {
	// CreateInvitationIdempotent creates inv under req's key: in one
	// transaction it creates inv as CreateInvitation does and records the
	// outcome (the invitation as created, or, when the pair has an
	// invitation already, the conflict as Outcome.Refusal) under the key for
	// IdempotencyTTL. If the key has a live record instead, it creates
	// nothing and answers the recorded outcome (Replayed) for the same
	// request, or ErrKeyReused for another one. It answers ErrConflict
	// (KeyInProgressError) when it can tell, without waiting, that another
	// transaction is carrying out a request with the key right now (another
	// instance's, on an engine shared by several). An error means nothing
	// was created or recorded, so the key stays free for a retry: a request
	// that dies midway leaves nothing behind.
	CreateInvitationIdempotent(ctx context.Context, inv Invitation, req IdempotentRequest) (Outcome, error)

	// CloseInvitationsIdempotent carries out r under req's key: in one
	// transaction it closes as CloseInvitations does and records the
	// results (Outcome.CloseResults) under the key for IdempotencyTTL. If
	// the key has a live record instead, it changes nothing and answers
	// the recorded outcome (Replayed) for the same request, or
	// ErrKeyReused for another one (a create's included). ErrConflict
	// (KeyInProgressError) and errors mean what they mean for
	// CreateInvitationIdempotent: nothing was closed or recorded.
	CloseInvitationsIdempotent(ctx context.Context, r CloseRequest, req IdempotentRequest) (Outcome, error)
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

// ConflictError is the one answer for a pair that has an invitation already.
func ConflictError(inviter, invitee string) *Error {
	return &Error{Kind: ErrConflict, Message: "an invitation from " + inviter + " to " + invitee + " already exists"}
}
