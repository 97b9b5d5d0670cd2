package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/graph-linkedin/invitations/bench/daemon"
)

// tenant is the callers' tenant.
const tenant = "1e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6"

// The kinds of request, and the status each must get.
type op int

const (
	opCreate op = iota
	opGet
	opList
	opUpdate
	opDelete
	numOps
)

var ops = [numOps]struct {
	name   string
	status int
}{
	{"create", http.StatusCreated},
	{"get", http.StatusOK},
	{"list", http.StatusOK},
	{"update", http.StatusOK},
	{"delete", http.StatusNoContent},
}

// counters are the whole load's, read by the sampler while it runs.
type counters struct {
	requests, errors atomic.Int64
}

// client is one caller: its token and the invitations it keeps.
type client struct {
	n       int
	token   string
	base    string // the collection's URL
	hc      *http.Client
	rng     *rand.Rand
	live    []invitation
	maxLive int // -live
	created int
	total   *counters
	// What it saw: latencies by kind, and the first failures.
	latencies [numOps][]time.Duration
	failures  []string
}

type invitation struct{ id, etag, invitee string }

// run sends a request every 1/rate seconds (or as fast as the answers
// come, when slower) until ctx ends. A request under way then finishes: the
// load's end is not a failure of the server.
func (c *client) run(ctx context.Context, rate float64) {
	interval := time.Duration(float64(time.Second) / rate)
	time.Sleep(time.Duration(c.rng.Int64N(int64(interval)))) // not all at once
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		c.step()
	}
}

// step sends one request, of a kind picked by weight: creates 25%, gets
// 30%, lists 20%, updates 15%, deletes 10%; a create when the caller has
// nothing to read, a delete when it keeps its most.
func (c *client) step() {
	var kind op
	switch w := c.rng.IntN(100); {
	case w < 25:
		kind = opCreate
	case w < 55:
		kind = opGet
	case w < 75:
		kind = opList
	case w < 90:
		kind = opUpdate
	default:
		kind = opDelete
	}
	switch {
	case kind == opCreate && len(c.live) >= c.maxLive:
		kind = opDelete
	case kind != opCreate && kind != opList && len(c.live) == 0:
		kind = opCreate
	}
	pick := 0
	if len(c.live) > 0 {
		pick = c.rng.IntN(len(c.live))
	}
	switch kind {
	case opCreate:
		c.created++
		invitee := fmt.Sprintf("urn:li:person:soak%dn%d", c.n, c.created)
		body := fmt.Sprintf(`{"invitee": %q, "message": {"invitationMessage": {"body": "Hello from the soak test, %d"}}, "trackingId": "s-%d"}`,
			invitee, c.created, c.created)
		if res, ok := c.do(opCreate, http.MethodPost, c.base, body, ""); ok {
			var created struct{ ID string }
			json.Unmarshal(res.body, &created)
			c.live = append(c.live, invitation{id: created.ID, etag: res.etag, invitee: invitee})
		}
	case opGet:
		c.do(opGet, http.MethodGet, c.base+"/"+c.live[pick].id, "", "")
	case opList:
		c.list()
	case opUpdate:
		inv := &c.live[pick]
		body := fmt.Sprintf(`{"trackingId": "s-%d-%d", "message": {"invitationMessage": {"body": "Following up, %d"}}}`, c.created, c.rng.IntN(1000), c.rng.IntN(1000))
		if res, ok := c.do(opUpdate, http.MethodPatch, c.base+"/"+inv.id, body, inv.etag); ok {
			inv.etag = res.etag
		}
	case opDelete:
		inv := c.live[pick]
		if _, ok := c.do(opDelete, http.MethodDelete, c.base+"/"+inv.id, "", inv.etag); ok {
			c.live[pick] = c.live[len(c.live)-1]
			c.live = c.live[:len(c.live)-1]
		}
	}
}

// list sends one of several list queries; one of them follows the next page.
func (c *client) list() {
	query := "?$top=20"
	switch c.rng.IntN(5) {
	case 1:
		query = "?$top=50&$orderby=" + url.QueryEscape("lastModified desc")
	case 2:
		if len(c.live) > 0 {
			query = "?$filter=" + url.QueryEscape("invitee eq '"+c.live[c.rng.IntN(len(c.live))].invitee+"'")
		}
	case 3:
		query = "?$count=true&$top=5&$select=id,invitee,created"
	case 4:
		res, ok := c.do(opList, http.MethodGet, c.base+"?$top=10", "", "")
		var page struct {
			NextLink string `json:"@odata.nextLink"`
		}
		if ok && json.Unmarshal(res.body, &page) == nil && page.NextLink != "" {
			c.do(opList, http.MethodGet, page.NextLink, "", "")
		}
		return
	}
	c.do(opList, http.MethodGet, c.base+query, "", "")
}

type answer struct {
	etag string
	body []byte
}

// do sends a request and reports whether it got the status its kind must.
func (c *client) do(kind op, method, u, body, ifMatch string) (answer, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, r)
	if err != nil {
		panic(err) // a bug in the soak itself
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	start := time.Now()
	res, err := c.hc.Do(req)
	var data []byte
	if err == nil {
		data, err = io.ReadAll(res.Body)
		res.Body.Close()
	}
	c.latencies[kind] = append(c.latencies[kind], time.Since(start))
	c.total.requests.Add(1)
	switch {
	case err != nil:
		c.fail("%s %s: %v", method, u, err)
		return answer{}, false
	case res.StatusCode != ops[kind].status:
		c.fail("%s %s = %d; want %d: %s", method, u, res.StatusCode, ops[kind].status, data)
		return answer{}, false
	}
	return answer{etag: res.Header.Get("ETag"), body: data}, true
}

func (c *client) fail(format string, args ...any) {
	c.total.errors.Add(1)
	if len(c.failures) < 5 {
		c.failures = append(c.failures, fmt.Sprintf(format, args...))
	}
}

// soak runs the load and the sampler for cfg.duration.
func soak(ctx context.Context, cfg config, p *daemon.Process, tokens []string, stdout io.Writer) (*result, error) {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * cfg.callers, DisableCompression: true}}
	res := &result{}
	idle, err := idleGoroutines(p, 0, 10*time.Second)
	if err != nil {
		return nil, err
	}
	res.idleBefore = idle

	var total counters
	clients := make([]*client, len(tokens))
	loadCtx, stop := context.WithTimeout(ctx, cfg.duration)
	defer stop()
	var wg sync.WaitGroup
	res.start = time.Now()
	for i, tok := range tokens {
		c := &client{n: i, token: tok, base: "http://" + p.Addr + "/v1.0/linkedIn/invitations", hc: hc, maxLive: cfg.live,
			rng: rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano()))), total: &total}
		clients[i] = c
		wg.Go(func() { c.run(loadCtx, cfg.rate) })
	}
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		res.watch(loadCtx, cfg, p, &total, stdout)
	}()
	wg.Wait()
	<-sampled
	res.end = time.Now()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}

	for _, c := range clients {
		for k := range numOps {
			res.latencies[k] = append(res.latencies[k], c.latencies[k]...)
		}
		for _, f := range c.failures {
			if len(res.failures) < 10 {
				res.failures = append(res.failures, f)
			}
		}
	}
	res.requests, res.errors = total.requests.Load(), total.errors.Load()

	// The load is over: its connections close, and the goroutines serving
	// them must end.
	hc.CloseIdleConnections()
	if res.idleAfter, err = idleGoroutines(p, res.idleBefore, 15*time.Second); err != nil {
		return nil, err
	}
	res.check(cfg)
	return res, nil
}
