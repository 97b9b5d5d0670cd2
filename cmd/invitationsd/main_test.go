package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/client/raw"
	"github.com/graph-linkedin/invitations/jwtauth"
	"github.com/graph-linkedin/invitations/spectest"
)

// logBuffer collects a server's log lines, safe for the server to write
// while the test reads.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// listenAddr waits for the "listening" log line and returns its address.
func listenAddr(t *testing.T, logs fmt.Stringer) string {
	t.Helper()
	return loggedAddr(t, logs, "listening")
}

// loggedAddr waits for the log line msg and returns its address.
func loggedAddr(t *testing.T, logs fmt.Stringer, msg string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for line := range strings.Lines(logs.String()) {
			var rec struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == msg {
				return rec.Addr
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the server did not log %q with an address; logs:\n%s", msg, logs)
	return ""
}

// waitHealthy polls /healthz until it answers 200.
func waitHealthy(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		res, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s/healthz never answered 200", addr)
}

// startRun calls run in the background, as main would, with response
// validation on, and returns the address it listens on and a function that
// stops it and returns run's error. When the test ends the server is
// stopped, and any response it logged as breaking openapi.yaml fails the test.
func startRun(t *testing.T, args ...string) (addr string, stop func() error) {
	t.Helper()
	return startRunEnv(t, func(string) string { return "" }, args...)
}

// startRunEnv is startRun with the environment getenv.
func startRunEnv(t *testing.T, getenv func(string) string, args ...string) (addr string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &logBuffer{}
	done := make(chan error, 1)
	args = append([]string{"invitationsd", "-validate-responses"}, args...)
	go func() { done <- run(ctx, args, getenv, logs, logs) }()
	addr = listenAddr(t, logs)
	if !strings.Contains(logs.String(), `"validate_responses":true`) {
		t.Fatalf("the server does not say it validates its responses; logs:\n%s", logs)
	}
	waitHealthy(t, addr)
	var (
		once sync.Once
		err  error
	)
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				t.Error("run did not return after its context was cancelled")
			}
		})
		return err
	}
	t.Cleanup(func() {
		stop()
		checkResponses(t, logs)
	})
	return addr, stop
}

// checkResponses fails the test for each response a server with
// -validate-responses logged as breaking openapi.yaml.
func checkResponses(t *testing.T, logs fmt.Stringer) {
	t.Helper()
	for line := range strings.Lines(logs.String()) {
		var rec struct{ Msg string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "response violates openapi.yaml" {
			t.Errorf("the server sent a response that violates openapi.yaml: %s", line)
		}
	}
}

// buildServer builds invitationsd into the test's temporary directory.
// The tests that run invitationsd as a process share one build of it: the
// first to need it builds it, into a directory TestMain removes at the end.
var built struct {
	once sync.Once
	dir  string
	bin  string
	err  error
	// head is the commit checked out when the build started (empty outside
	// git): a commit made while the tests run moves HEAD, not the binary.
	head string
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// buildServer returns the path of invitationsd built from this package.
func buildServer(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "invitationsd-test-"); built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "invitationsd")
		// Built as make image builds it (static, -trimpath, the revision
		// stamped in where the toolchain can: see describeBuild), so the
		// image's build after make test finds its compiled packages cached.
		if head, err := exec.Command("git", "rev-parse", "HEAD").Output(); err == nil {
			built.head = strings.TrimSpace(string(head))
		}
		build := exec.Command("go", "build", "-buildvcs=auto", "-trimpath", "-o", built.bin, ".")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bin
}

// daemon is a server process a test started.
type daemon struct {
	cmd    *exec.Cmd
	logs   *logBuffer
	addr   string        // the API's address
	exited chan struct{} // closed when the process has exited; then cmd.ProcessState is set
}

