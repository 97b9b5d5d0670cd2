package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/graph-linkedin/invitations/client"
	"github.com/graph-linkedin/invitations/client/raw"
)

var createCommand = &command{
	name:  "create",
	short: "create an invitation",
	summary: `Create an invitation and print it. A delegated caller may leave out --inviter
(it becomes the signed-in user); an application must give it. A second
invitation to the same invitee is refused (conflict) while the first is
pending: until it is accepted, ignored or deleted. Every create carries an Idempotency-Key, so it is retried safely;
give your own with --idempotency-key to run the command again safely (within
24 hours, the same key and invitation print the first run's invitation).`,
	flags: func(fs *flag.FlagSet) {
		fs.String("invitee", "", "who is invited: urn:li:person:{id}, urn:li:email:{address}, ... (required)")
		fs.String("inviter", "", "who invites: urn:li:person:{id}")
		fs.String("message", "", "a custom message, at most 300 characters")
		fs.String("template", "", "a message template id")
		fs.String("tracking-id", "", "your own id for the invitation")
		fs.String("body", "", `a JSON InvitationV2 to create, in a file ("-" for standard input); the other flags override it`)
		fs.String("idempotency-key", "", "the create's Idempotency-Key (1 to 255 printable ASCII characters); random when not given")
	},
	run: func(ctx context.Context, e *env, c *client.Client, fs *flag.FlagSet, _ []string) error {
		var inv client.NewInvitation
		if name := flagValue(fs, "body"); name != "" {
			var err error
			if inv, err = readBody(name, e.stdin); err != nil {
				return err
			}
		}
		set := setFlags(fs)
		if v, ok := set["invitee"]; ok {
			inv.Invitee = v
		}
		if v, ok := set["inviter"]; ok {
			inv.Inviter = v
		}
		if v, ok := set["tracking-id"]; ok {
			inv.TrackingID = v
		}
		body, hasBody := set["message"]
		tmpl, hasTmpl := set["template"]
		if (hasBody || hasTmpl) && inv.Message == nil {
			inv.Message = &client.Message{}
		}
		if hasBody {
			inv.Message.Body = body
		}
		if hasTmpl {
			inv.Message.TemplateID = tmpl
		}
		if inv.Invitee == "" {
			return &usageError{cmd: "create", err: errors.New("--invitee is required")}
		}
		var opts []client.RequestOption
		if key, ok := set["idempotency-key"]; ok {
			opts = append(opts, client.WithIdempotencyKey(key))
		}
		created, err := c.CreateInvitation(ctx, inv, requestOptions(e, opts...)...)
		if err != nil {
			return err
		}
		return e.printInvitation(created)
	},
}

// readBody reads a create body from a file or standard input.
func readBody(name string, stdin io.Reader) (client.NewInvitation, error) {
	var r io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return client.NewInvitation{}, err
		}
		defer f.Close()
		r = f
	}
	var w raw.InvitationV2Create
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return client.NewInvitation{}, fmt.Errorf("--body %s: %w", name, err)
	}
	inv := client.NewInvitation{Invitee: w.Invitee, Inviter: deref(w.Inviter), TrackingID: deref(w.TrackingID)}
	if m := w.Message; m != nil {
		inv.Message = &client.Message{TemplateID: deref(m.InvitationTemplateID)}
		if m.InvitationMessage != nil {
			inv.Message.Body = deref(m.InvitationMessage.Body)
		}
	}
	return inv, nil
}

var getCommand = &command{
	name:    "get",
	short:   "get an invitation",
	args:    " <id>",
	summary: "Print one invitation, with its ETag.",
	nargs:   1,
	run: func(ctx context.Context, e *env, c *client.Client, _ *flag.FlagSet, args []string) error {
		inv, err := c.GetInvitation(ctx, args[0], requestOptions(e)...)
		if err != nil {
			return err
		}
		return e.printInvitation(inv)
	},
}

var listCommand = &command{
	name:  "list",
	short: "list invitations, with OData query options",
	summary: `List the invitations you may see: one page, or with --all every page. JSON
output is the page ({"value": [...], "@odata.nextLink": ...}), or with --all
the array of every invitation. With --received, only the ones waiting for
your answer (to accept or ignore): pending, with you, the user the token is
for, as the invitee.`,
	flags: func(fs *flag.FlagSet) {
		fs.Bool("received", false, `only the invitations waiting for your answer: "invitee eq '<the token's user>' and state eq 'pending'", and --filter's conditions`)
		fs.String("filter", "", `$filter, such as "invitee eq 'urn:li:person:B0bY7z' and created ge 1795600000000"`)
		fs.String("orderby", "", `$orderby: "created" or "lastModified", then "asc" or "desc" (default "created desc")`)
		fs.Int("top", 0, "$top: the page size, 1 to 999 (default 100)")
		fs.Int("skip", 0, "$skip: how many to skip before the first page")
		fs.String("select", "", `$select: the properties to return, comma-separated, such as "invitee,created"`)
		fs.Bool("count", false, "$count: give the number of all matches")
		fs.Bool("all", false, "follow @odata.nextLink to the last page")
		fs.String("next", "", "get the page at this @odata.nextLink (it holds the other options)")
	},
	run: runList,
}

