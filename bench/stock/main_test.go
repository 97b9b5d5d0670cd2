package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The stock server answers the harness's create and get, and its validator
// is in the path: a body the spec refuses, or no bearer token, is refused.
func TestStock(t *testing.T) {
	h, err := newHandler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	do := func(method, path, auth, body string) (*http.Response, map[string]any) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var got map[string]any
		json.NewDecoder(res.Body).Decode(&got)
		return res, got
	}

	const invitee = "urn:li:person:r0s1_7"
	res, created := do(http.MethodPost, "/v1.0/linkedIn/invitations", "Bearer any", `{"invitee":"`+invitee+`"}`)
	if res.StatusCode != http.StatusCreated || created["invitee"] != invitee || created["id"] == nil {
		t.Fatalf("create = %d %v; want 201 with an id and invitee %s", res.StatusCode, created, invitee)
	}
	id := created["id"].(string)
	if got, want := res.Header.Get("Location"), "/v1.0/linkedIn/invitations/"+id; got != want {
		t.Errorf("create's Location = %q; want %q", got, want)
	}
	res, got := do(http.MethodGet, "/v1.0/linkedIn/invitations/"+id, "Bearer any", "")
	if res.StatusCode != http.StatusOK || got["id"] != id || got["invitee"] != invitee {
		t.Errorf("get = %d %v; want 200 with id %s, invitee %s", res.StatusCode, got, id, invitee)
	}
	res, _ = do(http.MethodGet, "/v1.0/linkedIn/invitations/7e1c6a4b-0000-4000-8000-000000000000", "Bearer any", "")
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("get of an unknown id = %d; want 404", res.StatusCode)
	}

	for _, tc := range []struct {
		name, auth, body string
		want             int
	}{
		{"no invitee", "Bearer any", `{"trackingId":"x"}`, http.StatusBadRequest},
		{"unknown property", "Bearer any", `{"invitee":"urn:li:person:a","colour":"red"}`, http.StatusBadRequest},
		{"invitee not a URN", "Bearer any", `{"invitee":"ada"}`, http.StatusBadRequest},
		{"no token", "", `{"invitee":"urn:li:person:a"}`, http.StatusForbidden},
		{"not bearer", "Basic YTpi", `{"invitee":"urn:li:person:a"}`, http.StatusForbidden},
	} {
		if res, _ := do(http.MethodPost, "/v1.0/linkedIn/invitations", tc.auth, tc.body); res.StatusCode != tc.want {
			t.Errorf("create, %s = %d; want %d", tc.name, res.StatusCode, tc.want)
		}
	}
}
