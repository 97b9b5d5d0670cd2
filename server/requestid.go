package server

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"sync/atomic"
)

// requestIDs makes request ids, UUID-shaped as Graph's are: RFC 9562's
// version 8 (its layout is the maker's), of a random prefix drawn once per
// process and a counter. Two instances share a prefix with a chance of
// 2^-60 per pair, and one instance repeats an id after 2^62 requests; a
// random UUID per request (uuid.NewString) read the system's random source
// every time, which cost about as much as the rest of identifying the
// request.
type requestIDs struct {
	prefix  [8]byte // random, the version nibble set
	counter atomic.Uint64
}

func newRequestIDs() *requestIDs {
	g := &requestIDs{}
	var seed [16]byte
	_, _ = rand.Read(seed[:]) // crypto/rand.Read never fails (Go 1.24)
	copy(g.prefix[:], seed[:8])
	g.prefix[6] = g.prefix[6]&0x0f | 0x80 // version 8
	g.counter.Store(binary.BigEndian.Uint64(seed[8:]))
	return g
}

// next returns a new request id.
func (g *requestIDs) next() string {
	var u [16]byte
	copy(u[:8], g.prefix[:])
	binary.BigEndian.PutUint64(u[8:], g.counter.Add(1))
	u[8] = u[8]&0x3f | 0x80 // the RFC 9562 variant
	var s [36]byte
	hex.Encode(s[0:8], u[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], u[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], u[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], u[8:10])
	s[23] = '-'
	hex.Encode(s[24:], u[10:])
	return string(s[:])
}
