package notify_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/notify"
	"github.com/graph-linkedin/invitations/notifytest"
)

// checkRefused fails unless err is a 400-kind error naming target.
func checkRefused(t *testing.T, err error, target, why string) {
	t.Helper()
	var e *invitations.Error
	if !errors.As(err, &e) || !errors.Is(err, invitations.ErrInvalid) || e.Target != target {
		t.Errorf("Handshake (%s) = %v; want an ErrInvalid naming %s", why, err, target)
	}
}

// The validation handshake succeeds only with a 200, text/plain, the token,
// within the timeout, without a redirect.
func TestHandshake(t *testing.T) {
	c := notify.NewClient(notify.ClientOptions{AllowPrivate: true, Timeout: time.Second})
	for _, tt := range []struct {
		name string
		h    notifytest.Handshake
		ok   bool
	}{
		{"right", notifytest.HandshakeOK, true},
		{"wrong token", notifytest.HandshakeWrongToken, false},
		{"wrong content type", notifytest.HandshakeWrongType, false},
		{"not 200", notifytest.HandshakeNotFound, false},
		{"too slow", notifytest.HandshakeSlow, false},
		{"a redirect", notifytest.HandshakeRedirect, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := notifytest.New(t)
			r.SetHandshake(tt.h, 5*time.Second)
			start := time.Now()
			err := c.Handshake(context.Background(), "notificationUrl", r.NotifyURL())
			if tt.ok {
				if err != nil {
					t.Errorf("Handshake = %v; want nil", err)
				}
				return
			}
			checkRefused(t, err, "notificationUrl", tt.name)
			if tt.h == notifytest.HandshakeSlow && time.Since(start) > 4*time.Second {
				t.Errorf("Handshake with a slow receiver took %v; want it to give up at the 1 s timeout", time.Since(start))
			}
		})
	}
	t.Run("a receiver that is down", func(t *testing.T) {
		r := notifytest.New(t)
		r.Down(true)
		checkRefused(t, c.Handshake(context.Background(), "lifecycleNotificationUrl", r.LifecycleURL()), "lifecycleNotificationUrl", "down")
	})
	t.Run("no receiver", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		checkRefused(t, c.Handshake(context.Background(), "notificationUrl", srv.URL), "notificationUrl", "connection refused")
	})
}

// Without AllowPrivate, a URL must be https, and a connection to a
// loopback address is refused when it is dialled: a name that resolves to
// one (localhost) is refused as its address is.
func TestHandshakeRefusesPrivateAddresses(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the receiver on a loopback address got a request: %s %s", r.Method, r.URL)
	}))
	defer srv.Close()
	c := notify.NewClient(notify.ClientOptions{RootCAs: poolOf(srv)})
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	for _, u := range []string{
		srv.URL + "/notify",                      // https://127.0.0.1:port
		"https://localhost" + port + "/notify",   // a name for it
		"https://[::ffff:127.0.0.1]" + port,      // mapped
		"http://webhooks.contoso.com/api/notify", // not https
	} {
		err := c.Handshake(context.Background(), "notificationUrl", u)
		checkRefused(t, err, "notificationUrl", u)
		if !strings.Contains(err.Error(), "private") && !strings.Contains(err.Error(), "https") {
			t.Errorf("Handshake(%s) = %v; want it to say why (a private address, or not https)", u, err)
		}
	}
}

// Over https, with the receiver's certificate trusted, the handshake works.
func TestHandshakeTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte(r.URL.Query().Get("validationToken")))
	}))
	defer srv.Close()
	c := notify.NewClient(notify.ClientOptions{AllowPrivate: true, RootCAs: poolOf(srv)})
	if err := c.Handshake(context.Background(), "notificationUrl", srv.URL+"/notify"); err != nil {
		t.Errorf("Handshake over TLS = %v; want nil", err)
	}
	// An untrusted certificate is refused.
	untrusted := notify.NewClient(notify.ClientOptions{AllowPrivate: true})
	checkRefused(t, untrusted.Handshake(context.Background(), "notificationUrl", srv.URL+"/notify"), "notificationUrl", "untrusted certificate")
}

// A receiver that answers without end is read no further than a small
// limit: the handshake fails, and returns.
func TestHandshakeReadsLittle(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		chunk := []byte(strings.Repeat(r.URL.Query().Get("validationToken"), 100))
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	c := notify.NewClient(notify.ClientOptions{AllowPrivate: true, Timeout: time.Minute})
	done := make(chan error, 1)
	go func() { done <- c.Handshake(context.Background(), "notificationUrl", srv.URL) }()
	select {
	case err := <-done:
		checkRefused(t, err, "notificationUrl", "an endless answer")
	case <-time.After(30 * time.Second):
		t.Fatal("Handshake with an endless answer has not returned after 30 s; it must read only a small part")
	}
}
