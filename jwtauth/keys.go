package jwtauth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/golang-jwt/jwt/v5"
)

// productionAlgorithms are every algorithm a production key may use. HS256
// and none are absent: a Verifier over production keys refuses them before
// it looks for a key.
var productionAlgorithms = []string{"RS256", "PS256", "ES256", "EdDSA"}

// minRSABits is the smallest RSA modulus accepted.
const minRSABits = 2048

// algorithms are the signing algorithms key accepts: the key decides, never
// the token's header. A key of another type or size accepts none.
func algorithms(key crypto.PublicKey) []string {
	switch k := key.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() >= minRSABits {
			return []string{"RS256", "PS256"}
		}
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P256() {
			return []string{"ES256"}
		}
	case ed25519.PublicKey:
		return []string{"EdDSA"}
	}
	return nil
}

// errNoKey is a token for which no key was found: its kid is unknown, or
// the key it names does not accept its algorithm.
var errNoKey = errors.New("no signing key fits the token's kid and algorithm")

// allow returns key if it accepts the token's algorithm. From a set of keys
// (a token without kid, with a JWKS) it keeps those that do.
func allow(token *jwt.Token, key any) (any, error) {
	alg := token.Method.Alg()
	if set, ok := key.(jwt.VerificationKeySet); ok {
		var keys []jwt.VerificationKey
		for _, k := range set.Keys {
			if slices.Contains(algorithms(k), alg) {
				keys = append(keys, k)
			}
		}
		if len(keys) == 0 {
			return nil, errNoKey
		}
		return jwt.VerificationKeySet{Keys: keys}, nil
	}
	if !slices.Contains(algorithms(key), alg) {
		return nil, errNoKey
	}
	return key, nil
}

// NewPublicKey returns a Verifier for tokens signed with the private half of
// key: an RSA key of 2048 bits or more (RS256, PS256), an EC P-256 key
// (ES256) or an Ed25519 key (EdDSA).
func NewPublicKey(key crypto.PublicKey, opts Options) (*Verifier, error) {
	algs := algorithms(key)
	if len(algs) == 0 {
		return nil, fmt.Errorf("jwtauth: unsupported public key %T; want RSA (%d bits or more), EC P-256 or Ed25519", key, minRSABits)
	}
	keyfunc := func(*jwt.Token) (any, error) { return key, nil }
	return newVerifier(opts, algs, func(context.Context) jwt.Keyfunc { return keyfunc })
}

// NewPublicKeyFile is NewPublicKey with the key read from a PEM file: a
// PUBLIC KEY (PKIX), an RSA PUBLIC KEY (PKCS #1) or a CERTIFICATE.
func NewPublicKeyFile(path string, opts Options) (*Verifier, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("jwtauth: read public key: %w", err)
	}
	key, err := parsePublicKeyPEM(b)
	if err != nil {
		return nil, fmt.Errorf("jwtauth: %s: %w", path, err)
	}
	return NewPublicKey(key, opts)
}

// parsePublicKeyPEM parses the first PEM block of b as a public key.
func parsePublicKeyPEM(b []byte) (crypto.PublicKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	switch block.Type {
	case "PUBLIC KEY":
		return x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		return x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		return cert.PublicKey, nil
	}
	return nil, fmt.Errorf("PEM block %q is not a public key or certificate", block.Type)
}
