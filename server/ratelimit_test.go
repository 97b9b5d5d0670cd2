package server_test

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/server"
	"github.com/graph-linkedin/invitations/storetest"
)

// The RateLimit-Policy and RateLimit fields (draft-ietf-httpapi-ratelimit-
// headers -09, -10) are read as a client of the draft would: as Structured
// Field Lists (RFC 9651), parsed by sfList below, not by matching the text
// the server happens to write.

// rateFields are the two fields of one answer, parsed: the policy's q and w,
// the state's r and t.
type rateFields struct{ q, w, r, t int64 }

// rateFieldsOf parses res's RateLimit-Policy and RateLimit fields, each a
// List of exactly one Item, the String "default", with exactly the
// parameters q and w, and r and t, all non-negative Integers.
func rateFieldsOf(t *testing.T, res *http.Response) rateFields {
	t.Helper()
	var f rateFields
	for _, field := range []struct {
		name string
		keys [2]string
		to   [2]*int64
	}{
		{"RateLimit-Policy", [2]string{"q", "w"}, [2]*int64{&f.q, &f.w}},
		{"RateLimit", [2]string{"r", "t"}, [2]*int64{&f.r, &f.t}},
	} {
		lines := res.Header.Values(field.name)
		if len(lines) == 0 {
			t.Fatalf("%s %s: no %s field", res.Request.Method, res.Request.URL.Path, field.name)
		}
		// Field lines of one name are one List (RFC 9651 section 4.2).
		list, err := sfList(strings.Join(lines, ", "))
		if err != nil {
			t.Fatalf("%s: %q is not a Structured Field List: %v", field.name, lines, err)
		}
		if len(list) != 1 || list[0].value != sfString("default") || len(list[0].params) != 2 {
			t.Fatalf("%s: %q; want one item, \"default\", with %s and %s", field.name, lines, field.keys[0], field.keys[1])
		}
		for i, key := range field.keys {
			p := list[0].params[i]
			n, ok := p.value.(int64)
			if p.key != key || !ok || n < 0 {
				t.Fatalf("%s: %q; want parameter %d to be %s, a non-negative Integer", field.name, lines, i+1, key)
			}
			*field.to[i] = n
		}
	}
	return f
}

// TestRateLimitFields follows one caller's bucket (0.5 requests a second, 3
// at once) on a clock the test moves, through answers of every kind: a
// list, a 404, a subscription list (whose 200 declares the fields: the
// spec's pattern checks them too), a 429, a HEAD's 429. r counts down
// whatever the status; t is the seconds until the bucket holds one more
// whole request, Retry-After on a 429.
func TestRateLimitFields(t *testing.T) {
	clock := storetest.NewClock()
	e := newEnv(t, func(o *server.Options) {
		o.Throttle = server.Throttle{Rate: 0.5, Burst: 3}
		o.Now = clock.Now
	})
	token := delegated(t, tenantA, alice, invitations.PermReadWrite)
	list := e.url + "/linkedIn/invitations"
	missing := list + "/3f0c8e1a-6a3d-4f57-9a8e-2b7d4c1e9f60"
	subscriptions := e.url + "/subscriptions"
	for i, step := range []struct {
		wait      time.Duration // moves the clock before the request
		method    string
		url       string
		status    int
		r, t      int64
		comment   string
		wantAfter string // Retry-After
	}{
		{0, http.MethodGet, list, 200, 2, 2, "a full bucket of 3, less this one; the next in 1/0.5 s", ""},
		{0, http.MethodGet, missing, 404, 1, 2, "a refusal after the throttle counts", ""},
		{0, http.MethodGet, subscriptions, 200, 0, 2, "", ""},
		{0, http.MethodGet, list, 429, 0, 2, "empty: the next request in 2 s", "2"},
		{time.Second, http.MethodHead, list, 429, 0, 1, "half a request back: the other half in 1 s", "1"},
		{time.Second, http.MethodGet, list, 200, 0, 2, "one back, and spent", ""},
		{2500 * time.Millisecond, http.MethodGet, list, 200, 0, 2, "1.25 back, 1 spent: 0.75 to go, 1.5 s", ""},
		{time.Hour, http.MethodGet, list, 200, 2, 2, "full again (never more than 3)", ""},
	} {
		clock.Add(step.wait)
		res, body := e.doAs(token, step.method, step.url, "")
		if res.StatusCode != step.status {
			t.Fatalf("step %d: %s %s = %d; want %d: %s", i+1, step.method, step.url, res.StatusCode, step.status, body)
		}
		got := rateFieldsOf(t, res)
		want := rateFields{q: 3, w: 6, r: step.r, t: step.t}
		if got != want {
			t.Errorf("step %d (%s): q, w, r, t = %d, %d, %d, %d; want %d, %d, %d, %d", i+1, step.comment,
				got.q, got.w, got.r, got.t, want.q, want.w, want.r, want.t)
		}
		if after := res.Header.Get("Retry-After"); after != step.wantAfter {
			t.Errorf("step %d: Retry-After = %q; want %q", i+1, after, step.wantAfter)
		}
	}
	// Without a token nothing is throttled, and nothing is told.
	res, _ := e.do(http.MethodGet, list, "")
	if res.StatusCode != http.StatusUnauthorized || res.Header.Get("RateLimit") != "" || res.Header.Get("RateLimit-Policy") != "" {
		t.Errorf("no token: %d, RateLimit %q, RateLimit-Policy %q; want 401 and neither field",
			res.StatusCode, res.Header.Get("RateLimit"), res.Header.Get("RateLimit-Policy"))
	}
}

