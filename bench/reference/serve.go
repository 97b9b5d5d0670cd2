// Package reference is what the harness's reference servers (bench/baseline,
// bench/stock, bench/baresqlite) share: how they listen and tell the harness
// where, so that bench/daemon starts them as it starts invitationsd.
package reference

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// Serve serves h on addr until ctx ends. Once it listens it prints the line
// invitationsd prints, {"msg":"listening","addr":...}, which daemon.Start
// waits for.
func Serve(ctx context.Context, addr string, h http.Handler, stdout io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "{\"msg\":\"listening\",\"addr\":%q}\n", ln.Addr().String())
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { <-ctx.Done(); srv.Close() }()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
