package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const createBody = `{"invitee": "urn:li:person:Qm9i", "trackingId": "in-flight"}`

// startSlowCreate sends a create's header fields, asking the server to
// confirm with a 100 Continue before the body comes. The server sends it
// when the handler begins to read the body: when startSlowCreate returns,
// the request is in flight, waiting for the body, which the test sends (or
// never sends) when it likes.
func startSlowCreate(t *testing.T, addr, tok string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn := dial(t, addr)
	head := "POST /v1.0/linkedIn/invitations HTTP/1.1\r\nHost: " + addr + "\r\nAuthorization: Bearer " + tok +
		"\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: " + fmt.Sprint(len(createBody)) + "\r\n\r\n"
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	res, err := http.ReadResponse(br, nil)
	if err != nil || res.StatusCode != http.StatusContinue {
		t.Fatalf("waiting for 100 Continue: %v, %v", res, err)
	}
	conn.SetReadDeadline(time.Time{})
	return conn, br
}

// refusedWithin dials addr until the connection is refused, for up to limit.
func refusedWithin(t *testing.T, addr string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if errors.Is(err, syscall.ECONNREFUSED) {
			return
		}
		if err == nil {
			conn.Close()
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still accepts connections (%v) %v after the shutdown began", addr, err, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// On SIGTERM the server refuses new connections and closes idle ones, lets
// the request in flight finish (its invitation is stored), and exits 0.
func TestShutdownLetsRequestsFinish(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and signals a server process; skipped with -short")
	}
	t.Parallel()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "dev-jwt.key")
	tok := token(t, keyFile, "urn:li:person:A1iceX9")
	bin := buildServer(t)
	// Restarted on the same data below, so not through startSQLiteDaemon.
	args := []string{"-addr", "127.0.0.1:0", "-metrics-addr", "127.0.0.1:0", "-db", filepath.Join(dir, "invitations.db"),
		"-dev-key-file", keyFile, "-shutdown-timeout", "1m"}
	d := startDaemon(t, bin, args...)
	metricsAddr := loggedAddr(t, d.logs, "serving metrics")

	idle := dial(t, d.addr) // a kept-alive connection between requests
	if _, err := io.WriteString(idle, "GET /healthz HTTP/1.1\r\nHost: "+d.addr+"\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if res, _ := readResponse(t, idle, bufio.NewReader(idle), 10*time.Second); res.StatusCode != http.StatusOK {
		t.Fatalf("/healthz: %d", res.StatusCode)
	}
	conn, br := startSlowCreate(t, d.addr, tok)

	d.cmd.Process.Signal(syscall.SIGTERM)
	loggedAddr(t, d.logs, "shutting down")
	refusedWithin(t, d.addr, 10*time.Second)
	refusedWithin(t, metricsAddr, 10*time.Second)
	closedWithin(t, idle, 10*time.Second)
	select {
	case <-d.exited:
		t.Fatal("the server exited with a request in flight")
	default:
	}

	if _, err := io.WriteString(conn, createBody); err != nil {
		t.Fatal(err)
	}
	res, body := readResponse(t, conn, br, 20*time.Second)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("the create in flight at SIGTERM: status %d, %s; want 201", res.StatusCode, body)
	}
	if !res.Close {
		t.Error("an answer during the shutdown does not say Connection: close")
	}
	state, _ := d.wait(t, 20*time.Second)
	if state.ExitCode() != 0 || !strings.Contains(d.logs.String(), `"msg":"stopped"`) {
		t.Errorf("exit: %v; want status 0 after the log line \"stopped\"", state)
	}

	// Its invitation was committed before the database was closed.
	d = startDaemon(t, bin, args...)
	created := response{body: body}
	if got := newAPI(t, d.addr, tok).do("GET", collection+"/"+created.field("id"), ""); got.status != http.StatusOK {
		t.Errorf("after the restart, GET the invitation created during the shutdown: %d\n%s", got.status, got.body)
	}
}

// A request that does not finish within -shutdown-timeout has its
// connection closed, and the server exits 1 when the timeout ends.
func TestShutdownDeadline(t *testing.T) {
	const shutdownTimeout = 2 * time.Second
	d, tok := startSQLiteDaemon(t, "-shutdown-timeout", shutdownTimeout.String())
	conn, _ := startSlowCreate(t, d.addr, tok) // its body never comes

	d.cmd.Process.Signal(syscall.SIGTERM)
	state, took := d.wait(t, shutdownTimeout+15*time.Second)
	if state.ExitCode() != 1 {
		t.Errorf("exit: %v; want status 1 (a request was cut off)", state)
	}
	if took < shutdownTimeout/2 {
		t.Errorf("the server exited %v after SIGTERM, before the shutdown timeout (%v)", took, shutdownTimeout)
	}
	if !strings.Contains(d.logs.String(), "did not finish within the shutdown timeout") {
		t.Error("the log does not say requests were cut off")
	}
	closedWithin(t, conn, 5*time.Second)
}

// A second SIGTERM during the graceful shutdown ends the process at once.
func TestShutdownSecondSignal(t *testing.T) {
	d, tok := startSQLiteDaemon(t, "-shutdown-timeout", "10m")
	startSlowCreate(t, d.addr, tok) // holds the shutdown open

	d.cmd.Process.Signal(syscall.SIGTERM)
	loggedAddr(t, d.logs, "shutting down")
	// Again until it exits: the first signal's handler may still be
	// giving the signals back to their default action.
	deadline := time.Now().Add(15 * time.Second)
	for {
		d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.exited:
		case <-time.After(200 * time.Millisecond):
			if time.Now().Before(deadline) {
				continue
			}
			t.Fatal("the server still runs after a second SIGTERM")
		}
		break
	}
	if ws, ok := d.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Errorf("exit: %v; want killed by SIGTERM", d.cmd.ProcessState)
	}
}
