package main

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// ledger is what the service has promised: every invitation it answered 201
// for, as last acknowledged, and the writes whose answers never came.
type ledger struct {
	mu    sync.Mutex
	acked map[string]*record // by id
	owned [][]string         // ids by client, for its updates and closes
	// unanswered holds the invitees of creates sent without an answer:
	// each may be stored, or not.
	unanswered map[string]int // invitee -> client
	// unansweredCloses holds the ids of each close request sent without an
	// answer: one transaction, so all of them are stored closed, or none.
	unansweredCloses [][]string
	// keyed holds this round's creates sent with an Idempotency-Key, by
	// invitee, to retry after the restart.
	keyed map[string]*keyedCreate
	// promised is what the subscription is owed (see notify.go), by id.
	promised map[string]*promise
}

// keyedCreate is a create sent with an Idempotency-Key.
type keyedCreate struct {
	client    int
	key, body string
	first     map[string]any // its 201's body; nil while (or if never) answered
}

// record is one acknowledged invitation.
type record struct {
	owner int
	body  map[string]any // as the last acknowledged answer had it
	etag  string
	// pending is the trackingId of an update sent without an answer: the
	// invitation has it (with the next ETag), or is as acknowledged.
	pending *string
	// closing is the state a close sent without an answer would set: the
	// invitation has it (with the next ETag), or is as acknowledged.
	closing string
	// closed is the state an acknowledged close set, before the
	// invitation is read again: it must have it, with the next ETag.
	closed string
}

// open reports whether the invitation is pending, as far as its client
// knows: it may be updated and closed.
func (r *record) open() bool {
	return r.body["state"] == "pending" && r.closing == "" && r.closed == ""
}

func newLedger(clients int) *ledger {
	return &ledger{acked: map[string]*record{}, owned: make([][]string, clients), unanswered: map[string]int{},
		keyed: map[string]*keyedCreate{}, promised: map[string]*promise{}}
}

// sending notes a create about to be sent, with the Idempotency-Key key
// unless it is "".
func (l *ledger) sending(client int, invitee, key, body string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.unanswered[invitee] = client
	if key != "" {
		l.keyed[invitee] = &keyedCreate{client: client, key: key, body: body}
	}
}

// answered notes that a create was answered: with a 201 (body and ETag),
// or else with a refusal, when body is nil.
func (l *ledger) answered(client int, invitee string, body map[string]any, etag string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.unanswered, invitee)
	if body == nil {
		delete(l.keyed, invitee) // refused: nothing to retry
		return nil
	}
	if kc := l.keyed[invitee]; kc != nil {
		kc.first = clone(body)
	}
	id, _ := body["id"].(string)
	if id == "" {
		return fmt.Errorf("a 201 without an id: %v", body)
	}
	if _, dup := l.acked[id]; dup {
		return fmt.Errorf("a 201 for %s, an id answered before", id)
	}
	l.acked[id] = &record{owner: client, body: body, etag: etag}
	l.owned[client] = append(l.owned[client], id)
	l.promise(id).created = true
	return nil
}

// promise is what the subscription is owed for id; l.mu is held.
func (l *ledger) promise(id string) *promise {
	p := l.promised[id]
	if p == nil {
		p = &promise{}
		l.promised[id] = p
	}
	return p
}

// promises is a copy of what the subscription is owed.
func (l *ledger) promises() map[string]*promise {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]*promise, len(l.promised))
	for id, p := range l.promised {
		c := *p
		out[id] = &c
	}
	return out
}

// pick returns up to k of client's pending invitations, to update or close,
// starting from the nth, and their ETags.
func (l *ledger) pick(client int, n uint64, k int) (ids, etags []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	owned := l.owned[client]
	for i := range owned {
		id := owned[(n+uint64(i))%uint64(len(owned))]
		if r := l.acked[id]; r.open() {
			ids, etags = append(ids, id), append(etags, r.etag)
			if len(ids) == k {
				break
			}
		}
	}
	return ids, etags
}

// closing notes a close of ids, into state, about to be sent.
func (l *ledger) closing(ids []string, state string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, id := range ids {
		l.acked[id].closing = state
	}
	l.unansweredCloses = append(l.unansweredCloses, ids)
}

