package webhook_test

import (
	"context"
	"log"
	"net/http"
	"os"

	"github.com/graph-linkedin/invitations/client"
	"github.com/graph-linkedin/invitations/client/webhook"
)

// A receiver of a subscription's notifications that gets each changed
// invitation.
func ExampleHandler() {
	c, err := client.New("https://invitations.example.com/v1.0", client.WithToken(os.Getenv("INVITATIONS_TOKEN")))
	if err != nil {
		log.Fatal(err)
	}
	http.Handle("/notify", &webhook.Handler{
		ClientState: os.Getenv("CLIENT_STATE"), // the subscription's
		OnChange: func(ctx context.Context, n webhook.Change) error {
			if n.ChangeType == client.ChangeDeleted {
				log.Printf("invitation %s was deleted", n.InvitationID)
				return nil
			}
			inv, err := c.GetInvitation(ctx, n.InvitationID)
			if err != nil {
				return err // not acknowledged: the service sends it again
			}
			log.Printf("invitation %s was %s: %s", inv.ID, n.ChangeType, inv.State)
			return nil
		},
		OnLifecycle: func(ctx context.Context, n webhook.Lifecycle) error {
			log.Printf("subscription %s: %s", n.SubscriptionID, n.Event)
			return nil
		},
		Dedupe: webhook.NewDedupe(10_000),
	})
	// The service POSTs to https URLs only.
	log.Fatal(http.ListenAndServeTLS(":8443", "cert.pem", "key.pem", nil))
}
