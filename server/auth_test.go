package server_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/graph-linkedin/invitations/client/raw"
	"github.com/graph-linkedin/invitations/jwtauth"
	"github.com/graph-linkedin/invitations/jwttest"
)

// The identity provider of the production-key tests.
const (
	prodIssuer   = "https://login.example.com/" + tenantA + "/v2.0"
	prodAudience = "api://invitations"
)

var prodOptions = jwtauth.Options{Issuer: prodIssuer, Audience: prodAudience}

// prodClaims are valid claims from the production issuer, allowed to create.
func prodClaims(tenant, sub string) jwtauth.Claims {
	c := withScope(claims(tenant, sub))
	c.Issuer = prodIssuer
	c.Audience = jwt.ClaimStrings{prodAudience}
	return c
}

// jwksVerifier trusts the keys served by j.
func jwksVerifier(t *testing.T, j *jwttest.JWKS, opts jwtauth.JWKSOptions) *jwtauth.Verifier {
	t.Helper()
	opts.Options = prodOptions
	v, err := jwtauth.NewJWKS(t.Context(), j.URL(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// pemVerifier trusts the public key of s, read from a PEM file.
func pemVerifier(t *testing.T, s jwttest.Signer) *jwtauth.Verifier {
	t.Helper()
	path := filepath.Join(t.TempDir(), "issuer.pem")
	if err := os.WriteFile(path, s.PublicPEM(t), 0o600); err != nil {
		t.Fatal(err)
	}
	v, err := jwtauth.NewPublicKeyFile(path, prodOptions)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// signed signs claims with method and key, naming kid; for the tokens a
// Signer cannot make (none, HS256).
func signed(t *testing.T, method jwt.SigningMethod, kid string, key any, c jwtauth.Claims) string {
	t.Helper()
	token := jwt.NewWithClaims(method, c)
	token.Header["kid"] = kid
	s, err := token.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// createWithin posts an invitation with the given Authorization headers; the
// whole call must finish within a few seconds.
func (e *env) createWithin(authorization ...string) *raw.CreateInvitationResponse {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	edit := func(_ context.Context, req *http.Request) error {
		for _, v := range authorization {
			req.Header.Add("Authorization", v)
		}
		return nil
	}
	res, err := e.client.CreateInvitationWithBodyWithResponse(ctx, nil, "application/json",
		strings.NewReader(fmt.Sprintf(`{"invitee": "urn:li:person:%d"}`, time.Now().UnixNano())), edit)
	if err != nil {
		e.t.Fatalf("create: %v (within the deadline?)", err)
	}
	return res
}

// wantInvalidToken checks a 401 with RFC 6750's challenge and Graph's body.
func wantInvalidToken(t *testing.T, res *raw.CreateInvitationResponse) {
	t.Helper()
	if res.StatusCode() != http.StatusUnauthorized {
		t.Fatalf("status = %d; want 401; body %s", res.StatusCode(), res.Body)
	}
	if got := res.HTTPResponse.Header.Get("WWW-Authenticate"); !strings.Contains(got, `error="invalid_token"`) {
		t.Errorf("WWW-Authenticate = %q; want error=\"invalid_token\"", got)
	}
	if got := errorOf(t, res.Body).Code; got != raw.ErrorCodeInvalidAuthenticationToken {
		t.Errorf("code = %q; want InvalidAuthenticationToken", got)
	}
}

// Behind production keys of every accepted algorithm, from a JWKS and from a
// PEM file, a good token is accepted and every kind of bad one is a 401.
func TestProductionTokens(t *testing.T) {
	for _, alg := range []string{"RS256", "PS256", "ES256", "EdDSA"} {
		for _, source := range []string{"JWKS", "PEM file"} {
			t.Run(alg+" from a "+source, func(t *testing.T) {
				t.Parallel()
				signer := jwttest.NewSigner(t, alg, "key-1")
				var (
					v    *jwtauth.Verifier
					jwks *jwttest.JWKS
				)
				if source == "JWKS" {
					jwks = jwttest.NewJWKS(t, signer)
					v = jwksVerifier(t, jwks, jwtauth.JWKSOptions{})
				} else {
					v = pemVerifier(t, signer)
				}
				testProductionTokens(t, newEnv(t, withVerifier(v)), signer, jwks)
			})
		}
	}
}

func testProductionTokens(t *testing.T, e *env, signer jwttest.Signer, jwks *jwttest.JWKS) {
	valid := signer.Mint(t, prodClaims(tenantA, alice))
	// Accepted, so remembered by the verifier: the bad tokens below that
	// differ from it in a byte or two must not pass as it.
	for range 2 {
		if res := e.createWithin("Bearer " + valid); res.StatusCode() != http.StatusCreated {
			t.Fatalf("valid token: status = %d; want 201; body %s", res.StatusCode(), res.Body)
		}
	}

	bad := func(change func(*jwtauth.Claims)) string {
		c := prodClaims(tenantA, alice)
		change(&c)
		return signer.Mint(t, c)
	}
	// Another key of the same type under the same kid; and a key of another
	// type, whose algorithm the verifier's key does not accept.
	impostor := jwttest.NewSigner(t, signer.Method.Alg(), signer.KID)
	otherType := jwttest.NewSigner(t, "EdDSA", signer.KID)
	if signer.Method.Alg() == "EdDSA" {
		otherType = jwttest.NewSigner(t, "ES256", signer.KID)
	}
	unknownKID := jwttest.NewSigner(t, signer.Method.Alg(), "key-unknown")
	sigless := strings.Join(strings.Split(valid, ".")[:2], ".") + "."

	tests := []struct {
		name          string
		authorization []string
	}{
		{"alg none", []string{"Bearer " + signed(t, jwt.SigningMethodNone, signer.KID, jwt.UnsafeAllowNoneSignatureType, prodClaims(tenantA, alice))}},
		{"HS256 keyed with the public key's PEM", []string{"Bearer " + signed(t, jwt.SigningMethodHS256, signer.KID, signer.PublicPEM(t), prodClaims(tenantA, alice))}},
		{"HS256 with the development key", []string{"Bearer " + signed(t, jwt.SigningMethodHS256, signer.KID, testKey, prodClaims(tenantA, alice))}},
		{"wrong signature", []string{"Bearer " + impostor.Mint(t, prodClaims(tenantA, alice))}},
		{"signature removed", []string{"Bearer " + sigless}},
		{"another key type under the kid", []string{"Bearer " + otherType.Mint(t, prodClaims(tenantA, alice))}},
		{"tampered payload", []string{"Bearer " + tamper(valid)}},
		{"expired", []string{"Bearer " + bad(func(c *jwtauth.Claims) { c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-2 * jwtauth.Leeway)) })}},
		{"nbf beyond the skew", []string{"Bearer " + bad(func(c *jwtauth.Claims) { c.NotBefore = jwt.NewNumericDate(time.Now().Add(2 * jwtauth.Leeway)) })}},
		{"iat beyond the skew", []string{"Bearer " + bad(func(c *jwtauth.Claims) { c.IssuedAt = jwt.NewNumericDate(time.Now().Add(2 * jwtauth.Leeway)) })}},
		{"no exp", []string{"Bearer " + bad(func(c *jwtauth.Claims) { c.ExpiresAt = nil })}},
		{"wrong iss", []string{"Bearer " + bad(func(c *jwtauth.Claims) { c.Issuer = jwtauth.DevIssuer })}},
		{"wrong aud", []string{"Bearer " + bad(func(c *jwtauth.Claims) { c.Audience = jwt.ClaimStrings{"api://someone-else"} })}},
		{"no tid", []string{"Bearer " + bad(func(c *jwtauth.Claims) { c.TenantID = "" })}},
		{"no sub", []string{"Bearer " + bad(func(c *jwtauth.Claims) { c.Subject = "" })}},
		{"unknown kid", []string{"Bearer " + unknownKID.Mint(t, prodClaims(tenantA, alice))}},
		{"not Bearer", []string{"Basic YWxpY2U6c2VjcmV0"}},
		{"token without scheme", []string{valid}},
		{"two tokens", []string{"Bearer " + valid + " " + valid}},
		{"two headers", []string{"Bearer " + valid, "Bearer " + valid}},
		{"garbage", []string{"Bearer not.a.jwt"}},
		{"binary garbage", []string{"Bearer \xff\xfe.\x80.~"}},
		{"empty Bearer", []string{"Bearer "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fetches := 0
			if jwks != nil {
				fetches = jwks.Fetches()
			}
			wantInvalidToken(t, e.createWithin(tt.authorization...))
			if tt.name == "unknown kid" && jwks != nil && jwks.Fetches() != fetches+1 {
				t.Errorf("JWKS fetches = %d, was %d; want one refresh for the unknown kid", jwks.Fetches(), fetches)
			}
		})
	}

	t.Run("token in the query string", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodPost, e.url+"/linkedIn/invitations?access_token="+valid, strings.NewReader(`{"invitee": "urn:li:person:Qm9i"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		res, err := e.transport.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Errorf("status = %d, WWW-Authenticate = %q; want 401 with error=\"invalid_token\"", res.StatusCode, res.Header.Get("WWW-Authenticate"))
		}
	})

	if res := e.createWithin("Bearer " + valid); res.StatusCode() != http.StatusCreated {
		t.Errorf("valid token after the rejections: status = %d; want 201; body %s", res.StatusCode(), res.Body)
	}
}

// The JWKS endpoint goes away after the first fetch: keys already fetched
// keep working, a new kid is a 401, and nothing waits long.
func TestJWKSDown(t *testing.T) {
	for _, failure := range []string{"stopped", "hanging"} {
		t.Run(failure, func(t *testing.T) {
			t.Parallel()
			k1 := jwttest.NewSigner(t, "RS256", "k1")
			j := jwttest.NewJWKS(t, k1)
			v := jwksVerifier(t, j, jwtauth.JWKSOptions{Timeout: 500 * time.Millisecond, RefreshInterval: 50 * time.Millisecond})
			e := newEnv(t, withVerifier(v))
			if failure == "stopped" {
				j.Close()
			} else {
				j.Hang()
			}
			time.Sleep(150 * time.Millisecond) // failed periodic refreshes

			// Minted now, so not a remembered token: its key comes from the
			// keys fetched before the endpoint went.
			if res := e.createWithin("Bearer " + k1.Mint(t, prodClaims(tenantA, alice))); res.StatusCode() != http.StatusCreated {
				t.Errorf("cached kid: status = %d; want 201; body %s", res.StatusCode(), res.Body)
			}
			k2 := jwttest.NewSigner(t, "RS256", "k2")
			wantInvalidToken(t, e.createWithin("Bearer "+k2.Mint(t, prodClaims(tenantA, alice))))
			wantInvalidToken(t, e.createWithin("Bearer "+k2.Mint(t, prodClaims(tenantA, bob))))

			root := strings.TrimSuffix(e.url, "/v1.0")
			if res, body := e.do(http.MethodGet, root+"/readyz", ""); res.StatusCode != http.StatusOK {
				t.Errorf("GET /readyz with keys cached = %d %s; want 200", res.StatusCode, body)
			}
		})
	}
}

// A server whose JWKS endpoint is down at start-up starts, says it is not
// ready, refuses tokens, and becomes ready once the endpoint answers.
func TestJWKSDownAtStart(t *testing.T) {
	k1 := jwttest.NewSigner(t, "ES256", "k1")
	j := jwttest.NewJWKS(t, k1)
	j.Respond(http.StatusBadGateway)
	v := jwksVerifier(t, j, jwtauth.JWKSOptions{Timeout: 500 * time.Millisecond, RetryUnready: 10 * time.Millisecond})
	e := newEnv(t, withVerifier(v))
	root := strings.TrimSuffix(e.url, "/v1.0")

	res, body := e.do(http.MethodGet, root+"/readyz", "")
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
		t.Fatalf("GET /readyz with the JWKS down = %d (Retry-After %q); want 503 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"))
	}
	if got := errorOf(t, []byte(body)).Code; got != raw.ErrorCodeServiceNotAvailable {
		t.Errorf("code = %q; want serviceNotAvailable", got)
	}
	if res, _ := e.do(http.MethodGet, root+"/healthz", ""); res.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz with the JWKS down = %d; want 200", res.StatusCode)
	}
	wantInvalidToken(t, e.createWithin("Bearer "+k1.Mint(t, prodClaims(tenantA, alice))))

	j.Respond(http.StatusOK)
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, _ := e.do(http.MethodGet, root+"/readyz", "")
		if res.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /readyz = %d long after the JWKS came back; want 200", res.StatusCode)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if res := e.createWithin("Bearer " + k1.Mint(t, prodClaims(tenantA, alice))); res.StatusCode() != http.StatusCreated {
		t.Errorf("after recovery: status = %d; want 201; body %s", res.StatusCode(), res.Body)
	}
}

// A personal Microsoft account's token from the real issuer is a 403, not a
// 401: the token is good, the account is not served.
func TestProductionTokenPersonalAccount(t *testing.T) {
	s := jwttest.NewSigner(t, "ES256", "")
	e := newEnv(t, withVerifier(pemVerifier(t, s)))
	res := e.createWithin("Bearer " + s.Mint(t, prodClaims("9188040d-6c67-4c5b-b112-36a304b66dad", alice)))
	if res.StatusCode() != http.StatusForbidden {
		t.Errorf("status = %d; want 403; body %s", res.StatusCode(), res.Body)
	}
}