// TestRateLimitFieldsFollowTheConfiguration empties a caller's bucket at one
// instant, for rates below and above one a second and buckets within and
// past the server's precomputed values (up to 256 requests left): q is the burst, w the seconds the
// bucket takes to fill, r counts down from burst-1 to 0, t is the seconds
// until one more request (1/rate, rounded up), and the request past the
// burst is a 429 with r=0 and t = Retry-After.
func TestRateLimitFieldsFollowTheConfiguration(t *testing.T) {
	for _, tt := range []struct {
		rate  float64
		burst int
	}{
		{0.01, 2}, {0.3, 5}, {10, 25}, {50, 300},
	} {
		t.Run(fmt.Sprintf("%v/s,%d", tt.rate, tt.burst), func(t *testing.T) {
			clock := storetest.NewClock()
			e := newEnv(t, func(o *server.Options) {
				o.Throttle = server.Throttle{Rate: tt.rate, Burst: tt.burst}
				o.Now = clock.Now
			})
			token := delegated(t, tenantA, alice, invitations.PermRead)
			q, w := int64(tt.burst), int64(math.Ceil(float64(tt.burst)/tt.rate))
			next := int64(math.Ceil(1 / tt.rate))
			for i := range tt.burst + 1 {
				res, body := e.doAs(token, http.MethodGet, e.url+"/subscriptions", "")
				want, status := rateFields{q: q, w: w, r: int64(tt.burst - 1 - i), t: next}, http.StatusOK
				if i == tt.burst {
					want.r, status = 0, http.StatusTooManyRequests
					if after := res.Header.Get("Retry-After"); after != strconv.FormatInt(next, 10) {
						t.Errorf("429: Retry-After = %q; want %d", after, next)
					}
				}
				if res.StatusCode != status {
					t.Fatalf("request %d: status = %d; want %d: %s", i+1, res.StatusCode, status, body)
				}
				if got := rateFieldsOf(t, res); got != want {
					t.Fatalf("request %d: q, w, r, t = %d, %d, %d, %d; want %d, %d, %d, %d", i+1,
						got.q, got.w, got.r, got.t, want.q, want.w, want.r, want.t)
				}
			}
		})
	}
}

// sfItem is a Structured Field Item: a bare item (int64, sfString, sfToken or
// bool) and its parameters in order.
type sfItem struct {
	value  any
	params []sfParam
}

type sfParam struct {
	key   string
	value any
}

