package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/jwtauth"
	"github.com/graph-linkedin/invitations/memory"
	"github.com/graph-linkedin/invitations/server"
)

// corruptStore returns every invitation it reads with an invitee that
// breaks openapi.yaml's pattern, as a buggy engine might.
type corruptStore struct{ invitations.Store }

func (s corruptStore) Invitation(ctx context.Context, tenant, id string) (invitations.Invitation, error) {
	inv, err := s.Store.Invitation(ctx, tenant, id)
	inv.Invitee = "not a URN"
	return inv, err
}

// With ValidateResponses, a response that breaks the spec is still sent,
// and is logged with its request id and counted; without, it goes
// unnoticed.
func TestValidateResponses(t *testing.T) {
	for _, on := range []bool{true, false} {
		t.Run(map[bool]string{true: "on", false: "off"}[on], func(t *testing.T) {
			var logs bytes.Buffer
			reg := prometheus.NewRegistry()
			h, err := server.New(corruptStore{memory.New(time.Now)}, slog.New(slog.NewJSONHandler(&logs, nil)), server.Options{
				Verifier:          jwtauth.NewHS256(testKey, jwtauth.DevIssuer, jwtauth.DevAudience),
				ValidateResponses: on,
				Metrics:           reg,
			})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(h)
			defer srv.Close()
			token := delegated(t, tenantA, alice, invitations.PermReadWrite)
			send := func(method, path, body string) *http.Response {
				t.Helper()
				req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				res, err := srv.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				var v struct{ ID string }
				json.NewDecoder(res.Body).Decode(&v)
				res.Header.Set("X-Test-ID", v.ID)
				return res
			}

			// Conforming: a create, an unknown path's Graph 404, a probe.
			created := send(http.MethodPost, "/v1.0/linkedIn/invitations", `{"invitee": "urn:li:person:Qm9i"}`)
			if created.StatusCode != http.StatusCreated {
				t.Fatalf("create = %d; want 201", created.StatusCode)
			}
			send(http.MethodGet, "/v1.0/no/such/thing", "")
			send(http.MethodGet, "/healthz", "")
			// Not conforming: the invitee the store made up.
			got := send(http.MethodGet, "/v1.0/linkedIn/invitations/"+created.Header.Get("X-Test-ID"), "")
			if got.StatusCode != http.StatusOK {
				t.Fatalf("get = %d; want 200, sent as the handler wrote it", got.StatusCode)
			}
			srv.Close() // every request answered and checked

			want := 0.0
			if on {
				want = 1
			}
			if n := responseViolations(t, reg); n != want {
				t.Errorf("invitations_response_violations_total = %v; want %v", n, want)
			}
			var violations []map[string]any
			for line := range strings.Lines(logs.String()) {
				var rec map[string]any
				if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == "response violates openapi.yaml" {
					violations = append(violations, rec)
				}
			}
			if len(violations) != int(want) {
				t.Fatalf("%d violations logged; want %v; logs:\n%s", len(violations), want, logs.String())
			}
			if on {
				v := violations[0]
				if v["level"] != "ERROR" || v["request_id"] != got.Header.Get("request-id") ||
					v["operation"] != "getInvitation" || !strings.Contains(v["error"].(string), "invitee") {
					t.Errorf("violation logged as %v; want level ERROR, the request id %s, getInvitation, and the error naming invitee",
						v, got.Header.Get("request-id"))
				}
			}
		})
	}
}
