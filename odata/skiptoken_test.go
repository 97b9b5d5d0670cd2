package odata_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/odata"
)

const (
	uuid    = "3f2b6c1e-9a4d-4e8b-b1f7-0c5d2e9a7b31"
	binding = "$filter=inviter eq 'urn:li:person:a'&$orderby=created desc&$top=20"
	millis  = 1795628728473
)

// cursor is a typical cursor: a store's id and time.
func cursor() invitations.Cursor {
	return invitations.Cursor{Key: time.UnixMilli(millis).UTC(), ID: uuid}
}

func TestSkipTokenRoundTrip(t *testing.T) {
	tests := []struct {
		c       invitations.Cursor
		binding string
	}{
		{cursor(), binding},
		{cursor(), ""},
		{invitations.Cursor{Key: time.UnixMilli(0).UTC(), ID: "x"}, "b"},
		{invitations.Cursor{Key: time.UnixMilli(253402300799999).UTC(), ID: strings.Repeat("é", 64)}, strings.Repeat("b", 5000)},
		{invitations.Cursor{Key: cursor().Key, ID: "id with spaces, 'quotes' and ünïcødé 🙂"}, "\x00\xff"},
	}
	for _, tt := range tests {
		token := odata.EncodeSkipToken(tt.c, tt.binding)
		if strings.ContainsAny(token, "+/=") {
			t.Errorf("EncodeSkipToken(%+v) = %q; want unpadded base64url", tt.c, token)
		}
		got, err := odata.DecodeSkipToken(token, tt.binding)
		if err != nil {
			t.Errorf("DecodeSkipToken(EncodeSkipToken(%+v)) error = %v; want nil", tt.c, err)
			continue
		}
		if diff := cmp.Diff(tt.c, got); diff != "" {
			t.Errorf("DecodeSkipToken(EncodeSkipToken(%+v)) mismatch (-want +got):\n%s", tt.c, diff)
		}
	}
}

// The stores keep milliseconds, so that is all a token carries; the decoded
// key is in UTC whatever the zone it was encoded in.
func TestSkipTokenKeepsMilliseconds(t *testing.T) {
	key := time.Date(2026, 11, 25, 18, 0, 0, 123_456_789, time.FixedZone("CET", 3600))
	token := odata.EncodeSkipToken(invitations.Cursor{Key: key, ID: uuid}, binding)
	got, err := odata.DecodeSkipToken(token, binding)
	want := invitations.Cursor{Key: time.Date(2026, 11, 25, 17, 0, 0, 123_000_000, time.UTC), ID: uuid}
	if err != nil || got.ID != want.ID || !got.Key.Equal(want.Key) || got.Key.Location() != time.UTC {
		t.Errorf("DecodeSkipToken(EncodeSkipToken(%v)) = %+v, %v; want %+v, nil", key, got, err, want)
	}
}

func TestSkipTokenIsShort(t *testing.T) {
	token := odata.EncodeSkipToken(cursor(), binding)
	if len(token) >= 100 {
		t.Errorf("len(EncodeSkipToken(<UUID cursor>)) = %d (%s); want under 100", len(token), token)
	}
}

func TestSkipTokenBinding(t *testing.T) {
	token := odata.EncodeSkipToken(cursor(), binding)
	for _, other := range []string{"", binding + " ", strings.Replace(binding, "desc", "asc", 1), strings.ToUpper(binding)} {
		_, err := odata.DecodeSkipToken(token, other)
		if err == nil {
			t.Errorf("DecodeSkipToken(<token for %q>, %q) error = nil; want an error", binding, other)
			continue
		}
		checkInvalid(t, "DecodeSkipToken", err, "$skiptoken")
	}
}

// Changing any byte of the token, or of what it encodes, is caught.
func TestSkipTokenTampered(t *testing.T) {
	token := odata.EncodeSkipToken(cursor(), binding)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range len(token) {
		for _, c := range alphabet {
			if byte(c) == token[i] {
				continue
			}
			bad := token[:i] + string(c) + token[i+1:]
			if got, err := odata.DecodeSkipToken(bad, binding); err == nil {
				t.Fatalf("DecodeSkipToken(%q) = %+v; want an error (character %d of %q changed)", bad, got, i, token)
			}
		}
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		t.Fatal(err)
	}
	for i := range raw {
		for bit := range 8 {
			b := append([]byte(nil), raw...)
			b[i] ^= 1 << bit
			bad := base64.RawURLEncoding.EncodeToString(b)
			if got, err := odata.DecodeSkipToken(bad, binding); err == nil {
				t.Fatalf("DecodeSkipToken(%q) = %+v; want an error (bit %d of byte %d flipped)", bad, got, bit, i)
			}
		}
	}
}

