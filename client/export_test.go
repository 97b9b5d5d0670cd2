package client

import (
	"context"
	"time"
)

// WithClock replaces the clock and the wait between retries, so tests can
// see the waits without taking them.
func WithClock(now func() time.Time, sleep func(context.Context, time.Duration) error) Option {
	return optionFunc(func(c *Client) error {
		c.now, c.sleep = now, sleep
		return nil
	})
}
