package main

import (
	"strings"
	"testing"
)

func TestRecordCheck(t *testing.T) {
	acked := map[string]any{"id": "a", "invitee": "urn:li:person:x", "trackingId": "t-1", "lastModified": 10.0}
	pending := "t-2"
	for _, tt := range []struct {
		name    string
		pending *string
		body    map[string]any
		etag    string
		want    string // a part of the difference; "" for none
	}{
		{"as acknowledged", nil, acked, `"2"`, ""},
		{"as acknowledged, an update unanswered", &pending, acked, `"2"`, ""},
		{"the unanswered update stored", &pending, with(acked, "trackingId", "t-2", "lastModified", 11.0), `"3"`, ""},
		{"a property lost", nil, with(acked, "trackingId", nil), `"2"`, "trackingId missing"},
		{"a property changed", nil, with(acked, "invitee", "urn:li:person:y"), `"2"`, "invitee = urn:li:person:y"},
		{"a property added", nil, with(acked, "message", "m"), `"2"`, "message = m, unexpected"},
		{"another ETag", nil, acked, `"3"`, `ETag "3"; want "2"`},
		{"the update stored, other changes too", &pending, with(acked, "trackingId", "t-2", "invitee", "z"), `"3"`, "invitee = z"},
		{"the update stored, lastModified back", &pending, with(acked, "trackingId", "t-2", "lastModified", 9.0), `"3"`, "lastModified went back"},
		{"two writes later", &pending, acked, `"4"`, `or "3"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &record{body: acked, etag: `"2"`, pending: tt.pending}
			got := r.check(tt.body, tt.etag)
			if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
				t.Fatalf("check = %q; want %q", got, tt.want)
			}
			if got == "" && (r.etag != tt.etag || r.pending != nil) {
				t.Errorf("after a match the record has ETag %s, pending %v; want %s, none", r.etag, r.pending, tt.etag)
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