// closed notes a close's answer: a 200 whose entries all succeeded when ok,
// or else a refusal.
func (l *ledger) closed(ids []string, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, id := range ids {
		r := l.acked[id]
		if ok {
			r.closed = r.closing
			l.promise(id).updates++
		}
		r.closing = ""
	}
	l.unansweredCloses = slices.DeleteFunc(l.unansweredCloses, func(g []string) bool { return slices.Equal(g, ids) })
}

// updating notes an update about to be sent.
func (l *ledger) updating(id, trackingID string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.acked[id].pending = &trackingID
}

// updated notes an update's 200, or a refusal when body is nil.
func (l *ledger) updated(id string, body map[string]any, etag string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.acked[id]
	r.pending = nil
	if body != nil {
		r.body, r.etag = body, etag
		l.promise(id).updates++
	}
}

// resolveCloses settles the closes whose answers never came, once every
// invitation has been read back (before holds their ETags from before).
// Each such request is one transaction: all its invitations are stored
// closed (their ETags moved), or none is. It returns how many requests were
// stored, and what was stored in part.
func (l *ledger) resolveCloses(before map[string]string) (stored int, partial []string) {
	for _, ids := range l.unansweredCloses {
		n := 0
		for _, id := range ids {
			if l.acked[id].etag != before[id] {
				n++
			}
			l.acked[id].closing = "" // resolved either way: nothing writes it any more
		}
		switch n {
		case len(ids):
			stored++
		case 0:
		default:
			partial = append(partial, fmt.Sprintf("a close of %v, unanswered, is stored for %d of them: one request must be all or nothing", ids, n))
		}
	}
	l.unansweredCloses = nil
	return stored, partial
}

// next is the ETag after etag: the version one write later.
func next(etag string) string {
	v, err := strconv.Atoi(strings.Trim(etag, `"`))
	if err != nil {
		return ""
	}
	return strconv.Quote(strconv.Itoa(v + 1))
}

// check compares what a GET found with the record, and on success makes it
// the record (an update or a close in flight may have been stored; an
// acknowledged close must be). It returns what differs, or "".
func (r *record) check(body map[string]any, etag string) string {
	want := r.body
	switch {
	case etag == r.etag && r.closed == "":
	case r.pending != nil && etag == next(r.etag):
		want = clone(r.body)
		want["trackingId"] = *r.pending
		if lastModified(body) < lastModified(r.body) {
			return fmt.Sprintf("lastModified went back: %v, was %v", body["lastModified"], r.body["lastModified"])
		}
		want["lastModified"] = body["lastModified"]
	case (r.closed != "" || r.closing != "") && etag == next(r.etag):
		want = clone(r.body)
		want["state"] = r.closed + r.closing // one of them is set
		if lastModified(body) <= lastModified(r.body) {
			return fmt.Sprintf("lastModified did not move on the close: %v, was %v", body["lastModified"], r.body["lastModified"])
		}
		want["lastModified"], want["closed"] = body["lastModified"], body["lastModified"]
	case r.closed != "":
		return fmt.Sprintf("ETag %s; want %s (an acknowledged close)", etag, next(r.etag))
	default:
		also := ""
		if r.pending != nil || r.closing != "" {
			also = " or " + next(r.etag) + " (a write's answer never came)"
		}
		return fmt.Sprintf("ETag %s; want %s%s", etag, r.etag, also)
	}
	if d := diff(want, body); d != "" {
		return d
	}
	r.body, r.etag, r.pending, r.closing, r.closed = body, etag, nil, "", ""
	return ""
}

func lastModified(body map[string]any) float64 {
	f, _ := body["lastModified"].(float64)
	return f
}

func clone(m map[string]any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// diff names the top-level properties in which got differs from want.
func diff(want, got map[string]any) string {
	keys := map[string]bool{}
	for k := range want {
		keys[k] = true
	}
	for k := range got {
		keys[k] = true
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		w, inWant := want[k]
		g, inGot := got[k]
		switch {
		case !inGot:
			out = append(out, fmt.Sprintf("%s missing (want %v)", k, w))
		case !inWant:
			out = append(out, fmt.Sprintf("%s = %v, unexpected", k, g))
		case !reflect.DeepEqual(w, g):
			out = append(out, fmt.Sprintf("%s = %v; want %v", k, g, w))
		}
	}
	return strings.Join(out, "; ")
}