// startDaemon starts the server binary with args and waits until it is
// healthy. The test's end kills it (SIGKILL) if it still runs, and shows
// its logs if the test failed.
func startDaemon(t *testing.T, bin string, args ...string) *daemon {
	t.Helper()
	d := launch(t, exec.Command(bin, append([]string{"-validate-responses"}, args...)...))
	d.addr = listenAddr(t, d.logs)
	waitHealthy(t, d.addr)
	return d
}

// launch starts cmd, a server process, with its output in its logs. The
// test's end kills it (SIGKILL) if it still runs, checks the responses it
// logged as breaking openapi.yaml, and shows its logs if the test failed.
func launch(t *testing.T, cmd *exec.Cmd) *daemon {
	t.Helper()
	d := &daemon{cmd: cmd, logs: &logBuffer{}, exited: make(chan struct{})}
	d.cmd.Stdout, d.cmd.Stderr = d.logs, d.logs
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.cmd.Wait(); close(d.exited) }()
	t.Cleanup(func() {
		d.kill()
		checkResponses(t, d.logs)
		if t.Failed() {
			t.Logf("logs of %s:\n%s", strings.Join(cmd.Args, " "), d.logs)
		}
	})
	return d
}

// startSQLiteDaemon runs invitationsd as a process on a fresh SQLite file,
// with extra flags (a later flag wins over the defaults here), in parallel
// with the other tests that do; under -short it skips the test. It returns
// the process and a delegated ReadWrite token for it.
func startSQLiteDaemon(t *testing.T, extra ...string) (*daemon, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs a server process; skipped with -short")
	}
	t.Parallel()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "dev-jwt.key")
	tok := token(t, keyFile, "urn:li:person:A1iceX9")
	args := append([]string{"-addr", "127.0.0.1:0", "-metrics-addr", "", "-db", filepath.Join(dir, "invitations.db"),
		"-dev-key-file", keyFile}, extra...)
	return startDaemon(t, buildServer(t), args...), tok
}

// kill sends SIGKILL and waits for the process to exit.
func (d *daemon) kill() {
	d.cmd.Process.Signal(syscall.SIGKILL)
	<-d.exited
}

// wait waits up to limit for the process to exit and returns how it did and
// how long the wait took; it fails the test if the process still runs.
func (d *daemon) wait(t *testing.T, limit time.Duration) (*os.ProcessState, time.Duration) {
	t.Helper()
	start := time.Now()
	select {
	case <-d.exited:
		return d.cmd.ProcessState, time.Since(start)
	case <-time.After(limit):
		t.Fatalf("invitationsd still runs %v later", limit)
		return nil, 0
	}
}

// startProcess starts the server binary with args and waits until it is
// healthy. It returns the server's address and a function that kills it
// (SIGKILL) and waits for it to exit; the test's end does that too.
func startProcess(t *testing.T, bin string, args ...string) (addr string, kill func()) {
	t.Helper()
	d := startDaemon(t, bin, args...)
	return d.addr, d.kill
}

// token mints a delegated ReadWrite token with the key in keyFile.
func token(t *testing.T, keyFile, sub string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	args := []string{"invitationsd", "token", "-key-file", keyFile, "-sub", sub,
		"-tid", "6f1c2d3e-0a1b-4c5d-8e9f-a0b1c2d3e4f5", "-scp", invitations.PermReadWrite}
	if err := run(context.Background(), args, func(string) string { return "" }, &out, &errOut); err != nil {
		t.Fatalf("token: %v; %s", err, errOut.String())
	}
	return strings.TrimSpace(out.String())
}

