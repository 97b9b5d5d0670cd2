// Command baseline is the benchmarks' yardstick: the same create, get and
// list as invitationsd, done the plainest way Go allows (net/http,
// encoding/json, a map under a mutex), with no validation, no auth and no
// database. The harness reports invitationsd's throughput as a ratio to it.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/google/uuid"

	"github.com/graph-linkedin/invitations/bench/reference"
)

// invitation is what the map holds: the wire form, ready to encode.
type invitation = reference.Invitation

type store struct {
	mu    sync.RWMutex
	byID  map[string]invitation
	order []string
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := reference.Serve(ctx, *addr, newHandler(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "baseline:", err)
		os.Exit(1)
	}
}

// newHandler serves create, get and list over an empty map.
func newHandler() http.Handler {
	s := &store{byID: map[string]invitation{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1.0/linkedIn/invitations", s.create)
	mux.HandleFunc("GET /v1.0/linkedIn/invitations/{id}", s.get)
	mux.HandleFunc("GET /v1.0/linkedIn/invitations", s.list)
	return mux
}

func (s *store) create(w http.ResponseWriter, r *http.Request) {
	var inv invitation
	if err := json.NewDecoder(r.Body).Decode(&inv); err != nil || inv.Invitee == "" {
		http.Error(w, `{"error":{"code":"badRequest","message":"bad body"}}`, http.StatusBadRequest)
		return
	}
	now := time.Now().UnixMilli()
	inv.ID, inv.Created, inv.LastModified, inv.ODataType = uuid.NewString(), now, now, reference.ODataType
	s.mu.Lock()
	s.byID[inv.ID] = inv
	s.order = append(s.order, inv.ID)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Location", "/v1.0/linkedIn/invitations/"+inv.ID)
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(inv)
}

func (s *store) get(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	inv, ok := s.byID[r.PathValue("id")]
	s.mu.RUnlock()
	if !ok {
		http.Error(w, `{"error":{"code":"itemNotFound","message":"no such invitation"}}`, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(inv)
}

func (s *store) list(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	page := make([]invitation, 0, 50)
	for i := len(s.order) - 1; i >= 0 && len(page) < 50; i-- {
		page = append(page, s.byID[s.order[i]])
	}
	s.mu.RUnlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"value": page})
}
