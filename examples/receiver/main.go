// Command receiver is the smallest subscriber of change notifications, built
// on the client's webhook.Handler: it answers the validation handshake,
// refuses notifications without the subscription's clientState, drops one
// it has seen (delivery is at least once), prints the rest and acknowledges
// them.
//
//	go run ./examples/receiver -addr 127.0.0.1:9000 -client-state s3cret
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"

	"github.com/graph-linkedin/invitations/client/webhook"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "listen address")
	state := flag.String("client-state", "", "the subscription's clientState; notifications without it are refused")
	flag.Parse()
	log.Printf("receiving notifications on http://%s/notify", *addr)
	log.Fatal(http.ListenAndServe(*addr, newHandler(os.Stdout, *state)))
}

// newHandler prints each new notification to out, one line each.
func newHandler(out io.Writer, clientState string) http.Handler {
	return &webhook.Handler{
		ClientState: clientState,
		OnChange: func(_ context.Context, n webhook.Change) error {
			_, err := fmt.Fprintf(out, "%s %s (subscription %s, notification %s)\n", n.ChangeType, n.Resource, n.SubscriptionID, n.ID)
			return err
		},
		OnLifecycle: func(_ context.Context, n webhook.Lifecycle) error {
			_, err := fmt.Fprintf(out, "lifecycle: %s (subscription %s, notification %s)\n", n.Event, n.SubscriptionID, n.ID)
			return err
		},
		Dedupe: webhook.NewDedupe(10_000), // the repeats of the last 10,000 notifications
	}
}
