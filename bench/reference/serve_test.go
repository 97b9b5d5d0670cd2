package reference

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"
)

// Serve says where it listens in the line daemon.Start reads, serves there,
// and returns nil once its context ends.
func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, w := io.Pipe()
	done := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "here") })
	go func() { done <- Serve(ctx, "127.0.0.1:0", h, w) }()

	line, err := bufio.NewReader(out).ReadBytes('\n')
	if err != nil {
		t.Fatal(err)
	}
	var rec struct{ Msg, Addr string }
	if err := json.Unmarshal(line, &rec); err != nil || rec.Msg != "listening" || rec.Addr == "" {
		t.Fatalf("Serve printed %q (%v); want {\"msg\":\"listening\",\"addr\":...}", line, err)
	}
	res, err := http.Get("http://" + rec.Addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(body) != "here" {
		t.Errorf("GET / = %q; want the handler's %q", body, "here")
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after cancel = %v; want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return within 10 s of its context's end")
	}
}
