package notifytest

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/notify"
)

// Dispatcher runs change notifications for a test's server, as invitationsd
// wires them with -notify-allow-private: the validation handshake (Client,
// the server's Handshaker) and a dispatcher that delivers what the store's
// writes queue, to receivers on this machine over plain http, with short
// waits between retries. The store and the dispatcher need each other: open
// the store with Queued as its OnQueued, then Start.
type Dispatcher struct {
	// Client checks subscribers' URLs and POSTs to them.
	Client *notify.Client
	d      atomic.Pointer[notify.Dispatcher]
}

// NewDispatcher returns a Dispatcher, not yet started.
func NewDispatcher() *Dispatcher {
	return &Dispatcher{Client: notify.NewClient(notify.ClientOptions{AllowPrivate: true, Timeout: 5 * time.Second})}
}

// Queued is the store's OnQueued: it wakes the dispatcher once started.
func (d *Dispatcher) Queued(n int) {
	if nd := d.d.Load(); nd != nil {
		nd.Queued(n)
	}
}

// Start delivers q's notifications until the test ends. Call it after
// opening the store, so that the dispatcher stops before the store closes.
func (d *Dispatcher) Start(tb testing.TB, q invitations.Outbox) {
	tb.Helper()
	nd, err := notify.New(q, notify.Options{Client: d.Client, PollInterval: 50 * time.Millisecond,
		MinBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	if err != nil {
		tb.Fatal(err)
	}
	d.d.Store(nd)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		nd.Run(ctx)
	}()
	tb.Cleanup(func() {
		cancel()
		<-done
	})
}
