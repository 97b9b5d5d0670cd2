package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // the integrity check's own connection

	"github.com/graph-linkedin/invitations/bench/daemon"
)

// tenant is the clients' tenant; the reader token sees all of it.
const tenant = "5b1e6c2a-3d4f-4e5a-8b6c-7d8e9f0a1b2c"

// engine is the crash test of one engine: its data, the server's log, the
// callers' tokens, and the ledger of what the server promised.
type engine struct {
	name       string
	cfg        config
	out        io.Writer
	rng        *rand.Rand
	bin        string
	db         string // the -db value
	sqlitePath string // for SQLite, the file
	keyFile    string
	log        *os.File
	tokens     []string // one caller per client: urn:li:person:crash{n}
	reader     string   // an application that reads the whole tenant
	closer     string   // an application that accepts and ignores for the invitees
	ledger     *ledger
	hc         *http.Client
	dropDB     func(context.Context) error // drops the PostgreSQL database
	recv       *receiver                   // the subscription's receiver (see notify.go)
}

func newEngine(ctx context.Context, name string, cfg config, dir string, seed uint64, out io.Writer) (*engine, error) {
	e := &engine{name: name, cfg: cfg, out: out, rng: rand.New(rand.NewPCG(seed, seed>>1)), bin: cfg.bin,
		ledger: newLedger(cfg.clients),
		hc: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			MaxIdleConnsPerHost: 2 * cfg.clients, DisableCompression: true}}}
	dir = filepath.Join(dir, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	var err error
	if e.log, err = os.Create(filepath.Join(dir, "invitationsd.log")); err != nil {
		return nil, err
	}
	e.keyFile = filepath.Join(dir, "dev-jwt.key")
	switch name {
	case "sqlite":
		e.sqlitePath = filepath.Join(dir, "invitations.db")
		e.db = e.sqlitePath
	case "postgres":
		if e.db, e.dropDB, err = createDatabase(ctx, cfg.postgres); err != nil {
			return nil, err
		}
	}
	for c := range cfg.clients {
		tok, err := daemon.Token(ctx, e.bin, e.keyFile, tenant, fmt.Sprintf("urn:li:person:crash%d", c), "Invitations.ReadWrite", "")
		if err != nil {
			return nil, err
		}
		e.tokens = append(e.tokens, tok)
	}
	if e.reader, err = daemon.Token(ctx, e.bin, e.keyFile, tenant, "crashtest-reader", "", "Invitations.Read.All"); err != nil {
		return nil, err
	}
	if e.closer, err = daemon.Token(ctx, e.bin, e.keyFile, tenant, "crashtest-closer", "", "Invitations.ReadWrite.All"); err != nil {
		return nil, err
	}
	if e.recv, err = newReceiver(); err != nil {
		return nil, err
	}
	return e, nil
}

// createDatabase creates a database with a random name on the server dsn
// names, and returns its DSN and a function that drops it.
func createDatabase(ctx context.Context, dsn string) (string, func(context.Context) error, error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", nil, fmt.Errorf("-postgres: want a postgres:// URL")
	}
	name := fmt.Sprintf("crashtest_%x", rand.Uint64())
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, err
	}
	drop := func(ctx context.Context) error {
		admin, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		defer admin.Close(ctx)
		_, err = admin.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)")
		return err
	}
	u.Path, u.RawPath = "/"+name, ""
	return u.String(), drop, nil
}

func (e *engine) close(ctx context.Context) {
	e.log.Close()
	e.recv.close()
	if e.dropDB != nil && !e.cfg.keep {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := e.dropDB(ctx); err != nil {
			fmt.Fprintf(e.out, "%s: dropping the database: %v\n", e.name, err)
		}
	}
}

// start starts invitationsd on the engine's data. Throttling is off: the
// clients send as fast as the server answers, more than its default
// per-caller rate. Notifications go to the receiver on 127.0.0.1, with
// short timeouts, so that a killed instance's leases run out soon.
func (e *engine) start() (*daemon.Process, error) {
	return daemon.Start([]string{e.bin, "-addr", "127.0.0.1:0", "-metrics-addr", "", "-db", e.db,
		"-dev-key-file", e.keyFile, "-rate-limit", "0",
		"-notify-allow-private", "-notify-timeout", "2s", "-notify-poll-interval", "100ms", "-notify-max-backoff", "1s"}, e.log)
}