func TestSkipTokenTruncated(t *testing.T) {
	token := odata.EncodeSkipToken(cursor(), binding)
	for i := range len(token) {
		_, err := odata.DecodeSkipToken(token[:i], binding)
		if err == nil {
			t.Errorf("DecodeSkipToken(%q) error = nil; want an error", token[:i])
			continue
		}
		checkInvalid(t, "DecodeSkipToken", err, "$skiptoken")
	}
	if _, err := odata.DecodeSkipToken(token+"A", binding); err == nil {
		t.Errorf("DecodeSkipToken(%q) error = nil; want an error", token+"A")
	}
}

// forge builds a token from body the way skiptoken.go documents, checksum
// included: what someone who read the code could send.
func forge(body []byte, binding string) string {
	h := sha256.New()
	h.Write([]byte("graph-linkedin/invitations $skiptoken\x00"))
	h.Write(binary.AppendUvarint(nil, uint64(len(binding))))
	h.Write([]byte(binding))
	h.Write(body)
	return base64.RawURLEncoding.EncodeToString(append(body, h.Sum(nil)[:8]...))
}

// body returns the version, the varint key and the id.
func body(version byte, ms uint64, id string) []byte {
	return append(binary.AppendUvarint([]byte{version}, ms), id...)
}

func TestDecodeSkipTokenInvalid(t *testing.T) {
	valid := odata.EncodeSkipToken(cursor(), binding)
	// 16 bytes, so base64 would pad it.
	short := odata.EncodeSkipToken(invitations.Cursor{Key: cursor().Key, ID: "x"}, binding)
	const retry = "; follow @odata.nextLink as given, or start again without $skiptoken"
	tests := []struct {
		name, token, want string // want is the message after "$skiptoken: "
	}{
		{"empty", "", "empty" + retry},
		{"too long", strings.Repeat("A", 257), "longer than any token this service issues" + retry},
		{"not base64url", strings.Replace(valid, valid[:1], "+", 1), "malformed" + retry},
		{"padded", short + "==", "malformed" + retry},
		{"spaces", " " + valid, "malformed" + retry},
		{"too short", "AAAA", "malformed" + retry},
		{"another binding", odata.EncodeSkipToken(cursor(), "x"), "altered, or issued for different query options" + retry},
		{"the forged template itself", forge(body(1, millis, uuid), binding), ""},
		{"unknown version", forge(body(2, 1, uuid), binding), "unknown version" + retry},
		{"truncated varint", forge([]byte{1, 0x80}, binding), "malformed position" + retry},
		{"overlong varint", forge([]byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 'x'}, binding), "malformed position" + retry},
		{"key in year 10000", forge(body(1, 253402300800000, uuid), binding), "malformed position" + retry},
		{"key before 1970", forge(body(1, 1<<63, uuid), binding), "malformed position" + retry},
		{"padded varint", forge([]byte{1, 0x81, 0x00, 'x'}, binding), "malformed" + retry},
		{"no id", forge(body(1, 1, ""), binding), "malformed id" + retry},
		{"id not UTF-8", forge(body(1, 1, "\xff"), binding), "malformed id" + retry},
		{"id with a control character", forge(body(1, 1, "a\x00"), binding), "malformed id" + retry},
		{"id too long", forge(body(1, 1, strings.Repeat("x", 129)), binding), "malformed id" + retry},
	}
	for _, tt := range tests {
		got, err := odata.DecodeSkipToken(tt.token, binding)
		if tt.want == "" {
			// Proves forge matches the real format, so the cases above
			// reach the checks after the checksum.
			if err != nil || got.ID != uuid {
				t.Errorf("%s: DecodeSkipToken(%q) = %+v, %v; want the cursor, nil", tt.name, tt.token, got, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: DecodeSkipToken(%q) = %+v; want error %q", tt.name, tt.token, got, tt.want)
			continue
		}
		msg := checkInvalid(t, "DecodeSkipToken", err, "$skiptoken")
		if want := "$skiptoken: " + tt.want; msg != want {
			t.Errorf("%s: DecodeSkipToken(%q) error = %q; want %q", tt.name, tt.token, msg, want)
		}
	}
}
