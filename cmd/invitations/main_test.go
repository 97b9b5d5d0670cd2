package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/client"
	"github.com/graph-linkedin/invitations/jwtauth"
	"github.com/graph-linkedin/invitations/notifytest"
	"github.com/graph-linkedin/invitations/server"
	"github.com/graph-linkedin/invitations/sqlite"
)

const (
	tenant = "6f1c2d3e-0a1b-4c5d-8e9f-a0b1c2d3e4f5"
	alice  = "urn:li:person:A1iceX9"
)

var testKey = []byte("test-key-0123456789abcdef0123456789abcdef")

// newServer starts the real service and returns its base URL and a token of
// alice's that may read and write.
func newServer(t *testing.T) (url, token string) {
	t.Helper()
	url, token, _ = startServer(t, sqlite.Options{}, server.Options{})
	return url, token
}

// newNotifyingServer is newServer with change notifications, as
// invitationsd runs them with -notify-allow-private.
func newNotifyingServer(t *testing.T) (url, token string) {
	t.Helper()
	d := notifytest.NewDispatcher()
	url, token, store := startServer(t, sqlite.Options{OnQueued: d.Queued}, server.Options{Handshaker: d.Client})
	d.Start(t, store)
	return url, token
}

// startServer is newServer over a SQLite file opened with so, built with
// opts; it returns the store too.
func startServer(t *testing.T, so sqlite.Options, opts server.Options) (url, token string, store *sqlite.Store) {
	t.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "invitations.db"), so)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	opts.Verifier = jwtauth.NewHS256(testKey, jwtauth.DevIssuer, jwtauth.DevAudience)
	h, err := server.New(store, slog.New(slog.NewTextHandler(t.Output(), nil)), opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL + server.BasePath, mintToken(t, alice, invitations.PermReadWrite), store
}

// mintToken is a token the test server trusts, of sub with the delegated
// scope, or the application roles.
func mintToken(t *testing.T, sub, scope string, roles ...string) string {
	t.Helper()
	now := time.Now()
	token, err := jwtauth.MintHS256(testKey, jwtauth.Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: jwtauth.DevIssuer, Audience: jwt.ClaimStrings{jwtauth.DevAudience}, Subject: sub,
			NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)),
		},
		TenantID: tenant,
		Scope:    scope,
		Roles:    roles,
	})
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// result is what one run of the program left.
type result struct {
	stdout, stderr string
	code           int
}

// cli runs the program with the environment env, as main would.
func cli(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), append([]string{"invitations"}, args...), func(k string) string { return env[k] },
		strings.NewReader(stdin), &stdout, &stderr)
	code := report(err, &stderr)
	return result{stdout.String(), stderr.String(), code}
}

