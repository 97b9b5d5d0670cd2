package server

import (
	"context"
	"errors"
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
