package jwtauth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/jwtauth"
	"github.com/graph-linkedin/invitations/jwttest"
)

// newJWKS is a verifier over j, ending with the test.
func newJWKS(t *testing.T, j *jwttest.JWKS, opts jwtauth.JWKSOptions) *jwtauth.Verifier {
	t.Helper()
	opts.Options = prodOptions
	v, err := jwtauth.NewJWKS(t.Context(), j.URL(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// verify calls Verify with a deadline, so a hang fails the test instead of
// stalling it.
func verify(t *testing.T, v *jwtauth.Verifier, token string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := v.Verify(ctx, token)
	if ctx.Err() != nil {
		t.Fatalf("Verify did not return before its deadline")
	}
	return err
}

// A token naming a kid the set lacks makes the verifier fetch the set once
// more; within the rate limit a second unknown kid does not.
func TestJWKSRotation(t *testing.T) {
	k1 := jwttest.NewSigner(t, "RS256", "k1")
	k2 := jwttest.NewSigner(t, "ES256", "k2")
	k3 := jwttest.NewSigner(t, "EdDSA", "k3")
	j := jwttest.NewJWKS(t, k1)
	v := newJWKS(t, j, jwtauth.JWKSOptions{})
	if got := j.Fetches(); got != 1 {
		t.Fatalf("fetches after NewJWKS = %d; want 1", got)
	}
	if err := v.Ready(context.Background()); err != nil {
		t.Errorf("Ready = %v; want nil", err)
	}
	if err := verify(t, v, k1.Mint(t, prodClaims())); err != nil {
		t.Fatalf("Verify(k1) = %v; want nil", err)
	}
	if got := j.Fetches(); got != 1 {
		t.Errorf("fetches after a known kid = %d; want 1", got)
	}

	j.Set(t, k1, k2) // the provider adds a key and starts signing with it
	if err := verify(t, v, k2.Mint(t, prodClaims())); err != nil {
		t.Fatalf("Verify(k2, new in the set) = %v; want nil after a refresh", err)
	}
	if got := j.Fetches(); got != 2 {
		t.Errorf("fetches after an unknown kid = %d; want 2", got)
	}

	j.Set(t, k2, k3)
	err := verify(t, v, k3.Mint(t, prodClaims()))
	if !errors.Is(err, invitations.ErrUnauthenticated) || !strings.Contains(err.Error(), "kid") {
		t.Errorf("Verify(k3, within the refresh rate limit) = %v; want ErrUnauthenticated naming the kid", err)
	}
	if got := j.Fetches(); got != 2 {
		t.Errorf("fetches after a second unknown kid within the limit = %d; want 2", got)
	}
	// k1 has left the set, but this process has not seen it go.
	if err := verify(t, v, k1.Mint(t, prodClaims())); err != nil {
		t.Errorf("Verify(k1) = %v; want nil until the next refresh", err)
	}
}

// Once the limit has passed, an unknown kid refreshes again.
func TestJWKSRefreshUnknownKIDLimit(t *testing.T) {
	k1 := jwttest.NewSigner(t, "ES256", "k1")
	k2 := jwttest.NewSigner(t, "ES256", "k2")
	j := jwttest.NewJWKS(t, k1)
	v := newJWKS(t, j, jwtauth.JWKSOptions{RefreshUnknownKID: 50 * time.Millisecond})
	if err := verify(t, v, jwttest.NewSigner(t, "ES256", "nobody").Mint(t, prodClaims())); err == nil {
		t.Fatal("Verify(unknown kid) = nil; want an error")
	}
	j.Set(t, k1, k2)
	time.Sleep(100 * time.Millisecond)
	if err := verify(t, v, k2.Mint(t, prodClaims())); err != nil {
		t.Errorf("Verify(k2) after the limit = %v; want nil", err)
	}
}

// Keys the set describes as not for this token are not used: another alg,
// or a use other than sig; and a symmetric key or an RSA key under 2048
// bits in the set never is.
func TestJWKSKeyMetadata(t *testing.T) {
	rs := jwttest.NewSigner(t, "RS256", "rs")
	enc := jwttest.NewSigner(t, "ES256", "enc")
	weakKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	weak := jwttest.Signer{KID: "weak", Method: jwt.SigningMethodRS256, Key: weakKey}
	j := jwttest.NewJWKS(t, rs, enc, weak)
	res, err := http.Get(j.URL())
	if err != nil {
		t.Fatal(err)
	}
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	err = json.NewDecoder(res.Body).Decode(&set)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range set.Keys {
		if k["kid"] == "enc" {
			k["use"] = "enc"
		}
	}
	secret := []byte("0123456789abcdef0123456789abcdef")
	set.Keys = append(set.Keys, map[string]any{"kty": "oct", "kid": "oct", "k": base64.RawURLEncoding.EncodeToString(secret)})
	body, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	j.SetRaw(body)
	v := newJWKS(t, j, jwtauth.JWKSOptions{})

	if err := verify(t, v, rs.Mint(t, prodClaims())); err != nil {
		t.Fatalf("Verify(rs) = %v; want nil", err)
	}
	pss := rs
	pss.Method = jwt.SigningMethodPS256 // the set says this key is RS256
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, prodClaims())
	hs.Header["kid"] = "oct"
	hsToken, err := hs.SignedString(secret)
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]string{
		"PS256 with a key the set gives as RS256": pss.Mint(t, prodClaims()),
		"a key whose use is enc":                  enc.Mint(t, prodClaims()),
		"HS256 with a symmetric key of the set":   hsToken,
		"an RSA key of 1024 bits":                 weak.Mint(t, prodClaims()),
	}
	for name, token := range tests {
		if err := verify(t, v, token); !errors.Is(err, invitations.ErrUnauthenticated) {
			t.Errorf("Verify(%s) = %v; want ErrUnauthenticated", name, err)
		}
	}
}

// A token without a kid is tried against the keys of its algorithm.
func TestJWKSNoKID(t *testing.T) {
	ed := jwttest.NewSigner(t, "EdDSA", "ed")
	rs := jwttest.NewSigner(t, "RS256", "rs")
	j := jwttest.NewJWKS(t, rs, ed)
	v := newJWKS(t, j, jwtauth.JWKSOptions{})
	for _, s := range []jwttest.Signer{rs, ed} {
		s.KID = ""
		if err := verify(t, v, s.Mint(t, prodClaims())); err != nil {
			t.Errorf("Verify(%s without kid) = %v; want nil", s.Method.Alg(), err)
		}
	}
	other := jwttest.NewSigner(t, "EdDSA", "")
	if err := verify(t, v, other.Mint(t, prodClaims())); !errors.Is(err, invitations.ErrUnauthenticated) {
		t.Errorf("Verify(unknown key without kid) = %v; want ErrUnauthenticated", err)
	}
}

// With the endpoint gone, the keys fetched stay in use and an unknown kid
// fails at once.
func TestJWKSDown(t *testing.T) {
	k1 := jwttest.NewSigner(t, "PS256", "k1")
	j := jwttest.NewJWKS(t, k1)
	v := newJWKS(t, j, jwtauth.JWKSOptions{RefreshInterval: 20 * time.Millisecond})
	j.Close()
	time.Sleep(100 * time.Millisecond) // a few failed periodic refreshes
	if err := verify(t, v, k1.Mint(t, prodClaims())); err != nil {
		t.Errorf("Verify(cached kid, endpoint down) = %v; want nil", err)
	}
	if err := verify(t, v, jwttest.NewSigner(t, "PS256", "k2").Mint(t, prodClaims())); !errors.Is(err, invitations.ErrUnauthenticated) {
		t.Errorf("Verify(new kid, endpoint down) = %v; want ErrUnauthenticated", err)
	}
	if err := v.Ready(context.Background()); err != nil {
		t.Errorf("Ready with cached keys = %v; want nil", err)
	}
}

// An endpoint that never answers costs a request at most the timeout.
func TestJWKSHangs(t *testing.T) {
	k1 := jwttest.NewSigner(t, "ES256", "k1")
	j := jwttest.NewJWKS(t, k1)
	j.Hang()
	start := time.Now()
	v := newJWKS(t, j, jwtauth.JWKSOptions{Timeout: 200 * time.Millisecond})
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("NewJWKS took %v with a hanging endpoint; want about the timeout", d)
	}
	if err := v.Ready(context.Background()); !errors.Is(err, invitations.ErrUnavailable) {
		t.Errorf("Ready before any key = %v; want ErrUnavailable", err)
	}
	if err := verify(t, v, k1.Mint(t, prodClaims())); !errors.Is(err, invitations.ErrUnauthenticated) {
		t.Errorf("Verify before any key = %v; want ErrUnauthenticated", err)
	}
}