type (
	sfString string
	sfToken  string
)

// sfList parses a List (RFC 9651 section 4.2.1) of Items whose bare items
// are Integers, Strings, Tokens or Booleans: the subset the RateLimit
// fields use, strictly. Inner Lists, Decimals, Byte Sequences, Dates and
// Display Strings are errors here, and so is a parameter given twice
// (which RFC 9651 would let the last one win). An empty field is an empty
// List.
func sfList(field string) ([]sfItem, error) {
	p := &sfParser{s: strings.Trim(field, " ")}
	var list []sfItem
	for p.i < len(p.s) {
		item, err := p.item()
		if err != nil {
			return nil, err
		}
		list = append(list, item)
		p.skipOWS()
		if p.i == len(p.s) {
			return list, nil
		}
		if p.s[p.i] != ',' {
			return nil, fmt.Errorf("at %d: %q after an item; want a comma", p.i, p.s[p.i])
		}
		p.i++
		p.skipOWS()
		if p.i == len(p.s) {
			return nil, errors.New("a trailing comma")
		}
	}
	return list, nil
}

type sfParser struct {
	s string
	i int
}

func (p *sfParser) skipOWS() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

// item parses an Item: a bare item and its parameters (section 4.2.3).
func (p *sfParser) item() (sfItem, error) {
	if p.i < len(p.s) && p.s[p.i] == '(' {
		return sfItem{}, fmt.Errorf("at %d: an inner list", p.i)
	}
	v, err := p.bareItem()
	if err != nil {
		return sfItem{}, err
	}
	item := sfItem{value: v}
	for p.i < len(p.s) && p.s[p.i] == ';' {
		p.i++
		for p.i < len(p.s) && p.s[p.i] == ' ' {
			p.i++
		}
		key, err := p.key()
		if err != nil {
			return sfItem{}, err
		}
		var value any = true
		if p.i < len(p.s) && p.s[p.i] == '=' {
			p.i++
			if value, err = p.bareItem(); err != nil {
				return sfItem{}, err
			}
		}
		for _, prev := range item.params {
			if prev.key == key {
				return sfItem{}, fmt.Errorf("parameter %q twice", key)
			}
		}
		item.params = append(item.params, sfParam{key, value})
	}
	return item, nil
}

// key parses a key (section 4.2.3.3).
func (p *sfParser) key() (string, error) {
	start := p.i
	if p.i == len(p.s) || !(isLCAlpha(p.s[p.i]) || p.s[p.i] == '*') {
		return "", fmt.Errorf("at %d: a key must start with a lowercase letter or *", p.i)
	}
	for p.i < len(p.s) && (isLCAlpha(p.s[p.i]) || isDigit(p.s[p.i]) || strings.IndexByte("_-.*", p.s[p.i]) >= 0) {
		p.i++
	}
	return p.s[start:p.i], nil
}

// bareItem parses an Integer, a String, a Token or a Boolean (section
// 4.2.3.1).
func (p *sfParser) bareItem() (any, error) {
	if p.i == len(p.s) {
		return nil, errors.New("the field ends where an item was due")
	}
	switch c := p.s[p.i]; {
	case c == '-' || isDigit(c):
		return p.integer()
	case c == '"':
		return p.str()
	case c == '*' || isAlpha(c):
		return p.token(), nil
	case c == '?':
		if p.i+1 < len(p.s) && (p.s[p.i+1] == '0' || p.s[p.i+1] == '1') {
			p.i += 2
			return p.s[p.i-1] == '1', nil
		}
		return nil, fmt.Errorf("at %d: a Boolean is ?0 or ?1", p.i)
	default:
		return nil, fmt.Errorf("at %d: %q starts no bare item of the subset", p.i, c)
	}
}

