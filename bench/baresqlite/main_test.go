package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/graph-linkedin/invitations/bench/reference"
	"github.com/graph-linkedin/invitations/sqlite"
)

// The bare handler answers the harness's create and get from the SQLite
// store, and what it created is in the database file.
func TestBareSQLite(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "bare.db")
	store, err := sqlite.Open(ctx, db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(newHandler(store))
	do := func(method, path, body string) (int, reference.Invitation) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var got reference.Invitation
		json.NewDecoder(res.Body).Decode(&got)
		return res.StatusCode, got
	}

	const invitee = "urn:li:person:r0b_1"
	status, created := do(http.MethodPost, "/v1.0/linkedIn/invitations", `{"invitee":"`+invitee+`"}`)
	if status != http.StatusCreated || created.ID == "" || created.Invitee != invitee || created.Inviter != inviter {
		t.Fatalf("create = %d %+v; want 201 with an id, invitee %s, inviter %s", status, created, invitee, inviter)
	}
	if status, got := do(http.MethodGet, "/v1.0/linkedIn/invitations/"+created.ID, ""); status != http.StatusOK || got != created {
		t.Errorf("get = %d %+v; want 200 %+v", status, got, created)
	}
	if status, _ := do(http.MethodPost, "/v1.0/linkedIn/invitations", `{"invitee":"`+invitee+`"}`); status != http.StatusConflict {
		t.Errorf("second create for the pair = %d; want 409", status)
	}
	if status, _ := do(http.MethodGet, "/v1.0/linkedIn/invitations/7e1c6a4b-0000-4000-8000-000000000000", ""); status != http.StatusNotFound {
		t.Errorf("get of an unknown id = %d; want 404", status)
	}
	srv.Close()
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}

	reopened, err := sqlite.Open(ctx, db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer reopened.Close()
	if inv, err := reopened.Invitation(ctx, tenant, created.ID); err != nil || inv.Invitee != invitee {
		t.Errorf("Invitation(%s) after reopening = %+v, %v; want invitee %s", created.ID, inv, err, invitee)
	}
}
