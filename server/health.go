package server

import (
	"context"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/gen"
)

var ok = gen.Health{Status: gen.Ok}

// GetHealth is the liveness probe: answering at all is the answer.
func (h *handler) GetHealth(context.Context, gen.GetHealthRequestObject) (gen.GetHealthResponseObject, error) {
	return gen.GetHealth200JSONResponse{HealthyJSONResponse: gen.HealthyJSONResponse{Body: ok}}, nil
}

// GetReadiness is the readiness probe: is the database reachable, and is
// what Options.Ready checks (the token verifier's keys) in place?
func (h *handler) GetReadiness(ctx context.Context, _ gen.GetReadinessRequestObject) (gen.GetReadinessResponseObject, error) {
	// Either check may wait on the network (a database, a key set).
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	if err := h.store.Ping(ctx); err != nil {
		return nil, err
	}
	if h.ready != nil {
		if err := h.ready(ctx); err != nil {
			// A 503 whatever the error's kind; the log keeps its words.
			return nil, &invitations.Error{Kind: invitations.ErrUnavailable, Message: "not ready: " + err.Error()}
		}
	}
	return gen.GetReadiness200JSONResponse{HealthyJSONResponse: gen.HealthyJSONResponse{Body: ok}}, nil
}