// integer parses an Integer (section 4.2.4): at most 15 digits, no
// fraction.
func (p *sfParser) integer() (int64, error) {
	start := p.i
	if p.s[p.i] == '-' {
		p.i++
	}
	digits := p.i
	for p.i < len(p.s) && isDigit(p.s[p.i]) {
		p.i++
	}
	switch n := p.i - digits; {
	case n == 0:
		return 0, fmt.Errorf("at %d: a minus sign without digits", start)
	case n > 15:
		return 0, fmt.Errorf("at %d: an Integer of more than 15 digits", start)
	}
	if p.i < len(p.s) && p.s[p.i] == '.' {
		return 0, fmt.Errorf("at %d: a Decimal", start)
	}
	return strconv.ParseInt(p.s[start:p.i], 10, 64)
}

// str parses a String (section 4.2.5): printable ASCII, with \" and \\
// its only escapes.
func (p *sfParser) str() (sfString, error) {
	start := p.i
	p.i++ // the opening quote
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		switch {
		case c == '"':
			return sfString(b.String()), nil
		case c == '\\':
			if p.i == len(p.s) || (p.s[p.i] != '"' && p.s[p.i] != '\\') {
				return "", fmt.Errorf("at %d: a backslash escapes only \" and \\", p.i-1)
			}
			b.WriteByte(p.s[p.i])
			p.i++
		case c < 0x20 || c > 0x7e:
			return "", fmt.Errorf("at %d: %q in a String", p.i-1, c)
		default:
			b.WriteByte(c)
		}
	}
	return "", fmt.Errorf("at %d: a String without its closing quote", start)
}

// token parses a Token (section 4.2.6): the caller has seen its first
// character, a letter or *.
func (p *sfParser) token() sfToken {
	start := p.i
	p.i++
	for p.i < len(p.s) && (isTChar(p.s[p.i]) || p.s[p.i] == ':' || p.s[p.i] == '/') {
		p.i++
	}
	return sfToken(p.s[start:p.i])
}

func isLCAlpha(c byte) bool { return 'a' <= c && c <= 'z' }
func isAlpha(c byte) bool   { return isLCAlpha(c) || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool   { return '0' <= c && c <= '9' }

// isTChar is RFC 9110's tchar.
func isTChar(c byte) bool {
	return isAlpha(c) || isDigit(c) || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// The parser must refuse what is not a List of the subset, or the tests
// above could pass on fields no client of the draft could read.
func TestSFList(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []sfItem // nil: an error
	}{
		{`"default";r=5;t=1`, []sfItem{{sfString("default"), []sfParam{{"r", int64(5)}, {"t", int64(1)}}}}},
		{` "a";q=1, "b";q=2;w=3 `, []sfItem{{sfString("a"), []sfParam{{"q", int64(1)}}}, {sfString("b"), []sfParam{{"q", int64(2)}, {"w", int64(3)}}}}},
		{`"x";pk=?1;qu=requests`, []sfItem{{sfString("x"), []sfParam{{"pk", true}, {"qu", sfToken("requests")}}}}},
		{`"esc\"aped";a; b=-7`, []sfItem{{sfString(`esc"aped`), []sfParam{{"a", true}, {"b", int64(-7)}}}}},
		{`"default";r=5;t=1,`, nil},           // a trailing comma
		{`"default";r=5 t=1`, nil},            // no semicolon
		{`"default";R=5`, nil},                // an uppercase key
		{`"default";r=1.5`, nil},              // a Decimal
		{`"default";r=1234567890123456`, nil}, // 16 digits
		{`"default";r=5;r=6`, nil},            // a parameter twice
		{`"default`, nil},                     // an open String
		{`"a\b"`, nil},                        // a bad escape
		{`("a" "b")`, nil},                    // an inner list
		{`"default";pk=:cHNr:`, nil},          // a Byte Sequence
		{`default;r=1`, []sfItem{{sfToken("default"), []sfParam{{"r", int64(1)}}}}},
	} {
		got, err := sfList(tt.in)
		if tt.want == nil {
			if err == nil {
				t.Errorf("sfList(%q) = %v; want an error", tt.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("sfList(%q): %v", tt.in, err)
		} else if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(sfItem{}, sfParam{})); diff != "" {
			t.Errorf("sfList(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}
