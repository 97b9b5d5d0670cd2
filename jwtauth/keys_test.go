package jwtauth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"math/big"
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

const (
	issuer   = "https://login.example.com/6f1c2d3e/v2.0"
	audience = "api://invitations"
)

var prodOptions = jwtauth.Options{Issuer: issuer, Audience: audience}

// prodClaims are valid claims for the production issuer and audience.
func prodClaims() jwtauth.Claims {
	c := valid()
	c.Issuer = issuer
	c.Audience = jwt.ClaimStrings{audience}
	return c
}

// writePEM writes b to a file and returns its path.
func writePEM(t *testing.T, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Each key type accepts its own algorithms and nothing else, whatever the
// token's header says.
func TestPublicKeyAlgorithms(t *testing.T) {
	signers := map[string]jwttest.Signer{}
	for _, alg := range []string{"RS256", "PS256", "ES256", "EdDSA"} {
		signers[alg] = jwttest.NewSigner(t, alg, "")
	}
	// The RSA key of the RS256 signer, signing PS256: the same key, the
	// other accepted padding.
	rsaPSS := signers["RS256"]
	rsaPSS.Method = jwt.SigningMethodPS256
	tests := []struct {
		name   string
		key    jwttest.Signer // the verifier's key
		signer jwttest.Signer
		ok     bool
	}{
		{"RS256", signers["RS256"], signers["RS256"], true},
		{"PS256 with an RS256 key", signers["RS256"], rsaPSS, true},
		{"PS256", signers["PS256"], signers["PS256"], true},
		{"ES256", signers["ES256"], signers["ES256"], true},
		{"EdDSA", signers["EdDSA"], signers["EdDSA"], true},
		{"ES256 token, RSA key", signers["RS256"], signers["ES256"], false},
		{"EdDSA token, EC key", signers["ES256"], signers["EdDSA"], false},
		{"RS256 token, Ed25519 key", signers["EdDSA"], signers["RS256"], false},
		{"another RSA key", signers["RS256"], signers["PS256"], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := jwtauth.NewPublicKeyFile(writePEM(t, tt.key.PublicPEM(t)), prodOptions)
			if err != nil {
				t.Fatal(err)
			}
			_, err = v.Verify(context.Background(), tt.signer.Mint(t, prodClaims()))
			if tt.ok && err != nil {
				t.Errorf("Verify = %v; want nil", err)
			}
			if !tt.ok && !errors.Is(err, invitations.ErrUnauthenticated) {
				t.Errorf("Verify = %v; want ErrUnauthenticated", err)
			}
		})
	}
}

// A production verifier refuses HS256, whatever the secret (here the RSA
// public key's PEM, the classic algorithm confusion), and alg none.
func TestPublicKeyRefusesSymmetricAndNone(t *testing.T) {
	s := jwttest.NewSigner(t, "RS256", "")
	pemBytes := s.PublicPEM(t)
	v, err := jwtauth.NewPublicKeyFile(writePEM(t, pemBytes), prodOptions)
	if err != nil {
		t.Fatal(err)
	}
	confused, err := jwtauth.MintHS256(pemBytes, prodClaims())
	if err != nil {
		t.Fatal(err)
	}
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, prodClaims()).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	for name, token := range map[string]string{"HS256 keyed with the public key": confused, "alg none": none} {
		if _, err := v.Verify(context.Background(), token); !errors.Is(err, invitations.ErrUnauthenticated) {
			t.Errorf("Verify(%s) = %v; want ErrUnauthenticated", name, err)
		}
	}
}

func TestNewPublicKeyFileRefuses(t *testing.T) {
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pkix := func(key any) []byte {
		der, err := x509.MarshalPKIXPublicKey(key)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	}
	private, err := x509.MarshalPKCS8PrivateKey(p384)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		pem  []byte
		want string // the error names this
	}{
		{"not PEM", []byte("hello"), "no PEM block"},
		{"a private key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: private}), "not a public key"},
		{"RSA 1024", pkix(&weak.PublicKey), "unsupported public key"},
		{"EC P-384", pkix(&p384.PublicKey), "unsupported public key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := jwtauth.NewPublicKeyFile(writePEM(t, tt.pem), prodOptions)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewPublicKeyFile = %v; want an error saying %q", err, tt.want)
			}
		})
	}
	key := jwttest.NewSigner(t, "ES256", "").PublicPEM(t)
	for _, opts := range []jwtauth.Options{{Issuer: issuer}, {Audience: audience}} {
		if _, err := jwtauth.NewPublicKeyFile(writePEM(t, key), opts); err == nil {
			t.Errorf("NewPublicKeyFile(%+v) = nil error; want one: issuer and audience are required", opts)
		}
	}
	if _, err := jwtauth.NewPublicKeyFile(filepath.Join(t.TempDir(), "missing.pem"), prodOptions); err == nil {
		t.Error("NewPublicKeyFile(missing file) = nil error; want one")
	}
}

// A PKCS #1 RSA PUBLIC KEY and a CERTIFICATE are read too.
func TestNewPublicKeyFileFormats(t *testing.T) {
	s := jwttest.NewSigner(t, "RS256", "")
	pub := s.Public().(*rsa.PublicKey)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, s.Key)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"RSA PUBLIC KEY": pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(pub)}),
		"CERTIFICATE":    pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert}),
	}
	for name, b := range files {
		v, err := jwtauth.NewPublicKeyFile(writePEM(t, b), prodOptions)
		if err != nil {
			t.Fatalf("NewPublicKeyFile(%s) = %v", name, err)
		}
		if _, err := v.Verify(context.Background(), s.Mint(t, prodClaims())); err != nil {
			t.Errorf("Verify with a %s = %v; want nil", name, err)
		}
	}
}
