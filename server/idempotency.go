package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/gen"
)

// createIdempotent is a create with an Idempotency-Key, whose request has
// been validated and authorized already (those refusals are not recorded).
// The store creates the invitation and records the outcome under the key
// in one transaction, or finds the key's outcome recorded and replays it;
// either way the response is rendered here, from the outcome.
func (h *handler) createIdempotent(ctx context.Context, key string, body *gen.InvitationV2Create, inv invitations.Invitation) (gen.CreateInvitationResponseObject, error) {
	out, err := h.runKeyed(ctx, key, invitations.OpCreateInvitation, "/linkedIn/invitations", body,
		func(ctx context.Context, req invitations.IdempotentRequest) (invitations.Outcome, error) {
			return h.store.CreateInvitationIdempotent(ctx, inv, req)
		})
	switch {
	case err != nil:
		return nil, err
	case out.Refusal != nil && out.Replayed:
		return nil, &replayed{out.Refusal}
	case out.Refusal != nil:
		return nil, out.Refusal
	case out.Invitation == nil:
		return nil, errors.New("server: an idempotent create's outcome has neither an invitation nor a refusal")
	}
	res := h.respond.created(*out.Invitation)
	res.replayed = out.Replayed
	return res, nil
}

// closeIdempotent is a close with an Idempotency-Key, validated and
// authorized already: the store closes and records each invitation's
// result under the key in one transaction, or replays the results
// recorded; the 200 is rendered from them, the first time and on replay.
func (h *handler) closeIdempotent(ctx context.Context, key string, body *gen.InviteeClosingInvitation, r invitations.CloseRequest) (gen.CloseInvitationsResponseObject, error) {
	out, err := h.runKeyed(ctx, key, invitations.OpCloseInvitations, "/linkedIn/invitations/inviteeClosingInvitation", body,
		func(ctx context.Context, req invitations.IdempotentRequest) (invitations.Outcome, error) {
			return h.store.CloseInvitationsIdempotent(ctx, r, req)
		})
	switch {
	case err != nil:
		return nil, err
	case len(out.CloseResults) != len(r.IDs):
		return nil, fmt.Errorf("server: an idempotent close's outcome has %d results for %d ids", len(out.CloseResults), len(r.IDs))
	}
	res := gen.CloseInvitations200JSONResponse{Body: closeResultsToWire(out.CloseResults)}
	if out.Replayed {
		res.Headers.IdempotencyReplayed = ptr(true)
	}
	return res, nil
}

// runKeyed runs a request with an Idempotency-Key: the POST to path (under
// BasePath) with body, carrying out operation op by run. A retry while the
// first request runs is a 409 to retry later; another request with the key
// (another body, or another operation) is a 422. The key is the caller's:
// its tenant and subject scope it.
func (h *handler) runKeyed(ctx context.Context, key, op, path string, body any,
	run func(context.Context, invitations.IdempotentRequest) (invitations.Outcome, error)) (invitations.Outcome, error) {
	if key == "" { // the validator refuses it first
		return invitations.Outcome{}, invitations.Invalidf("Idempotency-Key", "the header is empty; send a key of 1 to 255 printable ASCII characters")
	}
	caller := info(ctx).caller
	fp, err := fingerprint(http.MethodPost, BasePath+path, body)
	if err != nil {
		return invitations.Outcome{}, err
	}
	req := invitations.IdempotentRequest{
		Key:         invitations.IdempotencyKey{Tenant: caller.Tenant, Subject: caller.Subject, Key: key},
		Operation:   op,
		Fingerprint: fp,
	}
	if err := h.inflight.enter(req); err != nil {
		return invitations.Outcome{}, err
	}
	defer h.inflight.leave(req.Key)
	out, err := run(ctx, req)
	if errors.Is(err, invitations.ErrConflict) { // another instance is carrying out the key's request
		return invitations.Outcome{}, &retryLater{error: err, seconds: 1}
	}
	return out, err
}

// inflightKeys are the keys whose requests this process is carrying out
// now, from when it took the request until it answers, with each request's
// fingerprint. Only the process knows this: a store whose writes are
// serialized (SQLite's one writer) runs a retry after the first request
// and replays it, but the first request may still be on its way there. A
// mutex and a map cost next to nothing beside the write; no database
// write is needed, and a process that dies takes its keys with it. (A
// store shared by several instances tells their requests apart itself.)
// The zero value is ready to use.
type inflightKeys struct {
	mu   sync.Mutex
	keys map[invitations.IdempotencyKey]string // fingerprint, by key
}

// enter takes req's key for this request, or answers why not: the key is
// in progress (a 409 with Retry-After), or, if the request in progress
// with it is another one, reused (a 422), as the store would answer once
// the first has answered.
func (f *inflightKeys) enter(req invitations.IdempotentRequest) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fp, ok := f.keys[req.Key]; ok {
		if fp != req.Fingerprint {
			return invitations.KeyReusedError()
		}
		return &retryLater{error: invitations.KeyInProgressError(), seconds: 1}
	}
	if f.keys == nil {
		f.keys = map[invitations.IdempotencyKey]string{}
	}
	f.keys[req.Key] = req.Fingerprint
	return nil
}

// leave gives up key, which enter took.
func (f *inflightKeys) leave(key invitations.IdempotencyKey) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.keys, key)
}

// replayed is a refusal recorded under an Idempotency-Key and replayed:
// the error handler renders it as any other, with Idempotency-Replayed.
type replayed struct{ error }

func (r *replayed) Unwrap() error { return r.error }

// fingerprint identifies a request for its key: its method, its path and
// its body as validated and decoded, encoded again. Equal JSON bodies have
// equal fingerprints, however their properties are ordered and spaced.
//
// The hashed bytes are what the previous versions hashed (the records
// hold fingerprints made so): the method, a space, the path, a newline,
// then the body as json.Encoder writes it, which is json.Marshal's bytes
// and a newline. They are gathered in a buffer on the stack, so that the
// fingerprint costs two allocations (the body's encoding, the result)
// where an encoder and a growing buffer cost six.
func fingerprint(method, path string, body any) (string, error) {
	encoded, err := json.Marshal(body)
	if err != nil {
		return "", err
	}
	var buf [512]byte
	b := append(buf[:0], method...)
	b = append(b, ' ')
	b = append(b, path...)
	b = append(b, '\n')
	b = append(b, encoded...)
	b = append(b, '\n')
	sum := sha256.Sum256(b)
	const prefix = "sha256:"
	var out [len(prefix) + 2*sha256.Size]byte
	copy(out[:], prefix)
	hex.Encode(out[len(prefix):], sum[:])
	return string(out[:]), nil
}
