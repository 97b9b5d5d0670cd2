package retryafter

import (
	"net/http"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	now := time.Date(2026, 11, 25, 17, 45, 28, 0, time.UTC)
	for _, tt := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"1", time.Second, true},
		{"120", 2 * time.Minute, true},
		{" 120 ", 2 * time.Minute, true},
		{"0", 0, true},
		{"-1", 0, false},
		{"-5", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{"Wed, 25 Nov 2026 17:45:58 GMT", 30 * time.Second, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{"Wed, 25 Nov 2026 17:45:00 GMT", 0, true}, // in the past: now
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
		{"Wednesday, 25-Nov-26 17:46:28 GMT", time.Minute, true},
		{"100000000", 24 * time.Hour, true}, // capped
		{"99999999999", 24 * time.Hour, true},
	} {
		if got, ok := Parse(tt.in, now); got != tt.want || ok != tt.ok {
			t.Errorf("Parse(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
