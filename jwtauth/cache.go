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
// verified in full. It is bounded (least recently used entries go first)
// and safe for concurrent use.
//
// A token is its own key (see cacheKey): a token differing in any byte (a
// tampered payload, another signature) is another key, compared in full,
// so there is no collision to reason about; and finding it costs a map
// lookup, where hashing it with SHA-256 first cost about 4% of a request.
// That is safe because what the cache keeps is what the process holds
// anyway: only tokens that verified, each only until its exp, when it stops
// being a credential; the process receives every one of them on every
// request, and keeps them in memory only, never on disk or in a log. Its
// memory is bounded: at most size keys of at most maxKeyBytes each (40 MiB
// for the default size); a longer token is keyed by its SHA-256.
type tokenCache struct {
	lru *lru.Cache[string, cachedCaller]
}

type cachedCaller struct {
	caller invitations.Caller // its slices are clipped, so an append copies
	exp    time.Time          // the token's exp: the entry is dead from then on
}

// maxKeyBytes is the longest token that is its own cache key.
const maxKeyBytes = 4 << 10

// cacheKey is token's key in the cache: the token itself, or for a token
// longer than maxKeyBytes, a NUL (which no JWT contains) and its SHA-256.
func cacheKey(token string) string {
	if len(token) <= maxKeyBytes {
		return token
	}
	sum := sha256.Sum256([]byte(token))
	return "\x00" + string(sum[:])
}

func newTokenCache(size int) (*tokenCache, error) {
	c, err := lru.New[string, cachedCaller](size)
	if err != nil {
		return nil, fmt.Errorf("jwtauth: token cache: %w", err)
	}
	return &tokenCache{lru: c}, nil
}

// get returns the caller of the token whose key is key, if it passed
// verification and has not expired by now.
func (c *tokenCache) get(key string, now time.Time) (invitations.Caller, bool) {
	e, ok := c.lru.Get(key)
	if !ok {
		return invitations.Caller{}, false
	}
	if !now.Before(e.exp) {
		c.lru.Remove(key)
		return invitations.Caller{}, false
	}
	return e.caller, true
}

// add remembers a verified token's caller until exp. A token verified within
// the leeway after its exp is not remembered: it is verified again each time
// until the leeway is over.
func (c *tokenCache) add(key string, caller invitations.Caller, exp, now time.Time) {
	if !now.Before(exp) {
		return
	}
	c.lru.Add(key, cachedCaller{caller: caller, exp: exp})
}