// Started while the endpoint fails, the verifier is unready, then ready
// once a fetch succeeds: the readiness check retries.
func TestJWKSStartsDown(t *testing.T) {
	k1 := jwttest.NewSigner(t, "RS256", "k1")
	j := jwttest.NewJWKS(t, k1)
	j.Respond(http.StatusServiceUnavailable)
	v := newJWKS(t, j, jwtauth.JWKSOptions{RetryUnready: 10 * time.Millisecond})
	err := v.Ready(context.Background())
	if !errors.Is(err, invitations.ErrUnavailable) {
		t.Fatalf("Ready with the endpoint down = %v; want ErrUnavailable", err)
	}
	if err := verify(t, v, k1.Mint(t, prodClaims())); !errors.Is(err, invitations.ErrUnauthenticated) {
		t.Errorf("Verify with no keys = %v; want ErrUnauthenticated", err)
	}

	j.Respond(http.StatusOK)
	deadline := time.Now().Add(10 * time.Second)
	for v.Ready(context.Background()) != nil {
		if time.Now().After(deadline) {
			t.Fatal("Ready never succeeded after the endpoint came back")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := verify(t, v, k1.Mint(t, prodClaims())); err != nil {
		t.Errorf("Verify after recovery = %v; want nil", err)
	}
}

func TestNewJWKSRefuses(t *testing.T) {
	for _, u := range []string{"", "keys.json", "file:///etc/keys.json", "https://"} {
		if _, err := jwtauth.NewJWKS(t.Context(), u, jwtauth.JWKSOptions{Options: prodOptions}); err == nil {
			t.Errorf("NewJWKS(%q) = nil error; want one", u)
		}
	}
	j := jwttest.NewJWKS(t)
	if _, err := jwtauth.NewJWKS(t.Context(), j.URL(), jwtauth.JWKSOptions{Options: jwtauth.Options{Issuer: issuer}}); err == nil {
		t.Error("NewJWKS without an audience = nil error; want one")
	}
}
