package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/gen"
)

// createIdempotent is a create with an Idempotency-Key, whose request has
// been validated and authorized already (those refusals are not recorded):
// the first request with the key creates the invitation and records its
// response in the same transaction; a retry gets that response again; a
// retry while the first request runs is a 409 to retry later; another
// request with the key is a 422. The key is the caller's: its tenant and
// subject scope it.
func (h *handler) createIdempotent(ctx context.Context, key string, body *gen.InvitationV2Create, inv invitations.Invitation) (gen.CreateInvitationResponseObject, error) {
	if key == "" { // the validator refuses it first; never claim it
		return nil, invitations.Invalidf("Idempotency-Key", "the header is empty; send a key of 1 to 255 printable ASCII characters")
	}
	ri := info(ctx)
	fp, err := fingerprint(http.MethodPost, BasePath+"/linkedIn/invitations", body)
	if err != nil {
		return nil, err
	}
	claim := invitations.IdempotencyClaim{
		Key:         invitations.IdempotencyKey{Tenant: ri.caller.Tenant, Subject: ri.caller.Subject, Key: key},
		Fingerprint: fp,
		Token:       ri.id,
	}
	// The claim lasts as long as this request may work: past that, the
	// request has failed, and a retry may take the key over.
	stored, err := h.store.ClaimIdempotencyKey(ctx, claim, h.lease)
	switch {
	case errors.Is(err, invitations.ErrConflict):
		return nil, &retryLater{error: err, seconds: 1}
	case err != nil:
		return nil, err
	case stored != nil:
		return recorded{res: *stored, replayed: true}, nil
	}
	res, err := h.store.CreateInvitationIdempotent(ctx, inv, claim, h.responder(ri))
	if err != nil {
		// Nothing was created or recorded (a failure of the service, most
		// likely): free the key at once for a retry, rather than when the
		// lease ends.
		h.release(ctx, claim)
		return nil, err
	}
	return recorded{res: res}, nil
}

// release gives up a claim, even once the request's context has ended; if
// that fails too, the claim's lease still ends.
func (h *handler) release(ctx context.Context, c invitations.IdempotencyClaim) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	if err := h.store.ReleaseIdempotencyKey(ctx, c); err != nil {
		h.log.LogAttrs(ctx, slog.LevelWarn, "releasing an idempotency key",
			slog.String("request_id", c.Token), slog.String("error", err.Error()))
	}
}

// releaseTimeout bounds releasing a claim after its request failed.
const releaseTimeout = 2 * time.Second

// responder renders the responses a create under a key records, exactly as
// the caller will get them, now and on every replay.
func (h *handler) responder(ri *requestInfo) invitations.Responder {
	return func(created invitations.Invitation, err error) (invitations.StoredResponse, error) {
		if err != nil {
			p := classify(err)
			body, err := encode(errorBody(p, ri, h.now()))
			return invitations.StoredResponse{Status: p.status, Body: body}, err
		}
		body, err := encode(invitationToWire(created))
		return invitations.StoredResponse{
			Status:   http.StatusCreated,
			Location: location(created),
			ETag:     *etag(created),
			Body:     body,
		}, err
	}
}

// encode is v's JSON as the generated responses write it (with a newline).
func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	err := json.NewEncoder(&buf).Encode(v)
	return buf.Bytes(), err
}

// fingerprint identifies a request for its key: its method, its path and
// its body as validated and decoded, encoded again. Equal JSON bodies have
// equal fingerprints, however their properties are ordered and spaced.
func fingerprint(method, path string, body any) (string, error) {
	b, err := encode(body)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(append([]byte(method+" "+path+"\n"), b...))
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// recorded is a response recorded under an idempotency key: the first
// request's, or a replay of it. The request-id headers are this request's.
type recorded struct {
	res      invitations.StoredResponse
	replayed bool
}

func (r recorded) VisitCreateInvitationResponse(w http.ResponseWriter) error {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if r.res.Location != "" {
		h.Set("Location", r.res.Location)
	}
	if r.res.ETag != "" {
		h.Set("ETag", r.res.ETag)
	}
	if r.replayed {
		h.Set("Idempotency-Replayed", "true")
	}
	w.WriteHeader(r.res.Status)
	_, err := w.Write(r.res.Body)
	return err
}
