package server

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"
)

// A lazy deadline ends as context.WithDeadline would: at its deadline once
// waited on, with its parent, and when released; and it makes no timer
// until asked to.
func TestLazyDeadline(t *testing.T) {
	t.Run("deadline", func(t *testing.T) {
		c := withLazyDeadline(context.Background(), time.Now().Add(20*time.Millisecond))
		defer c.release()
		if c.timed != nil {
			t.Fatal("withLazyDeadline made a timer before Done was called")
		}
		if err := c.Err(); err != nil {
			t.Errorf("Err() before the deadline = %v; want nil", err)
		}
		select {
		case <-c.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("Done() not closed 5 s after a 20 ms deadline")
		}
		if err := c.Err(); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Err() after the deadline = %v; want DeadlineExceeded", err)
		}
	})
	t.Run("passed, not waited on", func(t *testing.T) {
		c := withLazyDeadline(context.Background(), time.Now().Add(-time.Second))
		defer c.release()
		if err := c.Err(); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Err() past the deadline = %v; want DeadlineExceeded", err)
		}
	})
	t.Run("parent", func(t *testing.T) {
		parent, cancel := context.WithCancel(context.Background())
		c := withLazyDeadline(parent, time.Now().Add(time.Hour))
		defer c.release()
		cancel()
		if err := c.Err(); !errors.Is(err, context.Canceled) {
			t.Errorf("Err() after the parent's cancel = %v; want Canceled", err)
		}
		<-c.Done()
		if d, _ := c.Deadline(); time.Until(d) < 59*time.Minute {
			t.Errorf("Deadline() = %v; want an hour from now", d)
		}
	})
	t.Run("released", func(t *testing.T) {
		c := withLazyDeadline(context.Background(), time.Now().Add(time.Hour))
		done := c.Done()
		c.release()
		<-done
		if err := c.Err(); !errors.Is(err, context.Canceled) {
			t.Errorf("Err() after release = %v; want Canceled", err)
		}
		late := withLazyDeadline(context.Background(), time.Now().Add(time.Hour))
		late.release()
		if err := late.Err(); !errors.Is(err, context.Canceled) {
			t.Errorf("Err() of a released, never waited on context = %v; want Canceled", err)
		}
		<-late.Done() // closed at once: the call is over
	})
	// What derives from it (context.WithCancel, context.AfterFunc, which
	// pgx calls for every query) joins the deadline's context, as it would
	// join a context.WithDeadline's, instead of starting a goroutine to
	// watch Done.
	t.Run("children", func(t *testing.T) {
		parent, cancel := context.WithCancel(context.Background()) // as a request's is
		defer cancel()
		c := withLazyDeadline(parent, time.Now().Add(time.Hour))
		const n = 1000
		before := runtime.NumGoroutine()
		stops := make([]func() bool, n)
		for i := range stops {
			stops[i] = context.AfterFunc(c, func() {})
		}
		if grew := runtime.NumGoroutine() - before; grew >= n/2 {
			t.Errorf("%d context.AfterFunc on a lazy deadline started %d goroutines; want none", n, grew)
		}
		for _, stop := range stops {
			stop()
		}
		child, cancelChild := context.WithCancel(c)
		defer cancelChild()
		c.release()
		<-child.Done() // ended with it
	})
	t.Run("earlier parent deadline", func(t *testing.T) {
		parent, cancel := context.WithDeadline(context.Background(), time.Now().Add(time.Minute))
		defer cancel()
		c := withLazyDeadline(parent, time.Now().Add(time.Hour))
		defer c.release()
		if d, _ := c.Deadline(); time.Until(d) > time.Minute {
			t.Errorf("Deadline() = %v; want the parent's, a minute from now", d)
		}
	})
}