// must runs the program and fails the test unless it succeeds.
func must(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	r := cli(t, env, "", args...)
	if r.code != 0 {
		t.Fatalf("invitations %s: exit %d; stderr:\n%s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

// decode reads the program's JSON output.
func decode[T any](t *testing.T, out string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	return v
}

// graphError is how a failure of the service reads on standard error.
var graphError = regexp.MustCompile(`^error: (\w+): (.+) \(request-id ([0-9a-f-]{36})\)\n$`)

// checkFailure checks that r failed with exit 1 and the Graph code on
// standard error.
func checkFailure(t *testing.T, r result, code string) {
	t.Helper()
	m := graphError.FindStringSubmatch(r.stderr)
	if r.code != 1 || m == nil || m[1] != code || r.stdout != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 and error: %s: message (request-id id)", r.code, r.stdout, r.stderr, code)
	}
}

// Every command, end to end, with the URL and token from the environment.
func TestCommands(t *testing.T) {
	url, token := newServer(t)
	env := map[string]string{"INVITATIONS_URL": url, "INVITATIONS_TOKEN": token}

	created := decode[map[string]any](t, must(t, env, "create", "--invitee", "urn:li:email:ada.lovelace@contoso.com",
		"--message", "Ada, I would like to add you to my network.", "--tracking-id", "t-1"))
	id, _ := created["id"].(string)
	if created["inviter"] != alice || created["@odata.etag"] != `"1"` || created["trackingId"] != "t-1" || id == "" {
		t.Errorf("create printed %v", created)
	}
	if ms, _ := created["created"].(float64); ms < float64(time.Now().Add(-time.Minute).UnixMilli()) {
		t.Errorf("create printed created %v; want epoch milliseconds of about now", created["created"])
	}

	out := must(t, env, "get", id, "--output", "table")
	got := map[string]string{}
	for line := range strings.Lines(out) {
		k, v, _ := strings.Cut(line, ":")
		got[k] = strings.TrimSpace(v)
	}
	for k, v := range map[string]string{"id": id, "inviter": alice, "etag": `"1"`, "template": "-",
		"message": "Ada, I would like to add you to my network.", "last modified": got["created"]} {
		if got[k] != v || v == "" {
			t.Errorf("get --output table: %s %q; want %q, in\n%s", k, got[k], v, out)
		}
	}

	updated := decode[client.Invitation](t, must(t, env, "update", id, "--template", "urn:li:invitationTemplate:1",
		"--clear-tracking-id", "--if-match", `"1"`))
	want := &client.Message{TemplateID: "urn:li:invitationTemplate:1", Body: "Ada, I would like to add you to my network."}
	if *updated.Message != *want || updated.TrackingID != "" || updated.ETag != `"2"` {
		t.Errorf("update printed %+v, message %+v", updated, updated.Message)
	}
	checkFailure(t, cli(t, env, "", "update", id, "--message", "stale", "--if-match", `"1"`), "preconditionFailed")
	updated = decode[client.Invitation](t, must(t, env, "update", id, "--clear-message"))
	if updated.Message != nil {
		t.Errorf("update --clear-message printed message %+v", updated.Message)
	}

	checkFailure(t, cli(t, env, "", "delete", id, "--if-match", `"1"`), "preconditionFailed")
	if out := must(t, env, "get", "--output", "id", id); out != id+"\n" {
		t.Errorf("get --output id printed %q; want %q", out, id+"\n")
	}
	if out := must(t, env, "delete", "--if-match", `"3"`, id); out != "" {
		t.Errorf("delete printed %q; want nothing", out)
	}
	checkFailure(t, cli(t, env, "", "get", id), "itemNotFound")
}

// Flags override the environment, and may come before the command.
func TestFlagsAndEnvironment(t *testing.T) {
	url, token := newServer(t)
	bad := map[string]string{"INVITATIONS_URL": "http://127.0.0.1:1/v1.0", "INVITATIONS_TOKEN": "not-a-token"}
	out := must(t, bad, "--url", url, "--token", token, "create", "--invitee", "urn:li:person:B0bY7z")
	if inv := decode[client.Invitation](t, out); inv.Invitee != "urn:li:person:B0bY7z" {
		t.Errorf("create printed %+v", inv)
	}
	checkFailure(t, cli(t, map[string]string{"INVITATIONS_URL": url}, "", "list"), "InvalidAuthenticationToken")
	r := cli(t, map[string]string{"INVITATIONS_URL": url}, "", "list", "--token", token, "--client-request-id", "cli-test-1", "--top", "0")
	if r.code != 2 {
		t.Errorf("list --top 0: exit %d; want 2", r.code)
	}
}

// A create body may come from standard input; flags override it.
func TestCreateBody(t *testing.T) {
	url, token := newServer(t)
	env := map[string]string{"INVITATIONS_URL": url, "INVITATIONS_TOKEN": token}
	body := `{"@odata.type": "#microsoft.graph.InvitationV2", "invitee": "urn:li:person:B0bY7z",
		"message": {"@odata.type": "microsoft.graph.InvitationV2Message", "invitationMessage": {"body": "Hi."}},
		"trackingId": "from-body"}`
	r := cli(t, env, body, "create", "--body", "-", "--tracking-id", "from-flag")
	if r.code != 0 {
		t.Fatalf("create --body -: exit %d: %s", r.code, r.stderr)
	}
	inv := decode[client.Invitation](t, r.stdout)
	if inv.Invitee != "urn:li:person:B0bY7z" || inv.Message == nil || inv.Message.Body != "Hi." || inv.TrackingID != "from-flag" {
		t.Errorf("create --body - printed %+v", inv)
	}
	if r := cli(t, env, `{"invitee": "urn:li:person:C4rol", "colour": "red"}`, "create", "--body", "-"); r.code != 1 ||
		!strings.Contains(r.stderr, `unknown field "colour"`) {
		t.Errorf("create --body with an unknown property: exit %d, stderr %q", r.code, r.stderr)
	}
}

// list: one page with its link and count, --next, --all across pages, a
// filter, a table.
func TestList(t *testing.T) {
	url, token := newServer(t)
	env := map[string]string{"INVITATIONS_URL": url, "INVITATIONS_TOKEN": token}
	for i := range 12 {
		must(t, env, "create", "--invitee", fmt.Sprintf("urn:li:email:guest%02d@contoso.com", i),
			"--tracking-id", fmt.Sprintf("batch-%d", i%3))
	}

	type page struct {
		Count    *int64              `json:"@odata.count"`
		NextLink string              `json:"@odata.nextLink"`
		Value    []client.Invitation `json:"value"`
	}
	first := decode[page](t, must(t, env, "list", "--top", "5", "--count", "--orderby", "created asc"))
	if len(first.Value) != 5 || first.Count == nil || *first.Count != 12 || first.NextLink == "" {
		t.Fatalf("list --top 5 --count: %d invitations, count %v, next %q", len(first.Value), first.Count, first.NextLink)
	}
	second := decode[page](t, must(t, env, "list", "--next", first.NextLink))
	if len(second.Value) != 5 || second.Value[0].ID == first.Value[0].ID {
		t.Errorf("list --next: %d invitations, starting %s", len(second.Value), second.Value[0].ID)
	}
	if r := cli(t, env, "", "list", "--next", first.NextLink, "--top", "3"); r.code != 2 {
		t.Errorf("list --next with --top: exit %d; want 2", r.code)
	}

	all := decode[[]client.Invitation](t, must(t, env, "list", "--all", "--top", "5"))
	seen := map[string]bool{}
	for _, inv := range all {
		seen[inv.ID] = true
	}
	if len(all) != 12 || len(seen) != 12 {
		t.Errorf("list --all --top 5: %d invitations, %d different; want 12", len(all), len(seen))
	}
	ids := strings.Fields(must(t, env, "list", "--all", "--top", "5", "--output", "id"))
	for _, id := range ids {
		if !seen[id] {
			t.Errorf("list --all --output id printed %q, not an id", id)
		}
	}
	if len(ids) != 12 {
		t.Errorf("list --all --output id: %d ids; want 12", len(ids))
	}
	rest := decode[[]client.Invitation](t, must(t, env, "list", "--all", "--next", first.NextLink))
	if len(rest) != 7 {
		t.Errorf("list --all --next: %d invitations; want the 7 after the first page", len(rest))
	}

	filtered := decode[[]client.Invitation](t, must(t, env, "list", "--all", "--top", "2",
		"--filter", "trackingId eq 'batch-1'", "--select", "invitee,trackingId"))
	if len(filtered) != 4 {
		t.Errorf("list --filter: %d invitations; want 4", len(filtered))
	}
	for _, inv := range filtered {
		if inv.TrackingID != "batch-1" || !inv.Created.IsZero() {
			t.Errorf("list --filter --select: %+v", inv)
		}
	}
	if none := must(t, env, "list", "--all", "--filter", "trackingId eq 'nothing'"); none != "[]\n" {
		t.Errorf("list --all with no match printed %q; want []", none)
	}

	r := cli(t, env, "", "list", "--output", "table", "--top", "5", "--count")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) != 8 || !strings.HasPrefix(lines[0], "ID ") || lines[7] != "12 matching" ||
		!strings.HasPrefix(r.stderr, "more: invitations list --next '") {
		t.Errorf("list --output table: exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	checkFailure(t, cli(t, env, "", "list", "--filter", "invitee eq 'a' or invitee eq 'b'"), "badRequest")
}

// A second create of the same invitation fails with the service's conflict.
func TestConflict(t *testing.T) {
	url, token := newServer(t)
	env := map[string]string{"INVITATIONS_URL": url, "INVITATIONS_TOKEN": token}
	must(t, env, "create", "--invitee", "urn:li:person:B0bY7z")
	r := cli(t, env, "", "create", "--invitee", "urn:li:person:B0bY7z")
	checkFailure(t, r, "conflict")
	if !strings.Contains(r.stderr, "already exists") {
		t.Errorf("stderr %q; want the service's message", r.stderr)
	}
}

// A create run again with its --idempotency-key prints the first run's
// invitation; the key with another invitation is refused.
func TestIdempotencyKey(t *testing.T) {
	url, token := newServer(t)
	env := map[string]string{"INVITATIONS_URL": url, "INVITATIONS_TOKEN": token}
	first := must(t, env, "create", "--invitee", "urn:li:person:B0bY7z", "--idempotency-key", "run-42", "--output", "id")
	again := must(t, env, "create", "--invitee", "urn:li:person:B0bY7z", "--idempotency-key", "run-42", "--output", "id")
	if first != again || strings.TrimSpace(first) == "" {
		t.Errorf("create twice with one key printed %q, then %q; want the same id", first, again)
	}
	r := cli(t, env, "", "create", "--invitee", "urn:li:person:C4rol", "--idempotency-key", "run-42")
	checkFailure(t, r, "unprocessableEntity")
	checkFailure(t, cli(t, env, "", "create", "--invitee", "urn:li:person:C4rol", "--idempotency-key", "clé"), "badRequest")
}

// Mistakes in the command line exit with 2 and say what is wrong.
func TestUsageErrors(t *testing.T) {
	env := map[string]string{"INVITATIONS_URL": "http://127.0.0.1:1/v1.0"}
	tests := []struct {
		args []string
		want string
	}{
		{nil, "no command"},
		{[]string{"send"}, `unknown command "send"`},
		{[]string{"--colour", "list"}, "flag provided but not defined: -colour"},
		{[]string{"get"}, "get takes one argument, <id>; got 0"},
		{[]string{"get", "a", "b"}, "got 2"},
		{[]string{"list", "x"}, "list takes no arguments"},
		{[]string{"list", "--output", "yaml"}, `--output "yaml"`},
		{[]string{"list", "--top", "many"}, "invalid value"},
		{[]string{"create"}, "--invitee is required"},
		{[]string{"update", "x"}, "nothing to change"},
		{[]string{"update", "x", "--message", "m", "--clear-message"}, "contradict"},
		{[]string{"update", "x", "--tracking-id", "t", "--clear-tracking-id"}, "contradict"},
		{[]string{"--url", "ftp://example.com", "get", "x"}, "--url"},
		{[]string{"accept"}, "accept takes one argument or more, <id>...; got 0"},
		{[]string{"ignore", "--output", "yaml", "x"}, `--output "yaml"`},
		{[]string{"list", "--received"}, "--received: needs the token"},
		{[]string{"list", "--received", "--token", "not-a-jwt"}, "--received: cannot read who the token is for"},
		{[]string{"list", "--received", "--next", "http://127.0.0.1:1/v1.0/linkedIn/invitations"}, "--received cannot go with it"},
	}
	for _, tt := range tests {
		r := cli(t, env, "", tt.args...)
		if r.code != 2 || !strings.HasPrefix(r.stderr, "error: ") || !strings.Contains(r.stderr, tt.want) ||
			!strings.Contains(r.stderr, "--help' for usage") {
			t.Errorf("invitations %s: exit %d, stderr %q; want 2 and %q", strings.Join(tt.args, " "), r.code, r.stderr, tt.want)
		}
	}
}

// Every command has --help.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		r := cli(t, nil, "", args...)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "usage: invitations [flags] <command>") {
			t.Errorf("invitations %s: exit %d, stdout %q", args[0], r.code, r.stdout)
		}
	}
	for _, cmd := range commands {
		for _, args := range [][]string{{cmd.name, "--help"}, {cmd.name, "-h"}, {"help", cmd.name}} {
			r := cli(t, map[string]string{"INVITATIONS_TOKEN": "secret-token"}, "", args...)
			if r.code != 0 || !strings.HasPrefix(r.stdout, "usage: invitations "+cmd.name) || r.stderr != "" {
				t.Errorf("invitations %s: exit %d, stdout %q, stderr %q", strings.Join(args, " "), r.code, r.stdout, r.stderr)
			}
			if strings.Contains(r.stdout, "secret-token") {
				t.Errorf("invitations %s shows the token", strings.Join(args, " "))
			}
		}
	}
}

