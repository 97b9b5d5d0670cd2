package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/jwtauth"
	"github.com/graph-linkedin/invitations/jwttest"
)

// Production keys without an issuer and an audience, and other half-made
// key configurations, stop run before it opens anything, with an error
// naming what is missing.
func TestProductionKeysNeedIssuerAndAudience(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want []string // the error names each
	}{
		{"JWKS without either", []string{"-jwks-url", "https://login.example.com/keys"}, nil,
			[]string{"-jwks-url", "-jwt-issuer (INVITATIONS_JWT_ISSUER)", "-jwt-audience (INVITATIONS_JWT_AUDIENCE)"}},
		{"JWKS without an audience", []string{"-jwks-url", "https://login.example.com/keys", "-jwt-issuer", "https://login.example.com"}, nil,
			[]string{"-jwt-audience (INVITATIONS_JWT_AUDIENCE)"}},
		{"key file from the environment without an issuer",
			nil, map[string]string{"INVITATIONS_JWT_PUBLIC_KEY_FILE": "issuer.pem", "INVITATIONS_JWT_AUDIENCE": "api://invitations"},
			[]string{"-jwt-public-key-file", "-jwt-issuer (INVITATIONS_JWT_ISSUER)"}},
		{"two key sources", []string{"-jwks-url", "https://login.example.com/keys", "-jwt-public-key-file", "issuer.pem",
			"-jwt-issuer", "https://login.example.com", "-jwt-audience", "api://invitations"}, nil,
			[]string{"-jwks-url", "-jwt-public-key-file"}},
		{"issuer with the development key", []string{"-jwt-issuer", "https://login.example.com"}, nil,
			[]string{"-jwks-url", "-jwt-public-key-file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			args := append([]string{"invitationsd", "-addr", "127.0.0.1:0", "-metrics-addr", "127.0.0.1:0", "-db", filepath.Join(dir, "invitations.db"),
				"-dev-key-file", filepath.Join(dir, "dev-jwt.key")}, tt.args...)
			getenv := func(k string) string { return tt.env[k] }
			var out bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := run(ctx, args, getenv, &out, &out)
			if err == nil {
				t.Fatal("run = nil; want it to refuse to start")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("run = %q; want it to name %q", err, w)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "invitations.db")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the database was opened (stat: %v); want the refusal first", err)
			}
		})
	}
}

// The binary with -jwks-url accepts the provider's tokens and no longer the
// development key's.
func TestRunWithJWKS(t *testing.T) {
	signer := jwttest.NewSigner(t, "RS256", "k1")
	j := jwttest.NewJWKS(t, signer)
	dir := t.TempDir()
	addr, stop := startRun(t, "-addr", "127.0.0.1:0", "-metrics-addr", "127.0.0.1:0", "-db", filepath.Join(dir, "invitations.db"),
		"-dev-key-file", filepath.Join(dir, "dev-jwt.key"),
		"-jwks-url", j.URL(), "-jwt-issuer", "https://login.example.com/v2.0", "-jwt-audience", "api://invitations")
	defer stop()

	now := time.Now()
	claims := jwtauth.Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: "https://login.example.com/v2.0", Audience: jwt.ClaimStrings{"api://invitations"},
			Subject: "urn:li:person:A1iceX9", NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)),
		},
		TenantID: "6f1c2d3e-0a1b-4c5d-8e9f-a0b1c2d3e4f5",
		Scope:    invitations.PermReadWrite,
	}
	if got := create(t, newClient(t, addr, signer.Mint(t, claims)), "urn:li:person:Qm9i"); got != http.StatusCreated {
		t.Errorf("create with the provider's token = %d; want 201", got)
	}
	dev := token(t, filepath.Join(dir, "dev-jwt.key"), "urn:li:person:A1iceX9")
	if got := create(t, newClient(t, addr, dev), "urn:li:person:B0b"); got != http.StatusUnauthorized {
		t.Errorf("create with a development token = %d; want 401", got)
	}
	if got := get(t, "http://"+addr+"/readyz"); got != http.StatusOK {
		t.Errorf("GET /readyz = %d; want 200", got)
	}
}

// With the JWKS endpoint down, the binary starts all the same and says it is
// not ready.
func TestRunJWKSDownAtStart(t *testing.T) {
	j := jwttest.NewJWKS(t)
	j.Respond(http.StatusServiceUnavailable)
	dir := t.TempDir()
	addr, stop := startRun(t, "-addr", "127.0.0.1:0", "-metrics-addr", "127.0.0.1:0", "-db", filepath.Join(dir, "invitations.db"),
		"-dev-key-file", filepath.Join(dir, "dev-jwt.key"), "-jwks-url", j.URL(), "-jwt-issuer", "https://login.example.com/v2.0", "-jwt-audience", "api://invitations")
	defer stop()
	if got := get(t, "http://"+addr+"/readyz"); got != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz with the JWKS down = %d; want 503", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "dev-jwt.key")); err == nil {
		t.Error("a development key was created; want none with production keys")
	}
}

func get(t *testing.T, url string) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}
