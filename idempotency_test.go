package invitations_test

import (
	"errors"
	"testing"
	"time"

	"github.com/graph-linkedin/invitations"
)

func TestMeet(t *testing.T) {
	now := time.UnixMilli(1795628728473)
	c := invitations.IdempotencyClaim{Fingerprint: "f", Token: "retry"}
	done := &invitations.StoredResponse{Status: 201}
	running := func(lease, expires time.Duration) *invitations.IdempotencyRecord {
		return &invitations.IdempotencyRecord{Fingerprint: "f", Token: "first", LeaseUntil: now.Add(lease), Expires: now.Add(expires)}
	}
	complete := func(fingerprint string, expires time.Duration) *invitations.IdempotencyRecord {
		return &invitations.IdempotencyRecord{Fingerprint: fingerprint, Expires: now.Add(expires), Response: done}
	}
	tests := []struct {
		name   string
		rec    *invitations.IdempotencyRecord
		take   bool
		stored *invitations.StoredResponse
		err    error
	}{
		{"no record", nil, true, nil, nil},
		{"running", running(time.Second, time.Hour), false, nil, invitations.ErrConflict},
		{"running, lease ends now", running(0, time.Hour), true, nil, nil},
		{"running, lease lapsed", running(-time.Second, time.Hour), true, nil, nil},
		{"running, another request", &invitations.IdempotencyRecord{Fingerprint: "g", LeaseUntil: now.Add(time.Second), Expires: now.Add(time.Hour)},
			false, nil, invitations.ErrKeyReused},
		{"complete", complete("f", time.Hour), false, done, nil},
		{"complete, another request", complete("g", time.Hour), false, nil, invitations.ErrKeyReused},
		{"expires now", complete("g", 0), true, nil, nil},
		{"expired", complete("f", -time.Hour), true, nil, nil},
	}
	for _, tt := range tests {
		take, stored, err := tt.rec.Meet(c, now)
		if take != tt.take || stored != tt.stored || !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
			t.Errorf("%s: Meet = %v, %v, %v; want %v, %v, %v", tt.name, take, stored, err, tt.take, tt.stored, tt.err)
		}
	}
}
