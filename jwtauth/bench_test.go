package jwtauth_test

import (
	"context"
	"testing"

	"github.com/graph-linkedin/invitations/jwtauth"
	"github.com/graph-linkedin/invitations/jwttest"
)

// benchVerify measures Verify of one token, as a client sending the same
// token on every request causes, over keys from a JWKS. cacheSize < 0 turns
// the cache off, so every call checks the signature.
func benchVerify(b *testing.B, alg string, cacheSize int) {
	s := jwttest.NewSigner(b, alg, "k1")
	j := jwttest.NewJWKS(b, s)
	opts := jwtauth.JWKSOptions{Options: prodOptions}
	opts.CacheSize = cacheSize
	v, err := jwtauth.NewJWKS(b.Context(), j.URL(), opts)
	if err != nil {
		b.Fatal(err)
	}
	token := s.Mint(b, prodClaims())
	ctx := context.Background()
	if _, err := v.Verify(ctx, token); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, token); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyCachedRS256(b *testing.B)   { benchVerify(b, "RS256", 0) }
func BenchmarkVerifyUncachedRS256(b *testing.B) { benchVerify(b, "RS256", -1) }
func BenchmarkVerifyCachedES256(b *testing.B)   { benchVerify(b, "ES256", 0) }
func BenchmarkVerifyUncachedES256(b *testing.B) { benchVerify(b, "ES256", -1) }

// The cached path from every core at once: the cache's lock under contention.
func BenchmarkVerifyCachedRS256Parallel(b *testing.B) {
	s := jwttest.NewSigner(b, "RS256", "k1")
	v, err := jwtauth.NewPublicKey(s.Public(), prodOptions)
	if err != nil {
		b.Fatal(err)
	}
	token := s.Mint(b, prodClaims())
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := v.Verify(context.Background(), token); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
