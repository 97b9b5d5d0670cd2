package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// dial opens a raw TCP connection to addr, closed when the test ends.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// closedWithin reads conn, discarding what the server sends, until the
// server closes it, and returns how long that took; it fails the test if
// the connection is still open after limit.
func closedWithin(t *testing.T, conn net.Conn, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	conn.SetReadDeadline(start.Add(limit))
	_, err := io.Copy(io.Discard, conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept the connection open for %v", limit)
	}
	return time.Since(start)
}

// readResponse reads one response from conn within limit, with its body.
func readResponse(t *testing.T, conn net.Conn, br *bufio.Reader, limit time.Duration) (*http.Response, []byte) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(limit))
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no response within %v: %v", limit, err)
	}
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("reading the response body: %v", err)
	}
	res.Body.Close()
	conn.SetReadDeadline(time.Time{})
	return res, body
}

// graphCode is the code of a Graph error body, or "" if body is none.
func graphCode(body []byte) string {
	var e struct{ Error struct{ Code string } }
	json.Unmarshal(body, &e)
	return e.Error.Code
}

// Bodies over the limit get a 413 with a Graph error body at once, without
// the server reading them to the end: whether the length is declared (far
// over the limit, or within net/http's own 256 KiB of eager reading) or the
// body is chunked. The connection is closed after the answer, since the
// rest of the body would come next on it.
func TestBodyTooLargeIsNotRead(t *testing.T) {
	// Long read timeouts: a server waiting for the rest of a body would
	// answer only when the test has given up.
	d, tok := startSQLiteDaemon(t, "-read-timeout", "2m", "-write-timeout", "2m", "-read-header-timeout", "1m")
	addr := d.addr
	head := "POST /v1.0/linkedIn/invitations HTTP/1.1\r\nHost: " + addr + "\r\nAuthorization: Bearer " + tok +
		"\r\nContent-Type: application/json\r\n"
	for _, tt := range []struct {
		name, header, sent string
	}{
		{"a declared gibibyte", "Content-Length: 1073741824\r\n", `{"invitee": "urn:li:person:`},
		{"a declared 100 KiB", "Content-Length: 102400\r\n", `{"invitee": "urn:li:person:`},
		{"chunked, 80 KiB of it sent", "Transfer-Encoding: chunked\r\n",
			fmt.Sprintf("%x\r\n%s\r\n", 80<<10, `{"trackingId": "`+strings.Repeat("x", 80<<10-16))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			conn := dial(t, addr)
			if _, err := io.WriteString(conn, head+tt.header+"\r\n"+tt.sent); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			res, body := readResponse(t, conn, bufio.NewReader(conn), 20*time.Second)
			if res.StatusCode != http.StatusRequestEntityTooLarge || graphCode(body) != "requestEntityTooLarge" {
				t.Errorf("status %d, body %s; want 413 with a requestEntityTooLarge error", res.StatusCode, body)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("the 413 took %v", d)
			}
			if !res.Close {
				t.Error("the 413 does not say Connection: close")
			}
			closedWithin(t, conn, 10*time.Second)
		})
	}
}

// A sender that writes the whole of a body over the limit before it reads
// the answer, as many HTTP clients do, gets the 413, not a reset: after
// answering, the server drains what is left of the body (within net/http's
// 256 KiB and a grace period) before it closes the connection, where a
// connection closed with the body unread would be reset under the sender's
// write. The sender's buffer is small, so the body cannot all wait in the
// kernel's buffers: the write completes only if the server reads it.
func TestBodyTooLargeIsDrained(t *testing.T) {
	d, tok := startSQLiteDaemon(t)
	conn := dial(t, d.addr)
	if err := conn.(*net.TCPConn).SetWriteBuffer(4 << 10); err != nil {
		t.Fatal(err)
	}
	body := `{"trackingId": "` + strings.Repeat("x", 240<<10) + `"}`
	req := fmt.Sprintf("POST /v1.0/linkedIn/invitations HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", d.addr, tok, len(body), body)
	conn.SetWriteDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatalf("writing the request: %v; want the server to read the rest of the body", err)
	}
	res, got := readResponse(t, conn, bufio.NewReader(conn), 20*time.Second)
	if res.StatusCode != http.StatusRequestEntityTooLarge || graphCode(got) != "requestEntityTooLarge" {
		t.Errorf("status %d, body %s; want 413 with a requestEntityTooLarge error", res.StatusCode, got)
	}
}

