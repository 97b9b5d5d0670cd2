// Package client is the Go client of the LinkedIn invitations API, a
// Microsoft Graph-style service (/v1.0/linkedIn/invitations).
//
// New returns a Client; its methods take and return typed values:
//
//	c, err := client.New("https://invitations.example.com/v1.0", client.WithToken(token))
//	inv, err := c.CreateInvitation(ctx, client.NewInvitation{Invitee: "urn:li:email:ada@contoso.com"})
//	inv, err = c.GetInvitation(ctx, inv.ID)
//	inv, err = c.UpdateInvitation(ctx, inv.ID, patch, client.WithIfMatch(inv.ETag))
//	err = c.DeleteInvitation(ctx, inv.ID)
//	for inv, err := range c.ListInvitations(ctx, client.ListOptions{Filter: "..."}) { ... }
//
// The invitee lists what waits for its answer and accepts or ignores it:
//
//	for inv, err := range c.ListInvitations(ctx, client.ListOptions{Filter: client.PendingFor(me)}) { ... }
//	results, err := c.CloseInvitations(ctx, client.ActionAccept, []string{inv.ID})
//
// A subscription has the service POST a notification to a URL of yours at
// every change of the invitations the caller may read; package
// client/webhook has the http.Handler that receives them:
//
//	sub, err := c.CreateSubscription(ctx, client.NewSubscription{ChangeTypes: []client.ChangeType{client.ChangeCreated},
//		NotificationURL: "https://hooks.example.com/notify", Expiration: time.Now().Add(48 * time.Hour), ClientState: secret})
//	sub, err = c.RenewSubscription(ctx, sub.ID, time.Now().Add(client.MaxSubscriptionLifetime))
//
// An answer other than 2xx is an *Error with the Graph code, message and
// request id; errors.Is tells its kind (ErrNotFound, ErrConflict, ...).
// Requests that meet 429 or 503 or a failed connection are retried (see
// RetryPolicy), creates and closes included: each carries an
// Idempotency-Key, so the service answers a retry of a create it carried out
// with that create's answer (see WithIdempotencyKey), and closing is
// idempotent anyway. Every request carries a client-request-id and, within
// an OpenTelemetry trace, its W3C traceparent (see WithTracerProvider).
//
// Underneath is the client generated from openapi.yaml, package
// github.com/graph-linkedin/invitations/client/raw, with the models of the
// wire format (raw.InvitationV2 and so on), for those who need them.
package client
