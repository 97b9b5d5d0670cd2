// Command baresqlite is issue 13's durable reference: a bare net/http handler
// over the real SQLite store, opened as invitationsd opens it (sqlite.Open:
// WAL, synchronous=FULL, group commit), that creates and gets invitations
// and does nothing else: no authentication, no validation, no log, no
// metrics. The harness holds invitationsd's durable create to at least 0.9
// times its throughput and at most 1.2 times its p99, and shows its get
// beside invitationsd's as the store's own share of a get.
//
// With no caller to take them from, every invitation is in one tenant and,
// unless the body names one, from one inviter.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/bench/reference"
	"github.com/graph-linkedin/invitations/sqlite"
)

// The tenant and default inviter of every invitation.
const (
	tenant  = "2f3a4b5c-6d7e-4f80-9a1b-2c3d4e5f6a7b"
	inviter = "urn:li:person:bench"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	db := flag.String("db", "", "the SQLite database file (required)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, *db); err != nil {
		fmt.Fprintln(os.Stderr, "baresqlite:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, addr, db string) error {
	if db == "" {
		return errors.New("-db is required")
	}
	// The options invitationsd gives sqlite.Open, less its metrics hooks.
	store, err := sqlite.Open(ctx, db, sqlite.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	return reference.Serve(ctx, addr, newHandler(store), os.Stdout)
}

// newHandler serves create and get over store.
func newHandler(store invitations.Store) http.Handler {
	h := &handler{store: store}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1.0/linkedIn/invitations", h.create)
	mux.HandleFunc("GET /v1.0/linkedIn/invitations/{id}", h.get)
	return mux
}

type handler struct{ store invitations.Store }

func (h *handler) create(w http.ResponseWriter, r *http.Request) {
	var in reference.Invitation
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, `{"error":{"code":"badRequest","message":"bad body"}}`, http.StatusBadRequest)
		return
	}
	inv := invitations.Invitation{Tenant: tenant, Inviter: in.Inviter, Invitee: in.Invitee, TrackingID: in.TrackingID}
	if inv.Inviter == "" {
		inv.Inviter = inviter
	}
	inv, err := h.store.CreateInvitation(r.Context(), inv)
	if err != nil {
		fail(w, err)
		return
	}
	w.Header().Set("Location", "/v1.0/linkedIn/invitations/"+inv.ID)
	respond(w, http.StatusCreated, inv)
}

func (h *handler) get(w http.ResponseWriter, r *http.Request) {
	inv, err := h.store.Invitation(r.Context(), tenant, r.PathValue("id"))
	if err != nil {
		fail(w, err)
		return
	}
	respond(w, http.StatusOK, inv)
}

func respond(w http.ResponseWriter, status int, inv invitations.Invitation) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(reference.Invitation{ODataType: reference.ODataType, ID: inv.ID,
		Created: inv.Created.UnixMilli(), LastModified: inv.LastModified.UnixMilli(),
		Inviter: inv.Inviter, Invitee: inv.Invitee, TrackingID: inv.TrackingID})
}

// fail answers a store's error: the harness's requests get none, so the
// status only has to tell a failure from a success.
func fail(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, invitations.ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, invitations.ErrConflict):
		status = http.StatusConflict
	}
	http.Error(w, `{"error":{"code":"failed","message":"the store failed"}}`, status)
}
