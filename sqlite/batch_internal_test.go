package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// TestWriteLeavesWhileWriterBusy: a write that waits to be handed to a
// writer busy with another batch leaves when its context ends, without
// running; the writer then goes on with the next.
func TestWriteLeavesWhileWriterBusy(t *testing.T) {
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "invitations.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	started, release, first := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		first <- s.write(context.Background(), func(context.Context, *sql.Tx) error {
			close(started)
			<-release
			return nil
		})
	}()
	<-started // the writer is in the first write's batch

	var ran atomic.Bool
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.write(ctx, func(context.Context, *sql.Tx) error { ran.Store(true); return nil }); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("write while the writer is busy, until its deadline = %v; want %v", err, context.DeadlineExceeded)
	}
	close(release)
	if err := <-first; err != nil {
		t.Errorf("the first write: %v", err)
	}
	if err := s.write(context.Background(), func(context.Context, *sql.Tx) error { return nil }); err != nil {
		t.Errorf("a write after: %v", err)
	}
	if ran.Load() {
		t.Error("the write that left ran")
	}
}
