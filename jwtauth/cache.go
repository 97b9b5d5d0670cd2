package jwtauth

import (
	"crypto/sha256"
	"fmt"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/graph-linkedin/invitations"
)

// tokenCache remembers tokens that passed verification, so that a client
// sending the same token on every request pays for its RS256 or ES256
// signature once. It holds only successes: a token it does not know is
// verified in full. Keys are the SHA-256 of the raw token, so the cache
// holds no bearer credentials, and a token differing in any byte (a
// tampered payload, another signature) is another key. It is bounded (least
// recently used entries go first) and safe for concurrent use.
type tokenCache struct {
	lru *lru.Cache[[32]byte, cachedCaller]
}

type cachedCaller struct {
	caller invitations.Caller // its slices are clipped, so an append copies
	exp    time.Time          // the token's exp: the entry is dead from then on
}

// tokenHash is the cache key of token. It hashes a copy on the stack: the
// conversion []byte(token) would allocate a copy on the heap per request.
func tokenHash(token string) [32]byte {
	var buf [4096]byte
	if len(token) > len(buf) {
		return sha256.Sum256([]byte(token))
	}
	n := copy(buf[:], token)
	return sha256.Sum256(buf[:n])
}

func newTokenCache(size int) (*tokenCache, error) {
	c, err := lru.New[[32]byte, cachedCaller](size)
	if err != nil {
		return nil, fmt.Errorf("jwtauth: token cache: %w", err)
	}
	return &tokenCache{lru: c}, nil
}

// get returns the caller of the token whose hash is sum, if it passed
// verification and has not expired by now.
func (c *tokenCache) get(sum [32]byte, now time.Time) (invitations.Caller, bool) {
	e, ok := c.lru.Get(sum)
	if !ok {
		return invitations.Caller{}, false
	}
	if !now.Before(e.exp) {
		c.lru.Remove(sum)
		return invitations.Caller{}, false
	}
	return e.caller, true
}

// add remembers a verified token's caller until exp. A token verified within
// the leeway after its exp is not remembered: it is verified again each time
// until the leeway is over.
func (c *tokenCache) add(sum [32]byte, caller invitations.Caller, exp, now time.Time) {
	if !now.Before(exp) {
		return
	}
	c.lru.Add(sum, cachedCaller{caller: caller, exp: exp})
}