// run runs the rounds, and stops the server gracefully at the end.
func (e *engine) run(ctx context.Context) error {
	p, err := e.start()
	if err != nil {
		return err
	}
	if err := e.subscribe(ctx, "http://"+p.Addr); err != nil {
		p.Kill()
		return err
	}
	for round := 1; round <= e.cfg.rounds; round++ {
		start := time.Now()
		ls := e.load(ctx, round, p)
		if err := ctx.Err(); err != nil {
			return err
		}
		restart := time.Now()
		if p, err = e.start(); err != nil {
			return fmt.Errorf("round %d: the server did not start again on its data: %w", round, err)
		}
		started := time.Since(restart)
		vs := e.verify(ctx, p)
		fmt.Fprintf(e.out, "%s round %d: killed %v into the load; 201s %d, creates unanswered %d (%d of them stored); "+
			"updates 200 %d, unanswered %d (%d stored); invitations closed %d, close requests unanswered %d (%d stored); "+
			"restarted in %v; %d invitations checked (%s); "+
			"keyed creates retried %d (%d replayed, %d carried out by the retry); round took %v\n",
			e.name, round, ls.killedAfter.Round(time.Millisecond), ls.created.Load(), ls.createsUnanswered.Load(), vs.adopted,
			ls.updated.Load(), ls.updatesUnanswered.Load(), vs.pendingStored,
			ls.closed.Load(), ls.closesUnanswered.Load(), vs.closesStored, started.Round(time.Millisecond),
			vs.checked, vs.store, vs.keyedRetried, vs.keyedReplayed, vs.keyedRetried-vs.keyedReplayed, time.Since(start).Round(time.Millisecond))
		if problems := append(ls.problems, vs.problems...); len(problems) > 0 {
			p.Kill()
			for i, pr := range problems {
				if i == 20 {
					fmt.Fprintf(e.out, "  ... and %d more\n", len(problems)-i)
					break
				}
				fmt.Fprintln(e.out, "  "+pr)
			}
			return fmt.Errorf("round %d: %d problems", round, len(problems))
		}
		if ls.created.Load() == 0 {
			p.Kill()
			return fmt.Errorf("round %d: no create was answered before the kill; raise -kill-min", round)
		}
	}
	// Leases of killed instances run out in 14 s (twice the 2 s timeout
	// and 10 s); the rest is retries' backoff and a loaded machine.
	if err := e.awaitNotifications(ctx, 2*time.Minute); err != nil {
		p.Kill()
		return err
	}
	if err := p.Stop(30 * time.Second); err != nil {
		return fmt.Errorf("the graceful stop at the end: %w", err)
	}
	return nil
}

// response is an answer, its JSON body decoded.
type response struct {
	status   int
	etag     string
	replayed bool // Idempotency-Replayed: true
	body     map[string]any
	raw      []byte
}

// do sends a request as the caller token, with the header fields given as
// name and value pairs, and reads the whole answer. An error means no
// answer came.
func (e *engine) do(ctx context.Context, method, url, token, body, ifMatch string, header ...string) (response, error) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		return response{}, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := e.hc.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, err
	}
	out := response{status: res.StatusCode, etag: res.Header.Get("ETag"), raw: raw,
		replayed: res.Header.Get("Idempotency-Replayed") == "true"}
	if res.StatusCode < 300 && len(raw) > 0 {
		if err := json.Unmarshal(raw, &out.body); err != nil {
			return out, fmt.Errorf("%s %s: status %d with a body that is not JSON: %v", method, url, res.StatusCode, err)
		}
	}
	return out, nil
}

// problems collects what went wrong, from many goroutines.
type problems struct {
	mu   sync.Mutex
	list []string
}

func (p *problems) add(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.list = append(p.list, fmt.Sprintf(format, args...))
}

// sqliteCheck runs SQLite's integrity check on path through a connection of
// its own, and counts the invitations.
func sqliteCheck(ctx context.Context, path string) (int, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return 0, err
	}
	var report []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return 0, err
		}
		report = append(report, line)
	}
	rows.Close()
	if len(report) != 1 || report[0] != "ok" {
		return 0, fmt.Errorf("PRAGMA integrity_check: %s", strings.Join(report, "; "))
	}
	var n int
	err = db.QueryRowContext(ctx, "SELECT count(*) FROM invitations").Scan(&n)
	return n, err
}

// postgresCount counts the invitations in the database dsn names.
func postgresCount(ctx context.Context, dsn string) (int, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	var n int
	err = conn.QueryRow(ctx, "SELECT count(*) FROM invitations").Scan(&n)
	return n, err
}