func runList(ctx context.Context, e *env, c *client.Client, fs *flag.FlagSet, _ []string) error {
	set := setFlags(fs)
	opts := client.ListOptions{
		Filter:  set["filter"],
		OrderBy: set["orderby"],
		Top:     intFlag(fs, "top"),
		Skip:    intFlag(fs, "skip"),
		Count:   set["count"] == "true",
	}
	if _, ok := set["top"]; ok && opts.Top <= 0 {
		return &usageError{cmd: "list", err: errors.New("--top: must be at least 1")}
	}
	if opts.Skip < 0 {
		return &usageError{cmd: "list", err: errors.New("--skip: must not be negative")}
	}
	if v := set["select"]; v != "" {
		opts.Select = strings.Split(v, ",")
	}
	next, all := set["next"], set["all"] == "true"
	if next != "" {
		for _, name := range []string{"filter", "received", "orderby", "top", "skip", "select", "count"} {
			if _, ok := set[name]; ok {
				return &usageError{cmd: "list", err: fmt.Errorf("--next holds the query: --%s cannot go with it", name)}
			}
		}
	}
	if set["received"] == "true" {
		var err error
		if opts.Filter, err = receivedFilter(e.token, opts.Filter); err != nil {
			return err
		}
	}

	ropts := requestOptions(e)
	var page *client.Page
	var err error
	if next != "" {
		page, err = c.NextPage(ctx, next, ropts...)
	} else {
		page, err = c.ListPage(ctx, opts, ropts...)
	}
	if err != nil {
		return err
	}
	if !all {
		return e.printPage(page)
	}
	out := e.newListWriter()
	for {
		if err := out.write(page.Invitations); err != nil {
			return err
		}
		if page.NextLink == "" {
			return out.close()
		}
		if page, err = c.NextPage(ctx, page.NextLink, ropts...); err != nil {
			out.close() // what was written stays a valid document
			return err
		}
	}
}

var updateCommand = &command{
	name:  "update",
	short: "change an invitation's message or tracking id",
	args:  " <id>",
	summary: `Change an invitation's message or tracking id (a merge patch: what you do not
give stays) and print the result. With --if-match, only if its ETag is still
that one.`,
	nargs: 1,
	flags: func(fs *flag.FlagSet) {
		fs.String("message", "", "the new custom message")
		fs.String("template", "", "the new message template id")
		fs.String("tracking-id", "", "the new tracking id")
		fs.Bool("clear-message", false, "remove the whole message (template and custom message)")
		fs.Bool("clear-tracking-id", false, "remove the tracking id")
		fs.String("if-match", "", `the ETag the invitation must still have, such as '"3"' ("*" for any)`)
	},
	run: func(ctx context.Context, e *env, c *client.Client, fs *flag.FlagSet, args []string) error {
		set := setFlags(fs)
		var p client.Patch
		var m client.MessagePatch
		if v, ok := set["message"]; ok {
			m.Body = client.Set(v)
		}
		if v, ok := set["template"]; ok {
			m.TemplateID = client.Set(v)
		}
		_, body := m.Body.Get()
		_, tmpl := m.TemplateID.Get()
		switch {
		case set["clear-message"] == "true" && (body || tmpl):
			return &usageError{cmd: "update", err: errors.New("--clear-message and --message or --template contradict")}
		case set["clear-message"] == "true":
			p.Message = client.Remove[client.MessagePatch]()
		case body || tmpl:
			p.Message = client.Set(m)
		}
		v, track := set["tracking-id"]
		switch {
		case track && set["clear-tracking-id"] == "true":
			return &usageError{cmd: "update", err: errors.New("--tracking-id and --clear-tracking-id contradict")}
		case track:
			p.TrackingID = client.Set(v)
		case set["clear-tracking-id"] == "true":
			p.TrackingID = client.Remove[string]()
		}
		if p == (client.Patch{}) {
			return &usageError{cmd: "update", err: errors.New("nothing to change: give --message, --template, --tracking-id or a --clear flag")}
		}
		inv, err := c.UpdateInvitation(ctx, args[0], p, requestOptions(e, ifMatch(set)...)...)
		if err != nil {
			return err
		}
		return e.printInvitation(inv)
	},
}

var deleteCommand = &command{
	name:    "delete",
	short:   "delete an invitation",
	args:    " <id>",
	summary: "Delete an invitation; with --if-match, only if its ETag is still that one.",
	nargs:   1,
	flags: func(fs *flag.FlagSet) {
		fs.String("if-match", "", `the ETag the invitation must still have, such as '"3"' ("*" for any)`)
	},
	run: func(ctx context.Context, e *env, c *client.Client, fs *flag.FlagSet, args []string) error {
		if err := c.DeleteInvitation(ctx, args[0], requestOptions(e, ifMatch(setFlags(fs))...)...); err != nil {
			return err
		}
		return e.printDeleted(args[0])
	},
}

// setFlags are the flags given on the command line, by name.
func setFlags(fs *flag.FlagSet) map[string]string {
	set := map[string]string{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = f.Value.String() })
	return set
}

func flagValue(fs *flag.FlagSet, name string) string { return fs.Lookup(name).Value.String() }

func intFlag(fs *flag.FlagSet, name string) int {
	return fs.Lookup(name).Value.(flag.Getter).Get().(int)
}

func ifMatch(set map[string]string) []client.RequestOption {
	if v, ok := set["if-match"]; ok {
		return []client.RequestOption{client.WithIfMatch(v)}
	}
	return nil
}

// requestOptions are the options of every call, and more.
func requestOptions(e *env, more ...client.RequestOption) []client.RequestOption {
	if e.requestID != "" {
		more = append(more, client.WithClientRequestID(e.requestID))
	}
	return more
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
