// Command receiver is the smallest subscriber of change notifications: it
// answers the validation handshake, checks each notification's clientState
// and drops one it has seen (delivery is at least once), prints the rest,
// and acknowledges them with a 202.
//
//	go run ./examples/receiver -addr 127.0.0.1:9000 -client-state s3cret
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"sync"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "listen address")
	state := flag.String("client-state", "", "the subscription's clientState; notifications without it are refused")
	flag.Parse()
	log.Printf("receiving notifications on http://%s/notify", *addr)
	log.Fatal(http.ListenAndServe(*addr, newHandler(os.Stdout, *state)))
}

// notification is what this receiver reads of one: openapi.yaml's
// ChangeNotification and LifecycleNotification have the rest.
type notification struct {
	ID             string `json:"id"`
	SubscriptionID string `json:"subscriptionId"`
	ChangeType     string `json:"changeType"`     // created, updated, deleted
	LifecycleEvent string `json:"lifecycleEvent"` // missed, subscriptionRemoved
	Resource       string `json:"resource"`       // linkedIn/invitations/{id}
	ClientState    string `json:"clientState"`
}

// newHandler prints each new notification to out, one line each.
func newHandler(out io.Writer, clientState string) http.Handler {
	var (
		mu   sync.Mutex
		seen = map[string]bool{} // notification ids (keep them as long as retries may come: hours)
	)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The validation handshake: echo the token, as plain text, at once.
		if token := r.URL.Query().Get("validationToken"); token != "" {
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, token)
			return
		}
		var body struct{ Value []notification }
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
			http.Error(w, "not a notification", http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for _, n := range body.Value {
			if n.ClientState != clientState {
				continue // not from the service: it sends the subscription's clientState
			}
			if seen[n.ID] {
				continue // a duplicate: delivery is at least once
			}
			seen[n.ID] = true
			what := n.ChangeType
			if n.LifecycleEvent != "" {
				what = "lifecycle: " + n.LifecycleEvent
			}
			fmt.Fprintf(out, "%s %s (subscription %s, notification %s)\n", what, n.Resource, n.SubscriptionID, n.ID)
		}
		w.WriteHeader(http.StatusAccepted)
	})
}