// Header fields over the handler's limit get its 431 with a Graph error
// body; over net/http's own (1 MiB), net/http's 431.
func TestHeadersTooLarge(t *testing.T) {
	d, tok := startSQLiteDaemon(t)
	addr := d.addr
	for _, tt := range []struct {
		size      int
		graphBody bool
	}{{40 << 10, true}, {2 << 20, false}} {
		conn := dial(t, addr)
		req := "GET /v1.0/linkedIn/invitations HTTP/1.1\r\nHost: " + addr + "\r\nAuthorization: Bearer " + tok +
			"\r\nX-Padding: " + strings.Repeat("x", tt.size) + "\r\n\r\n"
		go io.WriteString(conn, req) // net/http answers before reading all of a 2 MiB header
		res, body := readResponse(t, conn, bufio.NewReader(conn), 20*time.Second)
		if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("%d bytes of header fields: status %d; want 431", tt.size, res.StatusCode)
		}
		if got := graphCode(body); tt.graphBody && got != "requestHeaderFieldsTooLarge" {
			t.Errorf("%d bytes of header fields: body %s; want a requestHeaderFieldsTooLarge error", tt.size, body)
		}
	}
}

// Slow clients are cut off by the server's timeouts: one dribbling its
// header fields when -read-header-timeout ends, one dribbling its body when
// -read-timeout ends, an idle kept-alive connection when -idle-timeout ends.
func TestSlowClientsAreCutOff(t *testing.T) {
	const (
		headerTimeout = 1 * time.Second
		readTimeout   = 2 * time.Second
		idleTimeout   = 1 * time.Second
		margin        = 5 * time.Second // a noisy machine
	)
	d, tok := startSQLiteDaemon(t, "-read-header-timeout", headerTimeout.String(), "-read-timeout", readTimeout.String(),
		"-idle-timeout", idleTimeout.String())
	addr := d.addr

	// dribble writes the parts to conn one by one, a tenth of a second
	// apart, until the connection fails or stop is closed.
	dribble := func(conn net.Conn, stop <-chan struct{}, parts func(i int) string) {
		for i := 0; ; i++ {
			if _, err := io.WriteString(conn, parts(i)); err != nil {
				return
			}
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}

	t.Run("header fields", func(t *testing.T) {
		t.Parallel()
		conn := dial(t, addr)
		stop := make(chan struct{})
		defer close(stop)
		go dribble(conn, stop, func(i int) string {
			if i == 0 {
				return "GET /v1.0/linkedIn/invitations HTTP/1.1\r\nHost: " + addr + "\r\n"
			}
			return fmt.Sprintf("X-Dribble-%d: x\r\n", i)
		})
		if d := closedWithin(t, conn, headerTimeout+margin); d < headerTimeout/2 {
			t.Errorf("the connection was closed after %v, before the header timeout (%v)", d, headerTimeout)
		}
	})

	t.Run("body", func(t *testing.T) {
		t.Parallel()
		conn := dial(t, addr)
		stop := make(chan struct{})
		defer close(stop)
		go dribble(conn, stop, func(i int) string {
			if i == 0 {
				return "POST /v1.0/linkedIn/invitations HTTP/1.1\r\nHost: " + addr + "\r\nAuthorization: Bearer " + tok +
					"\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{"
			}
			return " "
		})
		start := time.Now()
		br := bufio.NewReader(conn)
		conn.SetReadDeadline(start.Add(readTimeout + margin))
		// The handler may still answer (the read failed: a 400), or not.
		if res, err := http.ReadResponse(br, nil); err == nil {
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode >= 500 || graphCode(body) == "" {
				t.Errorf("a body cut off by the read timeout: status %d, body %s; want a 4xx with a Graph error", res.StatusCode, body)
			}
		}
		if rest := readTimeout + margin - time.Since(start); rest > 0 {
			closedWithin(t, conn, rest)
		} else {
			t.Errorf("the connection was still open after %v", time.Since(start))
		}
		if d := time.Since(start); d < readTimeout/2 {
			t.Errorf("the connection was closed after %v, before the read timeout (%v)", d, readTimeout)
		}
	})

	t.Run("idle", func(t *testing.T) {
		t.Parallel()
		conn := dial(t, addr)
		if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: "+addr+"\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		res, _ := readResponse(t, conn, bufio.NewReader(conn), 10*time.Second)
		if res.StatusCode != http.StatusOK || res.Close {
			t.Fatalf("/healthz: status %d, close %v; want 200 on a kept-alive connection", res.StatusCode, res.Close)
		}
		if d := closedWithin(t, conn, idleTimeout+margin); d < idleTimeout/2 {
			t.Errorf("the idle connection was closed after %v, before the idle timeout (%v)", d, idleTimeout)
		}
	})
}
