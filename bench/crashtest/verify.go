package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/graph-linkedin/invitations/bench/daemon"
)

// verifyStats is what one verification found.
type verifyStats struct {
	checked       int    // acknowledged invitations read back
	adopted       int    // unanswered creates found stored
	pendingStored int    // unanswered updates found stored
	closesStored  int    // unanswered close requests found stored
	keyedRetried  int    // creates with an Idempotency-Key retried
	keyedReplayed int    // of them, answered with the first outcome
	store         string // what the store's own check said
	problems      []string
}

// verify checks the restarted server p against the ledger: it is ready;
// every acknowledged invitation reads back whole, with its ETag; the
// listing holds each once, and besides them only creates whose answers never
// came (which join the ledger); the store's own count agrees, and SQLite's
// integrity check passes. Then every create sent with an Idempotency-Key
// is retried with it (see retryKeyed).
func (e *engine) verify(ctx context.Context, p *daemon.Process) (vs verifyStats) {
	var ps problems
	defer func() { vs.problems = ps.list }()
	base := "http://" + p.Addr
	collection := base + "/v1.0/linkedIn/invitations"

	ready := false
	for deadline := time.Now().Add(10 * time.Second); !ready && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		res, err := e.do(ctx, http.MethodGet, base+"/readyz", "", "", "")
		ready = err == nil && res.status == http.StatusOK
	}
	if !ready {
		ps.add("/readyz does not answer 200 within 10 s of the restart")
		return vs
	}

	// Every acknowledged invitation, by id, as its owner.
	l := e.ledger
	pendingBefore := map[string]string{} // id -> its ETag before the update
	etags := map[string]string{}         // id -> its ETag before the check
	for id, r := range l.acked {
		if r.pending != nil {
			pendingBefore[id] = r.etag
		}
		etags[id] = r.etag
	}
	ids := make(chan string)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for id := range ids {
				r := l.acked[id]
				res, err := e.do(ctx, http.MethodGet, collection+"/"+id, e.tokens[r.owner], "", "")
				switch {
				case err != nil:
					ps.add("GET %s: %v", id, err)
				case res.status != http.StatusOK:
					ps.add("GET %s = %d; want 200: it was answered 201\n%s", id, res.status, res.raw)
				default:
					if d := r.check(res.body, res.etag); d != "" {
						ps.add("GET %s differs from what the server acknowledged: %s", id, d)
					}
				}
			}
		})
	}
	for id := range l.acked {
		ids <- id
	}
	close(ids)
	wg.Wait()
	vs.checked = len(l.acked)
	for id, etag := range pendingBefore {
		r := l.acked[id]
		if r.pending == nil && r.etag != etag {
			vs.pendingStored++
		}
		r.pending = nil // resolved either way: nothing writes it any more
	}
	stored, partial := l.resolveCloses(etags)
	vs.closesStored = stored
	for _, p := range partial {
		ps.add("%s", p)
	}

	// The whole listing, as an application reading the tenant.
	seen := map[string]bool{}
	adopted := map[string]string{} // invitee -> id, of unanswered creates found stored
	var count *float64
	for page := collection + "?$top=999&$count=true&$orderby=created"; page != ""; {
		res, err := e.do(ctx, http.MethodGet, page, e.reader, "", "")
		if err != nil || res.status != http.StatusOK {
			ps.add("list %s: %d %v\n%s", page, res.status, err, res.raw)
			return vs
		}
		if c, ok := res.body["@odata.count"].(float64); ok && count == nil {
			count = &c
		}
		items, _ := res.body["value"].([]any)
		for _, it := range items {
			inv, _ := it.(map[string]any)
			id, _ := inv["id"].(string)
			if seen[id] {
				ps.add("the listing holds %s twice", id)
			}
			seen[id] = true
			if r, ok := l.acked[id]; ok {
				if d := diff(r.body, inv); d != "" {
					ps.add("listed %s differs from what the server acknowledged: %s", id, d)
				}
				continue
			}
			invitee, _ := inv["invitee"].(string)
			client, ok := l.unanswered[invitee]
			if !ok {
				ps.add("listed %s (invitee %s): no client was answered 201 for it, nor is waiting for an answer", id, invitee)
				continue
			}
			// A create whose answer never came, stored: from now on it
			// must stay, as it reads now.
			got, err := e.do(ctx, http.MethodGet, collection+"/"+id, e.tokens[client], "", "")
			if err != nil || got.status != http.StatusOK {
				ps.add("GET %s, listed: %d %v", id, got.status, err)
				continue
			}
			if d := diff(inv, got.body); d != "" {
				ps.add("GET %s differs from its listing: %s", id, d)
			}
			delete(l.unanswered, invitee)
			adopted[invitee] = id
			l.acked[id] = &record{owner: client, body: got.body, etag: got.etag}
			l.owned[client] = append(l.owned[client], id)
			vs.adopted++
		}
		page, _ = res.body["@odata.nextLink"].(string)
	}
	for id := range l.acked {
		if !seen[id] {
			ps.add("%s, acknowledged, is not in the listing", id)
		}
	}
	if count == nil || int(*count) != len(seen) {
		ps.add("@odata.count = %v; the listing holds %d", count, len(seen))
	}
	// The creates still unanswered were not stored, and never will be.
	clear(l.unanswered)

	// The store's own view.
	var n int
	var err error
	if e.sqlitePath != "" {
		n, err = sqliteCheck(ctx, e.sqlitePath)
		vs.store = fmt.Sprintf("integrity_check ok, %d rows", n)
	} else {
		n, err = postgresCount(ctx, e.db)
		vs.store = fmt.Sprintf("%d rows", n)
	}
	switch {
	case err != nil:
		ps.add("the store's own check: %v", err)
		vs.store = "store check failed"
	case n != len(seen):
		ps.add("the store holds %d invitations; the listing %d", n, len(seen))
	}
	vs.keyedRetried, vs.keyedReplayed = e.retryKeyed(ctx, collection, adopted, &ps)
	return vs
}

