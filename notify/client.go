// Package notify delivers change notifications: it checks a subscriber's
// URL by the validation handshake (Client), and a Dispatcher claims the
// notifications every write queued in the store's outbox, POSTs them,
// acknowledges what a subscriber accepted and retries the rest with
// backoff, until each is delivered or its retry window ends.
package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/internal/retryafter"
)

// DefaultTimeout is how long a subscriber may take to answer one request
// (the handshake or a POST of notifications), as Graph allows.
const DefaultTimeout = 10 * time.Second

// maxResponseBytes bounds what is read of a subscriber's answer: the
// handshake's token, and nothing of a notification's acknowledgement.
const maxResponseBytes = 4 << 10

// ClientOptions configure a Client; the zero value is the safe one.
type ClientOptions struct {
	// AllowPrivate lets notifications go to loopback, private and
	// link-local addresses, and over plain http: for tests and closed
	// networks, never for a service that takes subscriptions from the
	// internet.
	AllowPrivate bool
	// Timeout bounds one request to a subscriber, its answer included;
	// DefaultTimeout when 0.
	Timeout time.Duration
	// RootCAs are the certificate authorities subscribers' certificates
	// must chain to; the system's when nil.
	RootCAs *x509.CertPool
	// UserAgent is sent with every request; "invitationsd" when "".
	UserAgent string
	// TracerProvider, when set, traces the requests to subscribers, each
	// a client span whose traceparent it carries: the handshake
	// (notify.handshake), a child of the span in its context (the request
	// creating or renewing a subscription), and each POST of
	// notifications (notify.deliver), a trace of its own. Nil: none.
	TracerProvider trace.TracerProvider
}

// Client makes the service's requests to subscribers. It is safe for
// concurrent use.
type Client struct {
	http   *http.Client
	opts   ClientOptions
	agent  string
	tracer trace.Tracer // nil when not tracing
}

// NewClient returns a Client. Its requests go straight to the subscriber
// (no proxy from the environment: a proxy would dial in the check's
// stead), follow no redirects (a 3xx is a failure), and, unless
// AllowPrivate, connect only to public addresses (see Public).
func NewClient(opts ClientOptions) *Client {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	dialer := &net.Dialer{Timeout: opts.Timeout, KeepAlive: 30 * time.Second}
	if !opts.AllowPrivate {
		dialer.Control = control
	}
	transport := &http.Transport{
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		TLSClientConfig:        &tls.Config{RootCAs: opts.RootCAs, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    opts.Timeout,
		ResponseHeaderTimeout:  opts.Timeout,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           256,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 16 << 10,
	}
	agent := opts.UserAgent
	if agent == "" {
		agent = "invitationsd"
	}
	c := &Client{opts: opts, agent: agent, http: &http.Client{
		Transport:     transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	if opts.TracerProvider != nil {
		c.tracer = opts.TracerProvider.Tracer(tracerName)
	}
	return c
}

// Handshake carries out Graph's validation handshake with rawURL, the
// value of the property target: a POST to rawURL?validationToken={token},
// which must be answered within the timeout by a 200 with a text/plain body
// that is the token. Its refusals are ErrInvalid errors naming target; when
// ctx ends first, it answers ctx's error.
func (c *Client) Handshake(ctx context.Context, target, rawURL string) (err error) {
	u, err := parseURL(rawURL, c.opts.AllowPrivate)
	if err != nil {
		return invitations.Invalidf(target, "%v", err)
	}
	var span trace.Span
	status := 0
	ctx, span = c.startSpan(ctx, "notify.handshake", u)
	defer func() { endSpan(span, status, err) }()
	token, err := newToken()
	if err != nil {
		return err
	}
	q := u.Query()
	q.Set("validationToken", token)
	u.RawQuery = q.Encode()

	hctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(hctx, http.MethodPost, u.String(), http.NoBody)
	if err != nil {
		return invitations.Invalidf(target, "%q is not a URL the service can request", rawURL)
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	req.Header.Set("User-Agent", c.agent)
	inject(hctx, req)
	res, err := c.http.Do(req)
	if err != nil {
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case isForbidden(err):
			return invitations.Invalidf(target, "%s resolves to a loopback, private or link-local address, where notifications may not go", u.Hostname())
		case errors.Is(err, context.DeadlineExceeded):
			return invitations.Invalidf(target, "the validation request was not answered within %v", c.opts.Timeout)
		}
		return invitations.Invalidf(target, "the validation request failed: %v", unwrapURLError(err))
	}
	defer res.Body.Close()
	status = res.StatusCode
	body, err := io.ReadAll(io.LimitReader(res.Body, maxResponseBytes))
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return invitations.Invalidf(target, "the answer to the validation request could not be read: %v", err)
	}
	const want = "answer 200 with the validationToken as a text/plain body"
	if res.StatusCode != http.StatusOK {
		return invitations.Invalidf(target, "the validation request was answered %d; %s", res.StatusCode, want)
	}
	if mt, _, err := mime.ParseMediaType(res.Header.Get("Content-Type")); err != nil || mt != "text/plain" {
		return invitations.Invalidf(target, "the answer to the validation request is %q, not text/plain; %s", res.Header.Get("Content-Type"), want)
	}
	if strings.TrimSpace(string(body)) != token {
		return invitations.Invalidf(target, "the answer to the validation request is not the validationToken; %s", want)
	}
	return nil
}

// newToken is an opaque, unguessable validation token.
func newToken() (string, error) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// unwrapURLError drops net/http's "Post "<url>":" prefix: the message is
// about the caller's own URL already.
func unwrapURLError(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}

// answer is what a subscriber answered a POST of notifications.
type answer struct {
	status int
	// retryAfter is the wait its Retry-After asked for; 0 if none.
	retryAfter time.Duration
}

// post POSTs body (JSON) to rawURL and returns the answer; an error means
// there was none (no connection, a timeout, a refused address). attrs
// describe the delivery, for its span.
func (c *Client) post(ctx context.Context, rawURL string, body []byte, now time.Time, attrs ...attribute.KeyValue) (ans answer, err error) {
	u, err := parseURL(rawURL, c.opts.AllowPrivate)
	if err != nil {
		return answer{}, err
	}
	var span trace.Span
	ctx, span = c.startSpan(ctx, "notify.deliver", u, attrs...)
	defer func() { endSpan(span, ans.status, err) }()
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", c.agent)
	inject(ctx, req)
	res, err := c.http.Do(req)
	if err != nil {
		return answer{}, unwrapURLError(err)
	}
	// Read a little, so that a short answer leaves the connection
	// reusable, and no more: a subscriber cannot make the service read
	// without end.
	io.Copy(io.Discard, io.LimitReader(res.Body, maxResponseBytes))
	res.Body.Close()
	wait, _ := retryafter.Parse(res.Header.Get("Retry-After"), now) // none when unreadable
	return answer{status: res.StatusCode, retryAfter: wait}, nil
}