func newClient(t *testing.T, addr, token string) *raw.ClientWithResponses {
	t.Helper()
	c, err := raw.NewClientWithResponses("http://"+addr+"/v1.0",
		raw.WithHTTPClient(spectest.NewTransport(t, nil).Client()),
		raw.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+token)
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func create(t *testing.T, c *raw.ClientWithResponses, invitee string) int {
	t.Helper()
	res, err := c.CreateInvitationWithResponse(context.Background(), nil, raw.InvitationV2Create{Invitee: invitee})
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode()
}

// run serves on a free port; stopped and started again on the same file,
// the server still knows the invitation it created.
func TestRunRestart(t *testing.T) {
	dir := t.TempDir()
	args := []string{"-addr", "127.0.0.1:0", "-metrics-addr", "127.0.0.1:0", "-db", filepath.Join(dir, "invitations.db"),
		"-dev-key-file", filepath.Join(dir, "dev-jwt.key")}

	addr, stop := startRun(t, args...)
	tok := token(t, filepath.Join(dir, "dev-jwt.key"), "urn:li:person:A1iceX9")
	if got := create(t, newClient(t, addr, tok), "urn:li:person:Qm9i"); got != http.StatusCreated {
		t.Fatalf("create = %d; want 201", got)
	}
	if err := stop(); err != nil {
		t.Fatalf("run returned %v after a graceful stop; want nil", err)
	}

	addr, stop = startRun(t, args...)
	defer stop()
	if got := create(t, newClient(t, addr, tok), "urn:li:person:Qm9i"); got != http.StatusConflict {
		t.Fatalf("create after restart = %d; want 409", got)
	}
}

func TestToken(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "dev-jwt.key")
	minted := token(t, keyFile, "urn:li:person:A1iceX9")
	key, err := jwtauth.LoadDevKey(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	caller, err := jwtauth.NewHS256(key, jwtauth.DevIssuer, jwtauth.DevAudience).Verify(context.Background(), minted)
	if err != nil {
		t.Fatalf("the minted token does not verify: %v", err)
	}
	if caller.Subject != "urn:li:person:A1iceX9" || !caller.CanWrite() {
		t.Errorf("caller = %+v; want alice with Invitations.ReadWrite", caller)
	}

	var out, errOut bytes.Buffer
	err = run(context.Background(), []string{"invitationsd", "token", "-tid", "t"}, func(string) string { return "" }, &out, &errOut)
	if err == nil || out.Len() != 0 {
		t.Errorf("token without -sub = %v, printed %q; want an error and no token", err, out.String())
	}
}

func TestBadFlags(t *testing.T) {
	var out bytes.Buffer
	noEnv := func(string) string { return "" }
	if err := run(context.Background(), []string{"invitationsd", "-no-such-flag"}, noEnv, &out, &out); err == nil {
		t.Error("run(-no-such-flag) = nil; want an error")
	}
	for key, value := range map[string]string{
		"INVITATIONS_SHUTDOWN_TIMEOUT":     "soon",
		"INVITATIONS_REQUEST_TIMEOUT":      "soon",
		"INVITATIONS_DB_CONNECT_TIMEOUT":   "soon",
		"INVITATIONS_DB_STATEMENT_TIMEOUT": "soon",
		"INVITATIONS_DB_MAX_CONNS":         "many",
		"INVITATIONS_RATE_LIMIT":           "fast",
		"INVITATIONS_VALIDATE_RESPONSES":   "maybe",
		"INVITATIONS_READ_HEADER_TIMEOUT":  "soon",
		"INVITATIONS_READ_TIMEOUT":         "soon",
		"INVITATIONS_WRITE_TIMEOUT":        "soon",
		"INVITATIONS_IDLE_TIMEOUT":         "soon",
	} {
		env := func(k string) string {
			if k == key {
				return value
			}
			return ""
		}
		if err := run(context.Background(), []string{"invitationsd"}, env, &out, &out); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("run with %s=%s = %v; want an error naming it", key, value, err)
		}
	}
	for _, args := range [][]string{{"-db-max-conns", "-1"}, {"-request-timeout", "-1s"}, {"-db-connect-timeout", "-5s"},
		{"-read-header-timeout", "0"}, {"-read-timeout", "0"}, {"-write-timeout", "0"}, {"-idle-timeout", "0"},
		{"-request-timeout", "40s"}, {"-write-timeout", "10s"}} {
		if err := run(context.Background(), append([]string{"invitationsd"}, args...), noEnv, &out, &out); err == nil {
			t.Errorf("run(%s) = nil; want an error", strings.Join(args, " "))
		}
	}
}

