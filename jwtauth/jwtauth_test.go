package jwtauth_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/jwtauth"
)

var key = []byte("0123456789abcdef0123456789abcdef")

func valid() jwtauth.Claims {
	now := time.Now()
	return jwtauth.Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    jwtauth.DevIssuer,
			Audience:  jwt.ClaimStrings{jwtauth.DevAudience},
			Subject:   "urn:li:person:alice",
			ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)),
			NotBefore: jwt.NewNumericDate(now),
		},
		TenantID: "tenant-1",
		Scope:    "Invitations.Read Invitations.ReadWrite",
		Roles:    []string{"Invitations.Read.All"},
	}
}

func TestVerify(t *testing.T) {
	v := jwtauth.NewHS256(key, jwtauth.DevIssuer, jwtauth.DevAudience)
	token, err := jwtauth.MintHS256(key, valid())
	if err != nil {
		t.Fatal(err)
	}
	got, err := v.Verify(context.Background(), token)
	if err != nil {
		t.Fatalf("Verify(valid) = %v", err)
	}
	want := invitations.Caller{
		Tenant:  "tenant-1",
		Subject: "urn:li:person:alice",
		Scopes:  []string{"Invitations.Read", "Invitations.ReadWrite"},
		Roles:   []string{"Invitations.Read.All"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Verify (-want +got):\n%s", diff)
	}
}

// The client application is the azp claim (v2.0 tokens), or else appid
// (v1.0 ones).
func TestVerifyApplication(t *testing.T) {
	v := jwtauth.NewHS256(key, jwtauth.DevIssuer, jwtauth.DevAudience)
	for _, tt := range []struct{ azp, appid, want string }{
		{"", "", ""},
		{"24d3b144-21ae-4080-943f-7067b395b913", "", "24d3b144-21ae-4080-943f-7067b395b913"},
		{"", "5f0c1e2d-3a4b-4c5d-8e9f-0a1b2c3d4e5f", "5f0c1e2d-3a4b-4c5d-8e9f-0a1b2c3d4e5f"},
		{"24d3b144-21ae-4080-943f-7067b395b913", "5f0c1e2d-3a4b-4c5d-8e9f-0a1b2c3d4e5f", "24d3b144-21ae-4080-943f-7067b395b913"},
	} {
		c := valid()
		c.AuthorizedParty, c.AppID = tt.azp, tt.appid
		token, err := jwtauth.MintHS256(key, c)
		if err != nil {
			t.Fatal(err)
		}
		got, err := v.Verify(context.Background(), token)
		if err != nil || got.Application != tt.want {
			t.Errorf("Verify(azp %q, appid %q).Application = %q, %v; want %q", tt.azp, tt.appid, got.Application, err, tt.want)
		}
	}
}

func TestVerifyRejects(t *testing.T) {
	v := jwtauth.NewHS256(key, jwtauth.DevIssuer, jwtauth.DevAudience)
	tests := []struct {
		name   string
		change func(*jwtauth.Claims)
		key    []byte
		kind   error
	}{
		{"expired beyond the leeway", func(c *jwtauth.Claims) { c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-2 * jwtauth.Leeway)) }, key, invitations.ErrUnauthenticated},
		{"not valid yet beyond the leeway", func(c *jwtauth.Claims) { c.NotBefore = jwt.NewNumericDate(time.Now().Add(2 * jwtauth.Leeway)) }, key, invitations.ErrUnauthenticated},
		{"issued in the future beyond the leeway", func(c *jwtauth.Claims) { c.IssuedAt = jwt.NewNumericDate(time.Now().Add(2 * jwtauth.Leeway)) }, key, invitations.ErrUnauthenticated},
		{"issued a day from now", func(c *jwtauth.Claims) { c.IssuedAt = jwt.NewNumericDate(time.Now().Add(24 * time.Hour)) }, key, invitations.ErrUnauthenticated},
		{"no expiry", func(c *jwtauth.Claims) { c.ExpiresAt = nil }, key, invitations.ErrUnauthenticated},
		{"wrong issuer", func(c *jwtauth.Claims) { c.Issuer = "someone" }, key, invitations.ErrUnauthenticated},
		{"wrong audience", func(c *jwtauth.Claims) { c.Audience = jwt.ClaimStrings{"api://other"} }, key, invitations.ErrUnauthenticated},
		{"no tenant", func(c *jwtauth.Claims) { c.TenantID = "" }, key, invitations.ErrUnauthenticated},
		{"no subject", func(c *jwtauth.Claims) { c.Subject = "" }, key, invitations.ErrUnauthenticated},
		{"another key", func(*jwtauth.Claims) {}, []byte("another-key-0123456789abcdef012345"), invitations.ErrUnauthenticated},
		{"personal account", func(c *jwtauth.Claims) { c.TenantID = "9188040d-6c67-4c5b-b112-36a304b66dad" }, key, invitations.ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.change(&c)
			token, err := jwtauth.MintHS256(tt.key, c)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := v.Verify(context.Background(), token); !errors.Is(err, tt.kind) {
				t.Errorf("Verify = %v; want %v", err, tt.kind)
			}
		})
	}
	// Within the leeway is fine.
	c := valid()
	c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-jwtauth.Leeway / 2))
	token, _ := jwtauth.MintHS256(key, c)
	if _, err := v.Verify(context.Background(), token); err != nil {
		t.Errorf("Verify(expired within the leeway) = %v; want nil", err)
	}
	c = valid()
	c.IssuedAt = jwt.NewNumericDate(time.Now().Add(jwtauth.Leeway / 2))
	token, _ = jwtauth.MintHS256(key, c)
	if _, err := v.Verify(context.Background(), token); err != nil {
		t.Errorf("Verify(issued within the leeway ahead) = %v; want nil", err)
	}
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, valid()).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if _, err := v.Verify(context.Background(), none); !errors.Is(err, invitations.ErrUnauthenticated) {
		t.Errorf("Verify(alg none) = %v; want ErrUnauthenticated", err)
	}
	hs512, _ := jwt.NewWithClaims(jwt.SigningMethodHS512, valid()).SignedString(key)
	if _, err := v.Verify(context.Background(), hs512); !errors.Is(err, invitations.ErrUnauthenticated) {
		t.Errorf("Verify(HS512) = %v; want ErrUnauthenticated: the key decides the algorithm", err)
	}
}

func TestLoadOrCreateDevKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "dev-jwt.key")
	k1, created, err := jwtauth.LoadOrCreateDevKey(path)
	if err != nil || !created || len(k1) != 32 {
		t.Fatalf("LoadOrCreateDevKey(new) = %d bytes, %v, %v; want 32 bytes, created", len(k1), created, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		t.Errorf("key file mode = %v; want 0600", mode)
	}
	k2, created, err := jwtauth.LoadOrCreateDevKey(path)
	if err != nil || created || string(k1) != string(k2) {
		t.Errorf("LoadOrCreateDevKey(existing) = created %v, %v, same key %v; want the same key", created, err, string(k1) == string(k2))
	}
	if err := os.WriteFile(path, []byte("not base64!"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := jwtauth.LoadOrCreateDevKey(path); err == nil {
		t.Error("LoadOrCreateDevKey(corrupt) = nil error; want an error")
	}
}

// Instances starting together agree on one key: one creates it, the others
// read it, and none reads it half-written.
func TestLoadOrCreateDevKeyConcurrently(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dev-jwt.key")
	const n = 16
	keys := make([][]byte, n)
	created := make([]bool, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { keys[i], created[i], errs[i] = jwtauth.LoadOrCreateDevKey(path) })
	}
	wg.Wait()
	creators := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("LoadOrCreateDevKey: %v", errs[i])
		}
		if string(keys[i]) != string(keys[0]) {
			t.Errorf("caller %d got another key", i)
		}
		if created[i] {
			creators++
		}
	}
	if creators != 1 {
		t.Errorf("%d callers created the key; want 1", creators)
	}
}

// A token issued beyond the clock skew in the future is refused, and says
// why: its iat, not its nbf or exp.
func TestVerifyIssuedInFuture(t *testing.T) {
	v := jwtauth.NewHS256(key, jwtauth.DevIssuer, jwtauth.DevAudience)
	c := valid()
	c.IssuedAt = jwt.NewNumericDate(time.Now().Add(24 * time.Hour))
	token, err := jwtauth.MintHS256(key, c)
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(context.Background(), token)
	var r *jwtauth.Rejection
	if !errors.As(err, &r) || r.Reason != "issued_in_future" || !strings.Contains(err.Error(), "iat") {
		t.Errorf("Verify(iat a day from now) = %v; want a rejection for issued_in_future naming iat", err)
	}
}
