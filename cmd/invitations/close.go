package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/golang-jwt/jwt/v5"

	"github.com/graph-linkedin/invitations/client"
	"github.com/graph-linkedin/invitations/client/raw"
)

// The invitee's side: accept and ignore, and the filter of list --received.

var (
	acceptCommand = closeCommand(client.ActionAccept, "accepted", "ignored")
	ignoreCommand = closeCommand(client.ActionIgnore, "ignored", "accepted")
)

// closeCommand is the command of an action; done is the state it closes
// invitations in, other the other action's.
func closeCommand(action client.Action, done, other string) *command {
	verb := strings.ToUpper(string(action[:1])) + string(action[1:])
	return &command{
		name:  string(action),
		short: string(action) + " invitations sent to you",
		args:  " <id>...",
		summary: verb + ` invitations sent to you (Graph's inviteeClosingInvitation action),
1 to 100 at once, each named once. Each invitation gets its own result, in
the order given: ` + done + `, or failed with the service's code: itemNotFound
(no such invitation that you may see), accessDenied (you sent it: withdraw
it with delete) or conflict (it was ` + other + ` already). To ` + string(action) + ` again
succeeds and changes nothing. "invitations list --received" lists the
invitations waiting for your answer. An application's token
(Invitations.ReadWrite.All) closes any invitation of its tenant.

JSON output is the service's answer ({"value": [{"invitationId", "status",
"error"}]}); --output table is a line per invitation, --output id the ids
` + done + `. The exit status is 1 if any invitation failed (standard error says
how many), after every result is printed.`,
		nargs: oneOrMore,
		run: func(ctx context.Context, e *env, c *client.Client, _ *flag.FlagSet, ids []string) error {
			results, err := c.CloseInvitations(ctx, action, ids, requestOptions(e)...)
			if err != nil {
				return err
			}
			if err := e.printResults(results, done); err != nil {
				return err
			}
			return failures(results, done)
		},
	}
}

// failures is the error of the results with a failed entry: how many, and
// the request's id.
func failures(results []client.CloseResult, done string) error {
	n, requestID := 0, ""
	for _, r := range results {
		var e *client.Error
		if errors.As(r.Err, &e) {
			requestID = e.RequestID
		}
		if r.Err != nil {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	return fmt.Errorf("%d of %d invitations not %s (request-id %s)", n, len(results), done, requestID)
}

// printResults prints what an action did: the API's JSON, a table, or the
// ids it closed.
func (e *env) printResults(results []client.CloseResult, done string) error {
	switch e.output {
	case "json":
		out := raw.InviteActionResults{Value: make([]raw.InviteActionResult, len(results))}
		for i, r := range results {
			out.Value[i] = raw.InviteActionResult{InvitationID: r.ID, Status: raw.Succeeded}
			if r.Err != nil {
				code, message := describe(r.Err)
				out.Value[i].Status = raw.Failed
				out.Value[i].Error = &raw.InviteActionError{Code: raw.ErrorCode(code), Message: message}
			}
		}
		return printJSON(e.stdout, out)
	case "id":
		for _, r := range results {
			if r.Err == nil {
				if _, err := fmt.Fprintln(e.stdout, r.ID); err != nil {
					return err
				}
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tRESULT\tERROR")
	for _, r := range results {
		result, why := done, "-"
		if r.Err != nil {
			code, message := describe(r.Err)
			result, why = "failed", code+": "+message
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.ID, result, why)
	}
	return tw.Flush()
}

// describe is the Graph code and message of one entry's failure.
func describe(err error) (code, message string) {
	var e *client.Error
	if errors.As(err, &e) {
		return e.Code, e.Message
	}
	return "", err.Error()
}

// receivedFilter is the $filter of list --received: the invitations
// waiting for the answer of the token's user, and filter's conditions.
func receivedFilter(token, filter string) (string, error) {
	me, err := subject(token)
	if err != nil {
		return "", &usageError{cmd: "list", err: fmt.Errorf("--received: %w", err)}
	}
	f := client.PendingFor(me)
	if filter != "" {
		f += " and (" + filter + ")"
	}
	return f, nil
}

// subject is the person the access token was issued to, its sub claim,
// which the service takes as the caller. The token is read without checking
// its signature: the service checks it, and lists only what the token may
// see whatever the filter says; the command needs only the name, to filter
// by it. golang-jwt reads it, as the service does.
func subject(token string) (string, error) {
	const instead = `filter by hand: --filter "invitee eq '<URN>' and state eq 'pending'"`
	if token == "" {
		return "", errors.New("needs the token (--token or INVITATIONS_TOKEN): it lists the invitations to the token's user")
	}
	var claims jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(token, &claims); err != nil {
		return "", fmt.Errorf("cannot read who the token is for (%v); %s", err, instead)
	}
	if !strings.HasPrefix(claims.Subject, "urn:li:person:") {
		return "", fmt.Errorf("the token is for %q, not a person (an application's token?); %s", claims.Subject, instead)
	}
	return claims.Subject, nil
}