// A PostgreSQL database that cannot be reached at start-up is an error (the
// migrations cannot run), quickly, and without the password in it.
func TestPostgresUnreachableAtStart(t *testing.T) {
	var out bytes.Buffer
	dir := t.TempDir()
	args := []string{"invitationsd", "-addr", "127.0.0.1:0", "-metrics-addr", "127.0.0.1:0", "-dev-key-file", filepath.Join(dir, "dev-jwt.key"),
		"-db", "postgres://app:s3cret@127.0.0.1:1/invitations?sslmode=disable", "-db-connect-timeout", "1s"}
	start := time.Now()
	err := run(context.Background(), args, func(string) string { return "" }, &out, &out)
	if err == nil {
		t.Fatal("run with an unreachable database = nil; want an error")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("run took %v to give up on an unreachable database", d)
	}
	if strings.Contains(err.Error()+out.String(), "s3cret") {
		t.Errorf("the password is in the error or the log: %v\n%s", err, out.String())
	}
	if strings.Contains(out.String(), `"listening"`) {
		t.Error("the server said it was listening without a database")
	}
}

func TestRedact(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"data/invitations.db", "data/invitations.db"},
		{"postgres://app:s3cret@db:5432/invitations?sslmode=require", "postgres://app:xxxxx@db:5432/invitations?sslmode=require"},
		{"postgresql://app@db/invitations", "postgresql://app@db/invitations"},
		{"postgres://db/invitations?password=s3cret&sslmode=disable", "postgres://db/invitations?password=xxxxx&sslmode=disable"},
		{"postgres://app:s3cret@db:bad port/x", "postgres://(unparsable URL)"},
	} {
		if got := redact(tt.in); got != tt.want {
			t.Errorf("redact(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

// A 201 means the row is on disk: every invitation the server answered 201
// for is there after the server is killed with SIGKILL right afterwards.
func TestKillNineKeepsEveryCreated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a server process; skipped with -short")
	}
	dir := t.TempDir()
	bin := buildServer(t)
	args := []string{"-addr", "127.0.0.1:0", "-metrics-addr", "127.0.0.1:0", "-db", filepath.Join(dir, "invitations.db"),
		"-dev-key-file", filepath.Join(dir, "dev-jwt.key")}
	tok := token(t, filepath.Join(dir, "dev-jwt.key"), "urn:li:person:A1iceX9")

	addr, kill := startProcess(t, bin, args...)
	c := newClient(t, addr, tok)
	var (
		mu      sync.Mutex
		created []string
		wg      sync.WaitGroup
	)
	for w := range 8 {
		wg.Go(func() {
			for i := range 10 {
				invitee := fmt.Sprintf("urn:li:person:w%di%d", w, i)
				if create(t, c, invitee) == http.StatusCreated {
					mu.Lock()
					created = append(created, invitee)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	kill()
	if len(created) != 80 {
		t.Fatalf("%d of 80 creates answered 201 before the kill", len(created))
	}

	addr, _ = startProcess(t, bin, args...)
	c = newClient(t, addr, tok)
	for _, invitee := range created {
		if got := create(t, c, invitee); got != http.StatusConflict {
			t.Errorf("after kill -9, creating %s again = %d; want 409 (the first one is stored)", invitee, got)
		}
	}
}

// Prometheus metrics are served on the API's listener by default, so that
// a second instance needs no other port; -metrics-addr moves them, with the
// profiles, to a listener of their own. Profiles are never on the API's.
func TestMetrics(t *testing.T) {
	for _, tt := range []struct {
		name     string
		args     []string
		separate bool
	}{
		{"default", nil, false},
		{"own listener", []string{"-metrics-addr", "127.0.0.1:0"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			logs := &logBuffer{}
			done := make(chan error, 1)
			args := append([]string{"invitationsd", "-addr", "127.0.0.1:0",
				"-db", filepath.Join(dir, "invitations.db"), "-dev-key-file", filepath.Join(dir, "dev-jwt.key")}, tt.args...)
			go func() { done <- run(ctx, args, func(string) string { return "" }, logs, logs) }()
			addr, metricsAddr := listenAddr(t, logs), loggedAddr(t, logs, "serving metrics")
			if separate := metricsAddr != addr; separate != tt.separate {
				t.Errorf("metrics on %s, the API on %s; want them apart: %v", metricsAddr, addr, tt.separate)
			}
			waitHealthy(t, addr)
			tok := token(t, filepath.Join(dir, "dev-jwt.key"), "urn:li:person:A1iceX9")
			if got := create(t, newClient(t, addr, tok), "urn:li:person:Qm9i"); got != http.StatusCreated {
				t.Fatalf("create = %d; want 201", got)
			}

			status, body := httpGet(t, "http://"+metricsAddr+"/metrics")
			if status != http.StatusOK {
				t.Errorf("GET %s/metrics = %d; want 200", metricsAddr, status)
			}
			for _, want := range []string{
				`invitations_http_requests_total{operation="createInvitation",status="201"} 1`,
				"invitations_db_write_batch_size_count 1",
				"invitations_db_duration_seconds_bucket",
				"invitations_idempotency_keys_purged_total 0",
				"go_goroutines",
			} {
				if !strings.Contains(body, want) {
					t.Errorf("/metrics lacks %q", want)
				}
			}
			if status, _ := httpGet(t, "http://"+addr+"/debug/pprof/"); status != http.StatusNotFound {
				t.Errorf("the API's listener answers /debug/pprof/ with %d; want 404", status)
			}
			if tt.separate {
				if status, _ := httpGet(t, "http://"+addr+"/metrics"); status != http.StatusNotFound {
					t.Errorf("the API's listener answers /metrics with %d; want 404 (they are on -metrics-addr)", status)
				}
				if status, _ := httpGet(t, "http://"+metricsAddr+"/debug/pprof/"); status != http.StatusOK {
					t.Errorf("the metrics listener answers /debug/pprof/ with %d; want 200", status)
				}
			}
			cancel()
			if err := <-done; err != nil {
				t.Errorf("run = %v after a graceful stop", err)
			}
		})
	}
}

// httpGet gets url and returns the status and body.
func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(body)
}

// Every request gets one JSON log line with its request id, the one the
// caller saw in its request-id header.
func TestRequestLog(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &logBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"invitationsd", "-addr", "127.0.0.1:0", "-metrics-addr", "",
			"-db", filepath.Join(dir, "invitations.db"), "-dev-key-file", filepath.Join(dir, "dev-jwt.key")},
			func(string) string { return "" }, logs, logs)
	}()
	addr := listenAddr(t, logs)
	waitHealthy(t, addr)
	tok := token(t, filepath.Join(dir, "dev-jwt.key"), "urn:li:person:A1iceX9")
	res, err := newClient(t, addr, tok).CreateInvitationWithResponse(context.Background(), nil,
		raw.InvitationV2Create{Invitee: "urn:li:person:Qm9i"})
	if err != nil {
		t.Fatal(err)
	}
	id := res.HTTPResponse.Header.Get("request-id")
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run = %v", err)
	}
	// The log is buffered; run has returned, so it is all written out.
	var found bool
	for l := range strings.Lines(logs.String()) {
		var rec struct {
			Level, Msg, Operation string
			RequestID             string `json:"request_id"`
			Status                int
		}
		if json.Unmarshal([]byte(l), &rec) == nil && rec.Msg == "request" && rec.RequestID == id {
			found = true
			if rec.Operation != "createInvitation" || rec.Status != http.StatusCreated || rec.Level != "INFO" {
				t.Errorf("request log line %s; want operation createInvitation, status 201, level INFO", l)
			}
		}
	}
	if !found {
		t.Errorf("no request log line with request_id %q in:\n%s", id, logs)
	}
}
