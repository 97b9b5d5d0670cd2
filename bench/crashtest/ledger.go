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
	owned [][]string         // ids by client, for its updates
	// unanswered holds the invitees of creates sent without an answer:
	// each may be stored, or not.
	unanswered map[string]int // invitee -> client
	// keyed holds this round's creates sent with an Idempotency-Key, by
	// invitee, to retry after the restart.
	keyed map[string]*keyedCreate
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
}

func newLedger(clients int) *ledger {
	return &ledger{acked: map[string]*record{}, owned: make([][]string, clients), unanswered: map[string]int{},
		keyed: map[string]*keyedCreate{}}
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
	return nil
}

// pick returns one of client's invitations, to update, and its ETag.
func (l *ledger) pick(client int, n uint64) (id, etag string, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ids := l.owned[client]
	if len(ids) == 0 {
		return "", "", false
	}
	id = ids[n%uint64(len(ids))]
	return id, l.acked[id].etag, true
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
	}
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
// the record (an update in flight may have been stored). It returns what
// differs, or "".
func (r *record) check(body map[string]any, etag string) string {
	want := r.body
	switch {
	case etag == r.etag:
	case r.pending != nil && etag == next(r.etag):
		want = clone(r.body)
		want["trackingId"] = *r.pending
		if lastModified(body) < lastModified(r.body) {
			return fmt.Sprintf("lastModified went back: %v, was %v", body["lastModified"], r.body["lastModified"])
		}
		want["lastModified"] = body["lastModified"]
	default:
		also := ""
		if r.pending != nil {
			also = " or " + next(r.etag) + " (an update's answer never came)"
		}
		return fmt.Sprintf("ETag %s; want %s%s", etag, r.etag, also)
	}
	if d := diff(want, body); d != "" {
		return d
	}
	r.body, r.etag, r.pending = body, etag, nil
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
