package client

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"
	"golang.org/x/oauth2"

	"github.com/graph-linkedin/invitations/client/raw"
)

// DefaultUserAgent is the User-Agent a Client sends without WithUserAgent.
const DefaultUserAgent = "graph-linkedin-invitations-go"

// Client calls the LinkedIn invitations API. It is safe for concurrent use.
type Client struct {
	gen     *raw.Client // the generated client; its Doer is c.do
	base    *url.URL
	http    *http.Client // what sends each attempt
	editors []func(*http.Request) error
	tokens  oauth2.TokenSource
	agent   string
	retry   RetryPolicy
	now     func() time.Time
	sleep   func(context.Context, time.Duration) error
	tracer  trace.Tracer // see WithTracerProvider
}

// An Option configures a Client. The With... functions return them.
type Option interface {
	apply(*Client) error
}

type optionFunc func(*Client) error

func (f optionFunc) apply(c *Client) error { return f(c) }

// WithToken authenticates every request with a bearer token.
func WithToken(token string) Option {
	return WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token}))
}

// WithTokenSource authenticates every request with a token from ts, asked
// before each attempt; wrap ts in oauth2.ReuseTokenSource to cache it. Any
// oauth2 flow fits, such as client credentials
// (golang.org/x/oauth2/clientcredentials).
func WithTokenSource(ts oauth2.TokenSource) Option {
	return optionFunc(func(c *Client) error {
		c.tokens = ts
		return nil
	})
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return optionFunc(func(c *Client) error {
		c.agent = ua
		return nil
	})
}

// WithTransport sends every attempt of every request through rt (proxies,
// TLS settings, a connection pool of your own, instrumentation) instead of
// http.DefaultTransport. The Client adds authentication, retries and its
// headers around it; bound a call's time with its context.
func WithTransport(rt http.RoundTripper) Option {
	return optionFunc(func(c *Client) error {
		c.http = &http.Client{Transport: rt}
		return nil
	})
}

// WithRequestEditor calls edit on every request before it is sent (once per
// call, not per retry), to add a header a gateway needs, say; an error from
// it fails the call.
func WithRequestEditor(edit func(*http.Request) error) Option {
	return optionFunc(func(c *Client) error {
		c.editors = append(c.editors, edit)
		return nil
	})
}

// WithRetry sets the retry policy; RetryPolicy{MaxAttempts: 1} disables
// retries.
func WithRetry(p RetryPolicy) Option {
	return optionFunc(func(c *Client) error {
		c.retry = p.withDefaults()
		return nil
	})
}

// New returns a Client for the API at baseURL, which ends with the version,
// as in "https://invitations.example.com/v1.0".
func New(baseURL string, opts ...Option) (*Client, error) {
	c := &Client{http: &http.Client{}, agent: DefaultUserAgent, retry: DefaultRetryPolicy, now: time.Now, sleep: sleep}
	for _, o := range opts {
		if err := o.apply(c); err != nil {
			return nil, err
		}
	}
	if c.tracer == nil {
		c.tracer = defaultTracer()
	}
	var err error
	if !strings.HasSuffix(baseURL, "/") {
		baseURL += "/" // so that relative references resolve under it
	}
	if c.base, err = url.Parse(baseURL); err != nil {
		return nil, fmt.Errorf("client: base URL: %w", err)
	}
	if c.base.Scheme != "http" && c.base.Scheme != "https" || c.base.Host == "" {
		return nil, fmt.Errorf("client: base URL %q: want http(s)://host/v1.0", baseURL)
	}
	if c.gen, err = raw.NewClient(baseURL, raw.WithHTTPClient(doerFunc(c.do))); err != nil {
		return nil, err
	}
	return c, nil
}

// doerFunc makes a function a raw.HttpRequestDoer.
type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(req *http.Request) (*http.Response, error) { return f(req) }

// do sends a request, of the generated client or NextPage's, adding the
// headers every request carries, through authentication and retries.
func (c *Client) do(req *http.Request) (*http.Response, error) {
	if c.agent != "" {
		req.Header.Set("User-Agent", c.agent)
	}
	if req.Header.Get("client-request-id") == "" {
		req.Header.Set("client-request-id", newRequestID())
	}
	for _, edit := range c.editors {
		if err := edit(req); err != nil {
			return nil, err
		}
	}
	return c.send(req)
}

// authorize sets the Authorization header of one attempt.
func (c *Client) authorize(req *http.Request) error {
	if c.tokens == nil {
		return nil
	}
	tok, err := c.tokens.Token()
	if err != nil {
		return fmt.Errorf("client: get an access token: %w", err)
	}
	tok.SetAuthHeader(req)
	return nil
}

// A RequestOption adjusts one call.
type RequestOption func(*callOptions)

type callOptions struct {
	ifMatch        *string
	requestID      *string
	idempotencyKey *string
}

func gather(opts []RequestOption) callOptions {
	var o callOptions
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// key is the call's Idempotency-Key: WithIdempotencyKey's, or else a new
// one (newKey), the same on every attempt of the call.
func (o callOptions) key() *string {
	if o.idempotencyKey != nil {
		return o.idempotencyKey
	}
	return ptr(newKey(time.Now()))
}

// WithIfMatch makes an update or delete conditional: it happens only if the
// invitation's ETag is still etag ("*" for any), otherwise the call fails
// with ErrPreconditionFailed. Other calls ignore it.
func WithIfMatch(etag string) RequestOption {
	return func(o *callOptions) { o.ifMatch = &etag }
}

// WithClientRequestID sets the call's client-request-id, which the service
// echoes and logs; without it each request gets a random one. Every page of
// a listing carries the same one.
func WithClientRequestID(id string) RequestOption {
	return func(o *callOptions) { o.requestID = &id }
}

// WithIdempotencyKey sets the Idempotency-Key of a create (or a close),
// instead of the random one each CreateInvitation (or CloseInvitations) call
// gets. Reuse a key to make a create safe to repeat beyond one call, after a
// crash of your own say: the service keeps the first response to a key for
// 24 hours, and answers a repeat of the same create with it instead of
// creating anything; the same key with a different invitation fails with
// ErrKeyReused. Keys are 1 to 255 printable ASCII characters. Other calls
// ignore it.
func WithIdempotencyKey(key string) RequestOption {
	return func(o *callOptions) { o.idempotencyKey = &key }
}

// newRequestID is a random (version 4) UUID.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return uuidString(b)
}

// newKey is a new Idempotency-Key made at now: a version 7 UUID (RFC
// 9562), its time in milliseconds, then 74 random bits, as unguessable and
// as unlikely to repeat as a random (version 4) one for a key's 24 hours.
// Keys in the order they are made let the service keep its records of them
// in that order: its SQLite engine then adds each to the end of their
// index rather than to a random page of it, which costs a keyed create a
// third of what it cost more than one without (BENCHMARKS.md, issue 13's
// third round).
func newKey(now time.Time) string {
	var b [16]byte
	_, _ = rand.Read(b[6:]) // never fails
	ms := now.UnixMilli()
	for i := range 6 {
		b[i] = byte(ms >> (40 - 8*i))
	}
	b[6] = b[6]&0x0f | 0x70
	b[8] = b[8]&0x3f | 0x80
	return uuidString(b)
}

// uuidString is b in a UUID's canonical form, lowercase.
func uuidString(b [16]byte) string {
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
