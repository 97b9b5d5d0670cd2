package server

import (
	"context"

	"github.com/graph-linkedin/invitations/gen"
)

var ok = gen.Health{Status: gen.Ok}

// GetHealth is the liveness probe: answering at all is the answer.
func (h *handler) GetHealth(context.Context, gen.GetHealthRequestObject) (gen.GetHealthResponseObject, error) {
	return gen.GetHealth200JSONResponse{HealthyJSONResponse: gen.HealthyJSONResponse{Body: ok}}, nil
}

// GetReadiness is the readiness probe: is the database reachable?
func (h *handler) GetReadiness(ctx context.Context, _ gen.GetReadinessRequestObject) (gen.GetReadinessResponseObject, error) {
	if err := h.store.Ping(ctx); err != nil {
		return nil, err
	}
	return gen.GetReadiness200JSONResponse{HealthyJSONResponse: gen.HealthyJSONResponse{Body: ok}}, nil
}
