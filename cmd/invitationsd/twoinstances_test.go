package main

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startDefault starts the server binary in the working directory dir with
// the default configuration (no INVITATIONS_* variables from the test's
// environment) but for args, and waits until it is healthy. The test's end
// kills it if it still runs.
func startDefault(t *testing.T, bin, dir string, args ...string) *daemon {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "INVITATIONS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	d := launch(t, cmd)
	// Fail at once if it exits instead of listening (a port in use, say).
	for deadline := time.Now().Add(30 * time.Second); d.addr == ""; time.Sleep(10 * time.Millisecond) {
		for line := range strings.Lines(d.logs.String()) {
			var rec struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "listening" {
				d.addr = rec.Addr
			}
		}
		select {
		case <-d.exited:
			if d.addr == "" {
				t.Fatalf("invitationsd %s exited instead of listening: %v; logs:\n%s", strings.Join(args, " "), d.cmd.ProcessState, d.logs)
			}
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("invitationsd %s did not log its address in 30 s; logs:\n%s", strings.Join(args, " "), d.logs)
		}
	}
	waitHealthy(t, d.addr)
	return d
}

// Two servers on one machine with the default configuration, differing only
// in -addr, both start and serve: as `make test`'s servers must while `make
// run` runs. (The tests take no fixed port, so the first one's -addr is not
// the default 127.0.0.1:8080; every other listener and file is the default.)
// They share the default SQLite file and development key, as two servers
// started in one directory do: what one writes, the other reads.
func TestTwoInstancesDefaults(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs server processes; skipped with -short")
	}
	t.Parallel()
	bin, dir := buildServer(t), t.TempDir()

	first := startDefault(t, bin, dir, "-addr", "127.0.0.1:0")
	second := startDefault(t, bin, dir, "-addr", "127.0.0.1:0")
	for _, f := range []string{"data/invitations.db", "data/dev-jwt.key"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("the default %s: %v", f, err)
		}
	}

	tok := token(t, filepath.Join(dir, "data/dev-jwt.key"), "urn:li:person:A1iceX9")
	c1, c2 := newClient(t, first.addr, tok), newClient(t, second.addr, tok)
	if got := create(t, c1, "urn:li:person:Qm9i"); got != http.StatusCreated {
		t.Fatalf("create through the first = %d; want 201", got)
	}
	if got := create(t, c2, "urn:li:person:Qm9i"); got != http.StatusConflict {
		t.Errorf("the same create through the second = %d; want 409: they share the database", got)
	}
	if got := create(t, c2, "urn:li:person:C4rol"); got != http.StatusCreated {
		t.Errorf("create through the second = %d; want 201", got)
	}
	for _, d := range []*daemon{first, second} {
		for _, path := range []string{"/readyz", "/metrics"} {
			if status, _ := httpGet(t, "http://"+d.addr+path); status != http.StatusOK {
				t.Errorf("GET %s%s = %d; want 200", d.addr, path, status)
			}
		}
	}

	for _, d := range []*daemon{second, first} {
		d.cmd.Process.Signal(syscall.SIGTERM)
		if state, _ := d.wait(t, 30*time.Second); !state.Success() {
			t.Errorf("invitationsd on %s exited with %v after SIGTERM; want 0", d.addr, state)
		}
	}
}
