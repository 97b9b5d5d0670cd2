package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/graph-linkedin/invitations/client"
)

// Change notifications: subscribe, subscriptions, renew, unsubscribe.

var subscribeCommand = &command{
	name:  "subscribe",
	short: "have changes of invitations POSTed to a URL of yours",
	summary: `Subscribe to changes of the invitations you may read (change notifications, as
Microsoft Graph's): the service POSTs a notification to --notification-url
whenever one is created, updated (accepted and ignored included) or deleted,
until the subscription expires; renew it with "invitations renew". Before it
answers, the service checks the URL (and --lifecycle-url) with the validation
handshake: a POST with ?validationToken=..., to be answered 200, text/plain,
with the token (the Go client's webhook.Handler does it). It prints the
subscription.`,
	flags: func(fs *flag.FlagSet) {
		fs.String("notification-url", "", "where notifications are POSTed: an https URL that answers the validation handshake (required)")
		fs.String("change-type", "created,updated,deleted", "the changes to be notified of, comma-separated")
		fs.Duration("expires", client.MaxSubscriptionLifetime, "how long the subscription lasts, from now: at most 72h")
		fs.String("client-state", "", "a secret of yours, up to 128 characters, that every notification carries back")
		fs.String("lifecycle-url", "", "where lifecycle notifications (missed, subscriptionRemoved) are POSTed; it answers the handshake too")
	},
	run: func(ctx context.Context, e *env, c *client.Client, fs *flag.FlagSet, _ []string) error {
		set := setFlags(fs)
		if set["notification-url"] == "" {
			return &usageError{cmd: "subscribe", err: errors.New("--notification-url is required")}
		}
		expires, err := expiration(fs, "subscribe")
		if err != nil {
			return err
		}
		var types []client.ChangeType
		for t := range strings.SplitSeq(flagValue(fs, "change-type"), ",") {
			types = append(types, client.ChangeType(strings.TrimSpace(t)))
		}
		sub, err := c.CreateSubscription(ctx, client.NewSubscription{
			ChangeTypes:              types,
			NotificationURL:          set["notification-url"],
			LifecycleNotificationURL: set["lifecycle-url"],
			Expiration:               expires,
			ClientState:              set["client-state"],
		}, requestOptions(e)...)
		if err != nil {
			return err
		}
		return e.printSubscription(sub)
	},
}

var subscriptionsCommand = &command{
	name:    "subscriptions",
	short:   "list your subscriptions",
	summary: `List your live subscriptions, oldest first. JSON output is the API's ({"value": [...]}).`,
	run: func(ctx context.Context, e *env, c *client.Client, _ *flag.FlagSet, _ []string) error {
		subs := []client.Subscription{}
		for sub, err := range c.ListSubscriptions(ctx, requestOptions(e)...) {
			if err != nil {
				return err
			}
			subs = append(subs, sub)
		}
		switch e.output {
		case "json":
			return printJSON(e.stdout, struct {
				Value []client.Subscription `json:"value"`
			}{subs})
		case "id":
			for _, sub := range subs {
				if _, err := fmt.Fprintln(e.stdout, sub.ID); err != nil {
					return err
				}
			}
			return nil
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		if len(subs) == 0 {
			fmt.Fprintln(tw, "no subscriptions")
		} else {
			fmt.Fprintln(tw, "ID\tEXPIRES\tCHANGE TYPES\tNOTIFICATION URL")
		}
		for _, sub := range subs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", sub.ID, timestamp(sub.Expiration), changeTypes(sub.ChangeTypes), sub.NotificationURL)
		}
		return tw.Flush()
	},
}

var renewCommand = &command{
	name:  "renew",
	short: "renew a subscription",
	args:  " <id>",
	summary: `Renew a subscription: it expires --expires from now. The service repeats the
validation handshake first. It prints the subscription.`,
	nargs: 1,
	flags: func(fs *flag.FlagSet) {
		fs.Duration("expires", client.MaxSubscriptionLifetime, "how long the subscription lasts, from now: at most 72h")
	},
	run: func(ctx context.Context, e *env, c *client.Client, fs *flag.FlagSet, args []string) error {
		expires, err := expiration(fs, "renew")
		if err != nil {
			return err
		}
		sub, err := c.RenewSubscription(ctx, args[0], expires, requestOptions(e)...)
		if err != nil {
			return err
		}
		return e.printSubscription(sub)
	},
}

var unsubscribeCommand = &command{
	name:    "unsubscribe",
	short:   "delete a subscription",
	args:    " <id>",
	summary: "Delete a subscription: nothing more is sent for it, not even what was queued.",
	nargs:   1,
	run: func(ctx context.Context, e *env, c *client.Client, _ *flag.FlagSet, args []string) error {
		if err := c.DeleteSubscription(ctx, args[0], requestOptions(e)...); err != nil {
			return err
		}
		return e.printDeleted(args[0])
	},
}

// expiration is the time the --expires flag names, from now.
func expiration(fs *flag.FlagSet, cmd string) (time.Time, error) {
	d := fs.Lookup("expires").Value.(flag.Getter).Get().(time.Duration)
	if d <= 0 || d > client.MaxSubscriptionLifetime {
		return time.Time{}, &usageError{cmd: cmd, err: fmt.Errorf("--expires %v: want more than 0 and at most 72h", d)}
	}
	return time.Now().Add(d), nil
}

// printSubscription prints one subscription: the API's JSON, or a block of
// properties.
func (e *env) printSubscription(sub *client.Subscription) error {
	switch e.output {
	case "json":
		return printJSON(e.stdout, sub)
	case "id":
		_, err := fmt.Fprintln(e.stdout, sub.ID)
		return err
	}
	return e.printBlock([][2]string{
		{"id", sub.ID},
		{"change types", changeTypes(sub.ChangeTypes)},
		{"notification url", sub.NotificationURL},
		{"lifecycle url", sub.LifecycleNotificationURL},
		{"expires", timestamp(sub.Expiration)},
		{"client state", sub.ClientState},
		{"creator", sub.CreatorID},
		{"application", sub.ApplicationID},
	})
}

func changeTypes(ts []client.ChangeType) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = string(t)
	}
	return strings.Join(names, ",")
}
