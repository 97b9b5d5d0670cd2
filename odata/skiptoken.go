package odata

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/graph-linkedin/invitations"
)

// A skip token is base64url, unpadded, of
//
//	version (1 byte) | uvarint(Key in Unix milliseconds) | ID | checksum (8 bytes)
//
// where checksum is the first 8 bytes of
//
//	SHA-256(skipTokenDomain | uvarint(len(binding)) | binding | everything before it).
//
// The checksum has no secret key, on purpose. Anyone can forge a token, but
// a cursor only says where to resume inside the caller's own query: the
// store still applies the tenant, the caller's visibility and the filter, so
// a forged cursor can move only among results the caller may see anyway,
// just as $skip can. What matters is catching accidents and casual edits: a
// truncated or mangled link, a token replayed with another $filter or
// $orderby (the binding), or a changed byte; 64 bits make an accidental
// match negligible. A key would add rotation and distribution for no gain.
const (
	skipTokenVersion  = 1
	skipTokenDomain   = "graph-linkedin/invitations $skiptoken\x00"
	skipTokenSumLen   = 8
	maxSkipTokenIDLen = 128 // bytes; ids are UUIDs, 36 bytes
	// maxSkipTokenLen bounds the work a decode does, in characters.
	maxSkipTokenLen = 256
	// maxSkipTokenMillis is the start of year 10000: later keys (and
	// earlier than 1970) are no time a row can have, and some databases
	// refuse them, so a forged token must not reach the store with one.
	maxSkipTokenMillis = 253402300800000
)

// EncodeSkipToken returns the opaque $skiptoken for resuming after c, bound
// to binding: a canonical string of the query's other options, so the token
// is refused with any other. c.Key is kept to the millisecond, the precision
// the stores keep. c.ID is a store's id (short, valid UTF-8), and c.Key a
// row's time (from 1970 on), or DecodeSkipToken refuses the token.
func EncodeSkipToken(c invitations.Cursor, binding string) string {
	b := make([]byte, 0, 1+binary.MaxVarintLen64+len(c.ID)+skipTokenSumLen)
	b = append(b, skipTokenVersion)
	b = binary.AppendUvarint(b, uint64(c.Key.UnixMilli()))
	b = append(b, c.ID...)
	b = append(b, skipTokenSum(b, binding)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeSkipToken returns the cursor in token, which must have come from
// EncodeSkipToken with the same binding. Key is in UTC.
func DecodeSkipToken(token, binding string) (invitations.Cursor, error) {
	const retry = "; follow @odata.nextLink as given, or start again without $skiptoken"
	if token == "" {
		return invitations.Cursor{}, invalid("$skiptoken", "empty"+retry)
	}
	if len(token) > maxSkipTokenLen {
		return invitations.Cursor{}, invalid("$skiptoken", "longer than any token this service issues"+retry)
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) < 1+1+skipTokenSumLen {
		return invitations.Cursor{}, invalid("$skiptoken", "malformed"+retry)
	}
	body, sum := b[:len(b)-skipTokenSumLen], b[len(b)-skipTokenSumLen:]
	if !bytes.Equal(sum, skipTokenSum(body, binding)) {
		return invitations.Cursor{}, invalid("$skiptoken",
			"altered, or issued for different query options"+retry)
	}
	// The checksum holds, so what follows only fails for a token made on
	// purpose, or by a later version of this code.
	if body[0] != skipTokenVersion {
		return invitations.Cursor{}, invalid("$skiptoken", "unknown version"+retry)
	}
	ms, n := binary.Uvarint(body[1:])
	if n <= 0 || ms >= maxSkipTokenMillis {
		return invitations.Cursor{}, invalid("$skiptoken", "malformed position"+retry)
	}
	id := string(body[1+n:])
	if !validID(id) {
		return invitations.Cursor{}, invalid("$skiptoken", "malformed id"+retry)
	}
	c := invitations.Cursor{Key: time.UnixMilli(int64(ms)).UTC(), ID: id}
	// One cursor, one token: refuse other spellings (padded varints,
	// stray base64 bits) so tokens can be compared as strings.
	if EncodeSkipToken(c, binding) != token {
		return invitations.Cursor{}, invalid("$skiptoken", "malformed"+retry)
	}
	return c, nil
}

// skipTokenSum returns the checksum binding body to binding. The length
// prefix keeps binding and body apart: no other split of the same bytes
// gives the same input.
func skipTokenSum(body []byte, binding string) []byte {
	h := sha256.New()
	h.Write([]byte(skipTokenDomain))
	h.Write(binary.AppendUvarint(nil, uint64(len(binding))))
	h.Write([]byte(binding))
	h.Write(body)
	return h.Sum(nil)[:skipTokenSumLen]
}

// validID reports whether id could be a store's id: the decoded id goes to
// the database, which must not get invalid text from a forged token.
func validID(id string) bool {
	if id == "" || len(id) > maxSkipTokenIDLen || !utf8.ValidString(id) {
		return false
	}
	for _, r := range id {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
