package server

import (
	"context"
	"sync"
	"time"
)

// lazyDeadline is a context whose deadline costs nothing until some work
// waits on it: its timer (a context.WithDeadline under it) is made the
// first time Done is called. A store call that never waits, such as the
// in-memory store's or a SQLite read by id (which is bounded by SQLite's
// busy timeout instead), pays for no timer; one that may block (a SQLite
// write waiting for the writer, a PostgreSQL round trip, a wait for a
// database slot) asks for Done and gets the deadline it needs. A deadline
// for every call, as context.WithDeadline makes it, cost about 3.5% of a
// get's CPU: a timer, and a place in the parent's children.
//
// It holds its parent as context.WithDeadline's own contexts do: it is a
// context, not a struct carrying one.
type lazyDeadline struct {
	context.Context // the parent
	deadline        time.Time

	mu       sync.Mutex
	timed    context.Context // the deadline's, once Done has been called
	cancel   context.CancelFunc
	released bool
}

func withLazyDeadline(parent context.Context, deadline time.Time) *lazyDeadline {
	return &lazyDeadline{Context: parent, deadline: deadline}
}

// Deadline is the earlier of the parent's and the call's.
func (c *lazyDeadline) Deadline() (time.Time, bool) {
	if d, ok := c.Context.Deadline(); ok && d.Before(c.deadline) {
		return d, true
	}
	return c.deadline, true
}

// Done makes the deadline's timer, once.
func (c *lazyDeadline) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.timed == nil {
		c.timed, c.cancel = context.WithDeadline(c.Context, c.deadline)
		if c.released { // asked after the call: it is over
			c.cancel()
		}
	}
	return c.timed.Done()
}

// Value is the parent's value for key, or, once the deadline's context is
// made, that context's, which differs only for the context package's own
// key: through it, what derives from this context (context.WithCancel,
// context.AfterFunc, which pgx calls for every query) finds the deadline's
// context behind Done and joins its children. Without it, each would start
// a goroutine to watch Done.
func (c *lazyDeadline) Value(key any) any {
	c.mu.Lock()
	timed := c.timed
	c.mu.Unlock()
	if timed != nil {
		return timed.Value(key)
	}
	return c.Context.Value(key)
}

// Err is what a context.WithDeadline would say.
func (c *lazyDeadline) Err() error {
	c.mu.Lock()
	timed, released := c.timed, c.released
	c.mu.Unlock()
	switch {
	case timed != nil:
		return timed.Err()
	case c.Context.Err() != nil:
		return c.Context.Err()
	case released:
		return context.Canceled
	case !time.Now().Before(c.deadline):
		return context.DeadlineExceeded
	}
	return nil
}

// release ends the context once its call is over, as a CancelFunc does.
func (c *lazyDeadline) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.released = true
	if c.cancel != nil {
		c.cancel()
	}
}