// The invitee's side: list --received, then accept and ignore, each
// invitation with its result in every output; any failure exits with 1.
func TestAcceptIgnore(t *testing.T) {
	const bob, carol, dave, erin = "urn:li:person:B0bY7z", "urn:li:person:C4rol", "urn:li:person:D4ve", "urn:li:person:Er1n"
	url, aliceToken := newServer(t)
	asAlice := map[string]string{"INVITATIONS_URL": url, "INVITATIONS_TOKEN": aliceToken}
	asBob := map[string]string{"INVITATIONS_URL": url, "INVITATIONS_TOKEN": mintToken(t, bob, invitations.PermReadWrite)}
	asApp := map[string]string{"INVITATIONS_URL": url,
		"INVITATIONS_TOKEN": mintToken(t, "3c0f5a1e-27d4-4c63-9a0b-5e8f2d1c4b7a", "", invitations.PermReadWriteAll)}
	id := func(env map[string]string, args ...string) string {
		t.Helper()
		return strings.TrimSpace(must(t, env, append([]string{"create", "--output", "id"}, args...)...))
	}
	fromAlice := id(asAlice, "--invitee", bob)
	fromDave := id(asApp, "--inviter", dave, "--invitee", bob)
	fromErin := id(asApp, "--inviter", erin, "--invitee", bob)
	toCarol := id(asAlice, "--invitee", carol)
	fromBob := id(asBob, "--invitee", alice)
	const missing = "0b6f4c1e-6a55-4d8e-9a3f-2f1c0e7d9b84"

	type page struct {
		Value []client.Invitation `json:"value"`
	}
	received := decode[page](t, must(t, asBob, "list", "--received", "--orderby", "created asc"))
	var ids []string
	for _, inv := range received.Value {
		ids = append(ids, inv.ID)
		if inv.Invitee != bob || inv.State != client.StatePending {
			t.Errorf("list --received listed %+v", inv)
		}
	}
	if want := []string{fromAlice, fromDave, fromErin}; !slices.Equal(ids, want) {
		t.Errorf("list --received: %v; want %v", ids, want)
	}
	if out := must(t, asBob, "list", "--received", "--filter", "inviter eq '"+dave+"'", "--output", "id"); out != fromDave+"\n" {
		t.Errorf("list --received --filter: %q; want %s", out, fromDave)
	}
	if out := must(t, asAlice, "list", "--received", "--output", "id"); out != fromBob+"\n" {
		t.Errorf("alice's list --received: %q; want %s", out, fromBob)
	}
	table := must(t, asBob, "list", "--received", "--output", "table")
	if lines := strings.Split(strings.TrimSpace(table), "\n"); len(lines) != 4 || !strings.Contains(lines[0], " STATE ") ||
		strings.Count(table, " pending ") != 3 {
		t.Errorf("list --received --output table:\n%s", table)
	}

	type results struct {
		Value []struct {
			InvitationID string `json:"invitationId"`
			Status       string `json:"status"`
			Error        *struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		} `json:"value"`
	}
	if r := decode[results](t, must(t, asBob, "ignore", fromErin)); len(r.Value) != 1 || r.Value[0].Status != "succeeded" {
		t.Errorf("ignore printed %+v", r)
	}

	r := cli(t, asBob, "", "accept", fromAlice, missing, fromDave, fromErin, toCarol, fromBob)
	if r.code != 1 || !regexp.MustCompile(`^error: 4 of 6 invitations not accepted \(request-id [0-9a-f-]{36}\)\n$`).MatchString(r.stderr) {
		t.Errorf("accept with failures: exit %d, stderr %q; want 1 and how many failed", r.code, r.stderr)
	}
	got := decode[results](t, r.stdout)
	want := []struct{ id, status, code string }{
		{fromAlice, "succeeded", ""}, {missing, "failed", "itemNotFound"}, {fromDave, "succeeded", ""},
		{fromErin, "failed", "conflict"}, {toCarol, "failed", "itemNotFound"}, {fromBob, "failed", "accessDenied"},
	}
	if len(got.Value) != len(want) {
		t.Fatalf("accept printed %d results; want %d:\n%s", len(got.Value), len(want), r.stdout)
	}
	for i, w := range want {
		v := got.Value[i]
		code := ""
		if v.Error != nil {
			code = v.Error.Code
			if !strings.Contains(v.Error.Message, w.id) {
				t.Errorf("result %d: message %q does not name %s", i, v.Error.Message, w.id)
			}
		}
		if v.InvitationID != w.id || v.Status != w.status || code != w.code {
			t.Errorf("result %d: %s %s %q; want %s %s %q", i, v.InvitationID, v.Status, code, w.id, w.status, w.code)
		}
	}

	// Again, for people and for scripts: the same results, as a table or
	// as the ids accepted.
	r = cli(t, asBob, "", "accept", fromAlice, missing, "--output", "table")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 1 || len(lines) != 3 || strings.Fields(lines[0])[1] != "RESULT" ||
		!slices.Equal(strings.Fields(lines[1]), []string{fromAlice, "accepted", "-"}) ||
		!strings.HasPrefix(strings.Join(strings.Fields(lines[2]), " "), missing+" failed itemNotFound: invitation "+missing) {
		t.Errorf("accept --output table: exit %d, stdout:\n%s", r.code, r.stdout)
	}
	r = cli(t, asBob, "", "accept", "--output", "id", missing, fromDave)
	if r.code != 1 || r.stdout != fromDave+"\n" {
		t.Errorf("accept --output id: exit %d, stdout %q; want 1 and the id accepted", r.code, r.stdout)
	}
	if out := must(t, asBob, "accept", fromAlice, fromDave, "--output", "id"); out != fromAlice+"\n"+fromDave+"\n" {
		t.Errorf("accept again --output id: %q; want both ids", out)
	}

	inv := map[string]string{}
	for line := range strings.Lines(must(t, asBob, "get", fromAlice, "--output", "table")) {
		k, v, _ := strings.Cut(line, ":")
		inv[k] = strings.TrimSpace(v)
	}
	if inv["state"] != "accepted" || inv["closed"] == "-" || inv["closed"] != inv["last modified"] || inv["etag"] != `"2"` {
		t.Errorf("get --output table after accept: %v", inv)
	}
	if out := must(t, asBob, "list", "--received", "--all"); out != "[]\n" {
		t.Errorf("list --received after closing every one: %q; want []", out)
	}

	// A token without a write permission is refused the whole request; an
	// application's token names no one to list --received for.
	readOnly := map[string]string{"INVITATIONS_URL": url, "INVITATIONS_TOKEN": mintToken(t, bob, invitations.PermRead)}
	checkFailure(t, cli(t, readOnly, "", "ignore", fromAlice), "accessDenied")
	if r := cli(t, asApp, "", "list", "--received"); r.code != 2 || !strings.Contains(r.stderr, "not a person") {
		t.Errorf("list --received with an application's token: exit %d, stderr %q; want 2, not a person", r.code, r.stderr)
	}
}
