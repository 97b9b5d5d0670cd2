package notify

import (
	"encoding/json"
	"time"

	"github.com/graph-linkedin/invitations"
)

// The bodies POSTed to subscribers, as openapi.yaml's
// ChangeNotificationCollection and LifecycleNotificationCollection
// declare them (the tests check them against it). They are written here
// rather than taken from gen, which would bring the server's web framework
// into this package.

type changeNotification struct {
	ID                             string       `json:"id"`
	SubscriptionID                 string       `json:"subscriptionId"`
	SubscriptionExpirationDateTime time.Time    `json:"subscriptionExpirationDateTime"`
	ChangeType                     string       `json:"changeType"`
	Resource                       string       `json:"resource"`
	ResourceData                   resourceData `json:"resourceData"`
	ClientState                    string       `json:"clientState,omitempty"`
	TenantID                       string       `json:"tenantId"`
}

type resourceData struct {
	OdataType string `json:"@odata.type"`
	OdataID   string `json:"@odata.id"`
	ID        string `json:"id"`
}

type lifecycleNotification struct {
	ID                             string    `json:"id"`
	SubscriptionID                 string    `json:"subscriptionId"`
	SubscriptionExpirationDateTime time.Time `json:"subscriptionExpirationDateTime"`
	LifecycleEvent                 string    `json:"lifecycleEvent"`
	ClientState                    string    `json:"clientState,omitempty"`
	TenantID                       string    `json:"tenantId"`
}

// encode is the body of one POST of d's notifications ns: change
// notifications, or, for a removed subscription, lifecycle ones.
func encode(d invitations.Delivery, ns []invitations.Notification) ([]byte, error) {
	sub := d.Subscription
	exp := sub.Expiration.UTC()
	if d.Removed {
		value := make([]lifecycleNotification, len(ns))
		for i, n := range ns {
			value[i] = lifecycleNotification{ID: n.ID, SubscriptionID: sub.ID, SubscriptionExpirationDateTime: exp,
				LifecycleEvent: string(n.Lifecycle), ClientState: sub.ClientState, TenantID: sub.Tenant}
		}
		return json.Marshal(struct {
			Value []lifecycleNotification `json:"value"`
		}{value})
	}
	value := make([]changeNotification, len(ns))
	for i, n := range ns {
		path := invitations.SubscriptionResource + "/" + n.InvitationID
		value[i] = changeNotification{ID: n.ID, SubscriptionID: sub.ID, SubscriptionExpirationDateTime: exp,
			ChangeType: n.Change.String(), Resource: path,
			ResourceData: resourceData{OdataType: "#microsoft.graph.InvitationV2", OdataID: path, ID: n.InvitationID},
			ClientState:  sub.ClientState, TenantID: sub.Tenant}
	}
	return json.Marshal(struct {
		Value []changeNotification `json:"value"`
	}{value})
}