// retryKeyed retries every create of the round sent with an
// Idempotency-Key, with its key and body, as a client whose answer was lost
// would, and returns how many it retried and how many were replayed. A
// create answered 201 is replayed: that answer again, even if the
// invitation was updated since. One whose answer never came is replayed if
// it stored its invitation (adopted, by invitee), and otherwise is carried
// out now: what a request cut short by the kill left behind is either its
// invitation with its key's record or nothing, and never a key it still
// holds (a 409 to retry later). The invitations made now join the ledger.
func (e *engine) retryKeyed(ctx context.Context, collection string, adopted map[string]string, ps *problems) (retried, replayed int) {
	l := e.ledger
	type made struct {
		client int
		res    response
	}
	var (
		mu  sync.Mutex
		now []made
	)
	todo := make(chan string)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for invitee := range todo {
				kc := l.keyed[invitee]
				res, err := e.do(ctx, http.MethodPost, collection, e.tokens[kc.client], kc.body, "", "Idempotency-Key", kc.key)
				storedID := adopted[invitee]
				switch {
				case err != nil:
					ps.add("the retry of a create with a key (%s): %v", kc.body, err)
				case res.status != http.StatusCreated:
					ps.add("the retry of a create with a key (%s) = %d; want 201\n%s", kc.body, res.status, res.raw)
				case kc.first != nil:
					if d := diff(kc.first, res.body); !res.replayed || res.etag != `"1"` || d != "" {
						ps.add("the retry of a create answered 201 = replayed %v, ETag %s, %s; want its first answer, replayed, ETag \"1\"",
							res.replayed, res.etag, d)
					}
				case storedID != "":
					if id, _ := res.body["id"].(string); !res.replayed || id != storedID {
						ps.add("the retry of an unanswered create whose invitation %s was stored = replayed %v, id %s; want that invitation, replayed",
							storedID, res.replayed, id)
					}
				case res.replayed:
					ps.add("the retry of an unanswered create that stored nothing was replayed (a key recorded without its invitation)\n%s", res.raw)
				default:
					mu.Lock()
					now = append(now, made{kc.client, res})
					mu.Unlock()
				}
				if err == nil && res.replayed {
					mu.Lock()
					replayed++
					mu.Unlock()
				}
			}
		})
	}
	for invitee := range l.keyed {
		todo <- invitee
	}
	close(todo)
	wg.Wait()
	for _, m := range now {
		invitee, _ := m.res.body["invitee"].(string)
		if err := l.answered(m.client, invitee, m.res.body, m.res.etag); err != nil {
			ps.add("the retry of an unanswered create: %v", err)
		}
	}
	retried = len(l.keyed)
	clear(l.keyed)
	return retried, replayed
}
