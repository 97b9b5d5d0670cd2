package jwtauth_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/jwtauth"
	"github.com/graph-linkedin/invitations/jwttest"
)

// clock is a settable time for the verifier.
type clock struct{ now atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Unix(0, c.now.Load()) }
func (c *clock) Set(t time.Time)         { c.now.Store(t.UnixNano()) }
func (c *clock) Advance(d time.Duration) { c.now.Add(int64(d)) }

// A remembered token still expires: the cache honours exp (plus nothing:
// past exp the token is verified again, and the leeway is the parser's).
func TestCacheHonoursExpiry(t *testing.T) {
	var clk clock
	start := time.Now().Truncate(time.Second)
	clk.Set(start)
	s := jwttest.NewSigner(t, "ES256", "")
	opts := prodOptions
	opts.Now = clk.Now
	v, err := jwtauth.NewPublicKey(s.Public(), opts)
	if err != nil {
		t.Fatal(err)
	}
	c := prodClaims()
	c.NotBefore = jwt.NewNumericDate(start)
	c.ExpiresAt = jwt.NewNumericDate(start.Add(time.Hour))
	token := s.Mint(t, c)
	for _, at := range []time.Duration{0, time.Minute, time.Hour - time.Second, time.Hour + jwtauth.Leeway/2} {
		clk.Set(start.Add(at))
		if _, err := v.Verify(context.Background(), token); err != nil {
			t.Errorf("Verify at exp%+v = %v; want nil", at-time.Hour, err)
		}
	}
	clk.Set(start.Add(time.Hour + 2*jwtauth.Leeway))
	if _, err := v.Verify(context.Background(), token); !errors.Is(err, invitations.ErrUnauthenticated) {
		t.Errorf("Verify past exp and the leeway = %v; want ErrUnauthenticated", err)
	}
}

// A failed token is never remembered as good, and a token differing in any
// byte from a remembered one is verified on its own.
func TestCacheOnlySuccesses(t *testing.T) {
	s := jwttest.NewSigner(t, "RS256", "")
	v, err := jwtauth.NewPublicKey(s.Public(), prodOptions)
	if err != nil {
		t.Fatal(err)
	}
	good := s.Mint(t, prodClaims())
	if _, err := v.Verify(context.Background(), good); err != nil {
		t.Fatal(err)
	}
	bad := good[:len(good)-2] + "AA" // another signature
	if bad == good {
		bad = good[:len(good)-2] + "BB"
	}
	for range 2 {
		if _, err := v.Verify(context.Background(), bad); !errors.Is(err, invitations.ErrUnauthenticated) {
			t.Errorf("Verify(changed signature) = %v; want ErrUnauthenticated", err)
		}
	}
	if _, err := v.Verify(context.Background(), good); err != nil {
		t.Errorf("Verify(good, again) = %v; want nil", err)
	}
}

// Many goroutines verifying the same and different tokens, more of them
// than the cache holds, all get their own callers (run with -race).
func TestCacheConcurrent(t *testing.T) {
	s := jwttest.NewSigner(t, "EdDSA", "")
	opts := prodOptions
	opts.CacheSize = 4
	v, err := jwtauth.NewPublicKey(s.Public(), opts)
	if err != nil {
		t.Fatal(err)
	}
	tokens := make([]string, 10)
	for i := range tokens {
		c := prodClaims()
		c.Subject = fmt.Sprintf("urn:li:person:p%d", i)
		tokens[i] = s.Mint(t, c)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				n := (g + i) % len(tokens)
				caller, err := v.Verify(context.Background(), tokens[n])
				if want := fmt.Sprintf("urn:li:person:p%d", n); err != nil || caller.Subject != want {
					t.Errorf("Verify(token %d) = %q, %v; want %q", n, caller.Subject, err, want)
					return
				}
			}
		})
	}
	wg.Wait()
}
