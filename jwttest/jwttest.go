// Package jwttest is the tests' identity provider: signing keys of every
// algorithm the service accepts, tokens minted with them, and a JWKS
// endpoint serving their public halves that a test can rotate, stop or make
// hang.
package jwttest

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"

	"github.com/graph-linkedin/invitations/jwtauth"
)

// Signer is a private key, its kid and the algorithm it signs with.
type Signer struct {
	KID    string
	Method jwt.SigningMethod
	Key    crypto.Signer
}

// NewSigner generates a key for alg (RS256, PS256, ES256 or EdDSA).
func NewSigner(tb testing.TB, alg, kid string) Signer {
	tb.Helper()
	var (
		key crypto.Signer
		err error
	)
	switch alg {
	case "RS256", "PS256":
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	case "ES256":
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "EdDSA":
		_, key, err = ed25519.GenerateKey(rand.Reader)
	default:
		tb.Fatalf("jwttest: no key type for %s", alg)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return Signer{KID: kid, Method: jwt.GetSigningMethod(alg), Key: key}
}

// Public is the signer's public key.
func (s Signer) Public() crypto.PublicKey { return s.Key.Public() }

// PublicPEM is the signer's public key as a PEM PUBLIC KEY block.
func (s Signer) PublicPEM(tb testing.TB) []byte {
	tb.Helper()
	der, err := x509.MarshalPKIXPublicKey(s.Public())
	if err != nil {
		tb.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// Mint signs claims, naming the signer's kid in the header when it has one.
func (s Signer) Mint(tb testing.TB, claims jwtauth.Claims) string {
	tb.Helper()
	token := jwt.NewWithClaims(s.Method, claims)
	if s.KID != "" {
		token.Header["kid"] = s.KID
	}
	signed, err := token.SignedString(s.Key)
	if err != nil {
		tb.Fatal(err)
	}
	return signed
}

// JWKS is an httptest server answering GET with a JWK Set.
type JWKS struct {
	*httptest.Server
	mu      sync.Mutex
	body    []byte
	status  int           // answered instead of the set when not 200
	hang    chan struct{} // non-nil: requests block until it is closed
	fetches atomic.Int64
}

// NewJWKS serves the public keys of signers, until the test ends.
func NewJWKS(tb testing.TB, signers ...Signer) *JWKS {
	tb.Helper()
	j := &JWKS{status: http.StatusOK}
	j.Set(tb, signers...)
	j.Server = httptest.NewServer(http.HandlerFunc(j.serve))
	tb.Cleanup(func() {
		j.Respond(http.StatusOK) // release hanging requests, or Close waits for them
		j.Close()
	})
	return j
}

// URL is where the key set is served.
func (j *JWKS) URL() string { return j.Server.URL + "/keys" }

// Set replaces the served keys: a key rotation.
func (j *JWKS) Set(tb testing.TB, signers ...Signer) {
	tb.Helper()
	set := jwkset.NewMemoryStorage()
	for _, s := range signers {
		jwk, err := jwkset.NewJWKFromKey(s.Public(), jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{
			KID: s.KID, ALG: jwkset.ALG(s.Method.Alg()), USE: jwkset.UseSig,
		}})
		if err != nil {
			tb.Fatal(err)
		}
		if err := set.KeyWrite(context.Background(), jwk); err != nil {
			tb.Fatal(err)
		}
	}
	body, err := set.JSONPublic(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	j.SetRaw(body)
}

// SetRaw serves body as the key set.
func (j *JWKS) SetRaw(body []byte) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.body = body
}

// Respond makes the endpoint answer status (200: the key set; otherwise an
// empty body with that status) and releases requests held by Hang.
func (j *JWKS) Respond(status int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.status = status
	if j.hang != nil {
		close(j.hang)
		j.hang = nil
	}
}

// Hang makes requests block until Respond is called or the client gives up.
func (j *JWKS) Hang() {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.hang == nil {
		j.hang = make(chan struct{})
	}
}

// Fetches counts the requests the endpoint has received.
func (j *JWKS) Fetches() int { return int(j.fetches.Load()) }

func (j *JWKS) serve(w http.ResponseWriter, r *http.Request) {
	j.fetches.Add(1)
	j.mu.Lock()
	hang := j.hang
	j.mu.Unlock()
	if hang != nil {
		select {
		case <-hang:
		case <-r.Context().Done():
			return
		}
	}
	j.mu.Lock()
	status, body := j.status, j.body
	j.mu.Unlock()
	if status != http.StatusOK {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
}
