package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	p := RetryPolicy{BaseDelay: time.Second, MaxDelay: 10 * time.Second}
	for n, ceil := range map[int]time.Duration{1: 1, 2: 2, 3: 4, 4: 8, 5: 10, 40: 10, 100: 10} {
		ceil *= time.Second
		for range 100 {
			if d := p.backoff(n); d < ceil/2 || d > ceil {
				t.Fatalf("backoff(%d) = %v; want between %v and %v", n, d, ceil/2, ceil)
			}
		}
	}
}

func TestRetryable(t *testing.T) {
	refused := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}}
	reset := &url.Error{Op: "Get", URL: "http://x", Err: &net.OpError{Op: "read", Err: errors.New("connection reset by peer")}}
	eof := &url.Error{Op: "Get", URL: "http://x", Err: io.EOF}
	answer := func(status int) *http.Response {
		return &http.Response{StatusCode: status, Header: http.Header{"Retry-After": {"3"}}}
	}
	tests := []struct {
		method string // "POST+key" is a POST with an Idempotency-Key
		res    *http.Response
		err    error
		ok     bool
	}{
		{"GET", answer(503), nil, true},
		{"GET", answer(429), nil, true},
		{"PATCH", answer(503), nil, true},
		{"DELETE", answer(429), nil, true},
		{"GET", answer(500), nil, false},
		{"GET", answer(502), nil, false},
		{"GET", answer(404), nil, false},
		{"POST", answer(503), nil, false},
		{"POST", answer(429), nil, false},
		{"GET", nil, refused, true},
		{"POST", nil, refused, true},
		{"GET", nil, reset, true},
		{"POST", nil, reset, false},
		{"DELETE", nil, eof, true},
		{"POST", nil, eof, false},
		{"GET", nil, fmt.Errorf("x: %w", context.Canceled), false},
		{"GET", nil, errors.New("tls: failed to verify certificate"), false},
		{"POST+key", answer(503), nil, true},
		{"POST+key", answer(429), nil, true},
		{"POST+key", nil, refused, true},
		{"POST+key", nil, reset, true},
		{"POST+key", nil, eof, true},
		{"POST+key", answer(409), nil, true}, // in progress: it has Retry-After
		{"POST+key", &http.Response{StatusCode: 409, Header: http.Header{}}, nil, false},
		{"POST", answer(409), nil, false},
		{"GET", answer(409), nil, false},
		{"POST+key", answer(500), nil, false},
		{"POST+key", answer(422), nil, false},
		{"POST+key", nil, fmt.Errorf("x: %w", context.DeadlineExceeded), false},
	}
	for _, tt := range tests {
		req := &http.Request{Method: strings.TrimSuffix(tt.method, "+key"), Header: http.Header{}}
		if strings.HasSuffix(tt.method, "+key") {
			req.Header.Set("Idempotency-Key", "k")
		}
		_, _, ok := retryable(req, tt.res, tt.err, time.Now())
		if ok != tt.ok {
			status := 0
			if tt.res != nil {
				status = tt.res.StatusCode
			}
			t.Errorf("retryable(%s, %d, %v) = %v; want %v", tt.method, status, tt.err, ok, tt.ok)
		}
	}
}
