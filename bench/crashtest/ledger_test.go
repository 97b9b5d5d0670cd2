package main

import (
	"strings"
	"testing"
)

func TestRecordCheck(t *testing.T) {
	acked := map[string]any{"id": "a", "invitee": "urn:li:person:x", "trackingId": "t-1", "lastModified": 10.0, "state": "pending"}
	pending := "t-2"
	accepted := with(acked, "state", "accepted", "lastModified", 11.0, "closed", 11.0)
	for _, tt := range []struct {
		name    string
		pending *string
		closing string // a close unanswered
		closed  string // a close acknowledged
		body    map[string]any
		etag    string
		want    string // a part of the difference; "" for none
	}{
		{"a close unanswered, not stored", nil, "accepted", "", acked, `"2"`, ""},
		{"a close unanswered, stored", nil, "accepted", "", accepted, `"3"`, ""},
		{"a close acknowledged, stored", nil, "", "accepted", accepted, `"3"`, ""},
		{"a close acknowledged, lost", nil, "", "accepted", acked, `"2"`, `want "3" (an acknowledged close)`},
		{"a close stored with another state", nil, "", "accepted", with(accepted, "state", "ignored"), `"3"`, "state = ignored; want accepted"},
		{"a close stored without its time", nil, "", "accepted", with(accepted, "closed", nil), `"3"`, "closed missing"},
		{"a close stored, closed not lastModified", nil, "", "accepted", with(accepted, "closed", 12.0), `"3"`, "closed = 12; want 11"},
		{"a close stored, lastModified still", nil, "ignored", "", with(acked, "state", "ignored", "closed", 10.0), `"3"`, "lastModified did not move"},
		{"a close stored, other changes too", nil, "", "accepted", with(accepted, "trackingId", "x"), `"3"`, "trackingId = x"},
		{"as acknowledged", nil, "", "", acked, `"2"`, ""},
		{"as acknowledged, an update unanswered", &pending, "", "", acked, `"2"`, ""},
		{"the unanswered update stored", &pending, "", "", with(acked, "trackingId", "t-2", "lastModified", 11.0), `"3"`, ""},
		{"a property lost", nil, "", "", with(acked, "trackingId", nil), `"2"`, "trackingId missing"},
		{"a property changed", nil, "", "", with(acked, "invitee", "urn:li:person:y"), `"2"`, "invitee = urn:li:person:y"},
		{"a property added", nil, "", "", with(acked, "message", "m"), `"2"`, "message = m, unexpected"},
		{"another ETag", nil, "", "", acked, `"3"`, `ETag "3"; want "2"`},
		{"the update stored, other changes too", &pending, "", "", with(acked, "trackingId", "t-2", "invitee", "z"), `"3"`, "invitee = z"},
		{"the update stored, lastModified back", &pending, "", "", with(acked, "trackingId", "t-2", "lastModified", 9.0), `"3"`, "lastModified went back"},
		{"two writes later", &pending, "", "", acked, `"4"`, `or "3"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &record{body: acked, etag: `"2"`, pending: tt.pending, closing: tt.closing, closed: tt.closed}
			got := r.check(tt.body, tt.etag)
			if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
				t.Fatalf("check = %q; want %q", got, tt.want)
			}
			if got == "" && (r.etag != tt.etag || r.pending != nil || r.closing != "" || r.closed != "") {
				t.Errorf("after a match the record has ETag %s, pending %v, closing %q, closed %q; want %s, none", r.etag, r.pending, r.closing, r.closed, tt.etag)
			}
		})
	}
}

// with is m with the given properties set (a nil value deletes one).
func with(m map[string]any, kv ...any) map[string]any {
	c := clone(m)
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(c, kv[i].(string))
		} else {
			c[kv[i].(string)] = kv[i+1]
		}
	}
	return c
}

func TestNext(t *testing.T) {
	for in, want := range map[string]string{`"1"`: `"2"`, `"41"`: `"42"`, `W/"1"`: "", `""`: ""} {
		if got := next(in); got != want {
			t.Errorf("next(%s) = %q; want %q", in, got, want)
		}
	}
}

func TestResolveCloses(t *testing.T) {
	l := newLedger(1)
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		l.acked[id] = &record{body: map[string]any{"state": "pending"}, etag: `"1"`}
	}
	l.closing([]string{"a", "b"}, "accepted") // stored whole
	l.closing([]string{"c"}, "ignored")       // not stored
	l.closing([]string{"d", "e"}, "accepted") // stored in part
	before := map[string]string{"a": `"1"`, "b": `"1"`, "c": `"1"`, "d": `"1"`, "e": `"1"`}
	for _, id := range []string{"a", "b", "d"} {
		l.acked[id].etag = `"2"` // as the read-back found them
	}
	stored, partial := l.resolveCloses(before)
	if stored != 1 || len(partial) != 1 || !strings.Contains(partial[0], "[d e]") {
		t.Errorf("resolveCloses = %d, %q; want 1, and the close of d and e stored in part", stored, partial)
	}
	for id, r := range l.acked {
		if r.closing != "" {
			t.Errorf("%s is still closing after resolveCloses", id)
		}
	}
	if len(l.unansweredCloses) != 0 {
		t.Errorf("%d closes still unanswered after resolveCloses", len(l.unansweredCloses))
	}
}
