package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/client"
	"github.com/graph-linkedin/invitations/jwtauth"
	"github.com/graph-linkedin/invitations/server"
	"github.com/graph-linkedin/invitations/sqlite"
)

// exampleServer starts the service for an example, as `make run` would, and
// returns its base URL, a token of alice's, and a function that stops it.
func exampleServer() (baseURL, token string, stop func()) {
	dir, err := os.MkdirTemp("", "invitations-example")
	if err != nil {
		log.Fatal(err)
	}
	store, err := sqlite.Open(context.Background(), filepath.Join(dir, "invitations.db"), sqlite.Options{})
	if err != nil {
		log.Fatal(err)
	}
	h, err := server.New(store, slog.New(slog.NewTextHandler(io.Discard, nil)), server.Options{
		Verifier: jwtauth.NewHS256(testKey, jwtauth.DevIssuer, jwtauth.DevAudience),
	})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(h)
	return srv.URL + "/v1.0", exampleToken(alice), func() {
		srv.Close()
		store.Close()
		os.RemoveAll(dir)
	}
}

// exampleToken is a token of the person user that the example server
// trusts, as `invitationsd token` makes one.
func exampleToken(user string) string {
	now := time.Now()
	token, err := jwtauth.MintHS256(testKey, jwtauth.Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: jwtauth.DevIssuer, Audience: jwt.ClaimStrings{jwtauth.DevAudience}, Subject: user,
			NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)),
		},
		TenantID: tenant,
		Scope:    invitations.PermReadWrite,
	})
	if err != nil {
		log.Fatal(err)
	}
	return token
}

func Example() {
	baseURL, token, stop := exampleServer() // for example "http://127.0.0.1:8080/v1.0" and a token of urn:li:person:A1iceX9
	defer stop()
	ctx := context.Background()

	c, err := client.New(baseURL, client.WithToken(token))
	if err != nil {
		log.Fatal(err)
	}
	inv, err := c.CreateInvitation(ctx, client.NewInvitation{
		Invitee: "urn:li:email:ada.lovelace@contoso.com",
		Message: &client.Message{Body: "Ada, I would like to add you to my network."},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(inv.Inviter, "invited", inv.Invitee, "- ETag", inv.ETag)

	// Change the message, unless someone else changed the invitation first.
	patch := client.Patch{Message: client.Set(client.MessagePatch{Body: client.Set("Following up.")})}
	inv, err = c.UpdateInvitation(ctx, inv.ID, patch, client.WithIfMatch(inv.ETag))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(inv.Message.Body, "- ETag", inv.ETag)

	if err := c.DeleteInvitation(ctx, inv.ID); err != nil {
		log.Fatal(err)
	}
	// Output:
	// urn:li:person:A1iceX9 invited urn:li:email:ada.lovelace@contoso.com - ETag "1"
	// Following up. - ETag "2"
}

func ExampleClient_ListInvitations() {
	baseURL, token, stop := exampleServer()
	defer stop()
	ctx := context.Background()
	c, err := client.New(baseURL, client.WithToken(token))
	if err != nil {
		log.Fatal(err)
	}
	for _, invitee := range []string{"urn:li:person:B0bY7z", "urn:li:email:carol@contoso.com", "urn:li:person:D4ve"} {
		if _, err := c.CreateInvitation(ctx, client.NewInvitation{Invitee: invitee, TrackingID: "spring-campaign"}); err != nil {
			log.Fatal(err)
		}
	}

	// Every match, oldest first, two to a page: the loop fetches the next
	// page when it needs it.
	opts := client.ListOptions{
		Filter:  "trackingId eq 'spring-campaign' and invitee ne 'urn:li:email:carol@contoso.com'",
		OrderBy: "created asc",
		Top:     2,
	}
	for inv, err := range c.ListInvitations(ctx, opts) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(inv.Invitee)
	}
	// Output:
	// urn:li:person:B0bY7z
	// urn:li:person:D4ve
}

// Bob lists the invitations that wait for his answer and accepts them;
// each id gets its own result.
func ExampleClient_CloseInvitations() {
	baseURL, token, stop := exampleServer() // token: alice's
	defer stop()
	ctx := context.Background()
	alices, err := client.New(baseURL, client.WithToken(token))
	if err != nil {
		log.Fatal(err)
	}
	inv, err := alices.CreateInvitation(ctx, client.NewInvitation{Invitee: "urn:li:person:B0bY7z"})
	if err != nil {
		log.Fatal(err)
	}

	const me = "urn:li:person:B0bY7z" // the sub of bob's token
	bobs, err := client.New(baseURL, client.WithToken(exampleToken(me)))
	if err != nil {
		log.Fatal(err)
	}
	var ids []string
	for inv, err := range bobs.ListInvitations(ctx, client.ListOptions{Filter: client.PendingFor(me)}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("from", inv.Inviter, inv.State)
		ids = append(ids, inv.ID)
	}
	ids = append(ids, "0b6f4c1e-6a55-4d8e-9a3f-2f1c0e7d9b84") // one that is not there
	results, err := bobs.CloseInvitations(ctx, client.ActionAccept, ids)
	if err != nil {
		log.Fatal(err) // the request as a whole failed: no results
	}
	for _, r := range results {
		switch {
		case r.Err == nil:
			fmt.Println("accepted")
		case errors.Is(r.Err, client.ErrNotFound):
			fmt.Println("not found")
		default:
			fmt.Println("failed:", r.Err)
		}
	}

	inv, err = alices.GetInvitation(ctx, inv.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(inv.State, "- ETag", inv.ETag)
	// Output:
	// from urn:li:person:A1iceX9 pending
	// accepted
	// not found
	// accepted - ETag "2"
}

// A second invitation to the same person is a 409 while the first is
// pending: until it is accepted, ignored or deleted.
func ExampleError_conflict() {
	baseURL, token, stop := exampleServer()
	defer stop()
	ctx := context.Background()
	c, err := client.New(baseURL, client.WithToken(token))
	if err != nil {
		log.Fatal(err)
	}
	bob := client.NewInvitation{Invitee: "urn:li:person:B0bY7z"}
	if _, err := c.CreateInvitation(ctx, bob); err != nil {
		log.Fatal(err)
	}

	_, err = c.CreateInvitation(ctx, bob)
	switch {
	case errors.Is(err, client.ErrConflict):
		var e *client.Error
		errors.As(err, &e)
		fmt.Println("already invited:", e.StatusCode, e.Code)
		fmt.Println(e.Message)
	case err != nil:
		log.Fatal(err)
	}
	// Output:
	// already invited: 409 conflict
	// an invitation from urn:li:person:A1iceX9 to urn:li:person:B0bY7z already exists
}

// An application authenticates with the OAuth 2.0 client credentials flow;
// the token source fetches and renews its token.
func ExampleWithTokenSource() {
	creds := clientcredentials.Config{
		ClientID:     os.Getenv("CLIENT_ID"),
		ClientSecret: os.Getenv("CLIENT_SECRET"),
		TokenURL:     "https://login.example.com/oauth2/v2.0/token",
		Scopes:       []string{"https://invitations.example.com/.default"},
	}
	c, err := client.New("https://invitations.example.com/v1.0",
		client.WithTokenSource(creds.TokenSource(context.Background())),
		client.WithRetry(client.RetryPolicy{MaxAttempts: 6, MaxElapsed: time.Minute}),
		client.WithUserAgent("contoso-sync/2.1"),
	)
	if err != nil {
		log.Fatal(err)
	}
	_ = c
}
