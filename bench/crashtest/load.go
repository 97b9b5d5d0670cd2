package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/graph-linkedin/invitations/bench/daemon"
)

// loadStats is what one round's load did.
type loadStats struct {
	round          int
	invitationsURL string
	killedAfter    time.Duration
	killed         atomic.Bool // set just before the SIGKILL

	created, createsUnanswered atomic.Int64
	updated, updatesUnanswered atomic.Int64
	closed, closesUnanswered   atomic.Int64 // invitations, and requests

	problemsMu sync.Mutex
	problems   []string
}

func (ls *loadStats) problem(format string, args ...any) {
	ls.problemsMu.Lock()
	defer ls.problemsMu.Unlock()
	ls.problems = append(ls.problems, fmt.Sprintf(format, args...))
}

// load runs the clients against p and kills p (SIGKILL) at a random moment.
func (e *engine) load(ctx context.Context, round int, p *daemon.Process) *loadStats {
	ls := &loadStats{round: round, invitationsURL: "http://" + p.Addr + "/v1.0/linkedIn/invitations"}
	loadCtx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	var wg sync.WaitGroup
	for c := range e.cfg.clients {
		rng := rand.New(rand.NewPCG(e.rng.Uint64(), uint64(c)))
		wg.Go(func() { e.client(loadCtx, c, rng, ls) })
	}
	ls.killedAfter = e.cfg.killMin + time.Duration(e.rng.Int64N(int64(e.cfg.killMax-e.cfg.killMin)+1))
	select {
	case <-time.After(ls.killedAfter):
	case <-ctx.Done():
	case <-p.Exited():
		ls.problem("the server exited by itself during the load")
	}
	ls.killed.Store(true)
	p.Kill()
	stopLoad() // no answer can come any more
	wg.Wait()
	return ls
}

// client creates invitations, and now and then updates one of its own, or
// closes (accepts or ignores) one to three of them at once, until a request
// gets no answer (the server is gone).
func (e *engine) client(ctx context.Context, c int, rng *rand.Rand, ls *loadStats) {
	for i := 0; ctx.Err() == nil; i++ {
		var err error
		ids, etags := e.ledger.pick(c, rng.Uint64(), 1+rng.IntN(3))
		switch n := rng.IntN(10); {
		case len(ids) > 0 && n < 2:
			err = e.update(ctx, c, ids[0], etags[0], fmt.Sprintf("r%dc%du%d", ls.round, c, i), ls)
		case len(ids) > 0 && n == 2:
			err = e.closeInvitations(ctx, ids, []string{"accept", "ignore"}[rng.IntN(2)], ls)
		default:
			err = e.create(ctx, c, fmt.Sprintf("urn:li:person:r%dc%dn%d", ls.round, c, i), rng, ls)
		}
		if err != nil {
			if !ls.killed.Load() {
				ls.problem("client %d: no answer before the kill: %v", c, err)
			}
			return
		}
	}
}

// create sends a create, half of them with an Idempotency-Key (as the Go
// client sends one with every create), to retry after the restart.
func (e *engine) create(ctx context.Context, c int, invitee string, rng *rand.Rand, ls *loadStats) error {
	body := newInvitation(rng, invitee)
	var key string
	var header []string
	if rng.IntN(2) == 0 {
		key = fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64())
		header = []string{"Idempotency-Key", key}
	}
	e.ledger.sending(c, invitee, key, body)
	res, err := e.do(ctx, http.MethodPost, ls.invitationsURL, e.tokens[c], body, "", header...)
	if err != nil {
		ls.createsUnanswered.Add(1)
		return err
	}
	if res.status != http.StatusCreated {
		e.ledger.answered(c, invitee, nil, "")
		ls.problem("create %s = %d; want 201\n%s", body, res.status, res.raw)
		return nil
	}
	if res.body["invitee"] != invitee || res.etag != `"1"` {
		ls.problem("create %s answered 201 with ETag %s and %s", body, res.etag, res.raw)
	}
	if err := e.ledger.answered(c, invitee, res.body, res.etag); err != nil {
		ls.problem("create %s: %v", body, err)
	}
	ls.created.Add(1)
	return nil
}

func (e *engine) update(ctx context.Context, c int, id, etag, trackingID string, ls *loadStats) error {
	e.ledger.updating(id, trackingID)
	res, err := e.do(ctx, http.MethodPatch, ls.invitationsURL+"/"+id, e.tokens[c], `{"trackingId": "`+trackingID+`"}`, etag)
	if err != nil {
		ls.updatesUnanswered.Add(1)
		return err
	}
	if res.status != http.StatusOK {
		e.ledger.updated(id, nil, "")
		ls.problem("update %s (If-Match %s) = %d; want 200\n%s", id, etag, res.status, res.raw)
		return nil
	}
	if res.body["trackingId"] != trackingID || res.etag != next(etag) {
		ls.problem("update %s answered 200 with ETag %s and %s", id, res.etag, res.raw)
	}
	e.ledger.updated(id, res.body, res.etag)
	ls.updated.Add(1)
	return nil
}

// closeInvitations closes ids, invitations of one client, by action, as the
// application that closes for invitees without a token of their own.
func (e *engine) closeInvitations(ctx context.Context, ids []string, action string, ls *loadStats) error {
	states := map[string]string{"accept": "accepted", "ignore": "ignored"}
	e.ledger.closing(ids, states[action])
	body, _ := json.Marshal(map[string]any{"action": action, "invitationIds": ids})
	res, err := e.do(ctx, http.MethodPost, ls.invitationsURL+"/inviteeClosingInvitation", e.closer, string(body), "")
	if err != nil {
		ls.closesUnanswered.Add(1)
		return err
	}
	ok := res.status == http.StatusOK
	if entries, _ := res.body["value"].([]any); ok && len(entries) == len(ids) {
		for i, v := range entries {
			entry, _ := v.(map[string]any)
			ok = ok && entry["invitationId"] == ids[i] && entry["status"] == "succeeded"
		}
	} else {
		ok = false
	}
	e.ledger.closed(ids, ok)
	if !ok {
		ls.problem("close %s = %d; want 200, every entry succeeded\n%s", body, res.status, res.raw)
		return nil
	}
	ls.closed.Add(int64(len(ids)))
	return nil
}

// words make message bodies, with text that must come back byte for byte.
var words = []string{"Ada", "let's", "connect", "zoë", "例え", "✓", `"quoted"`, `back\slash`, "tab\there", "line\nbreak", "🙂", "über"}

// newInvitation is a create's JSON body: a message (custom or a template)
// or none, a tracking id or none.
func newInvitation(rng *rand.Rand, invitee string) string {
	m := map[string]any{"invitee": invitee}
	switch rng.IntN(3) {
	case 0:
		var b strings.Builder
		for n := 1 + rng.IntN(20); n > 0; n-- {
			b.WriteString(words[rng.IntN(len(words))])
			b.WriteByte(' ')
		}
		m["message"] = map[string]any{"invitationMessage": map[string]any{"body": strings.TrimSpace(b.String())}}
	case 1:
		m["message"] = map[string]any{"invitationTemplateID": fmt.Sprintf("urn:li:invitationTemplate:%d", rng.IntN(1000))}
	}
	if rng.IntN(2) == 0 {
		m["trackingId"] = fmt.Sprintf("t-%x", rng.Uint64())
	}
	b, _ := json.Marshal(m)
	return string(b)
}
