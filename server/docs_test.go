package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/client/raw"
	"github.com/graph-linkedin/invitations/spectest"
)

// /docs is a page that loads everything it needs from the server, without a
// token, under a Content-Security-Policy that allows nothing else.
func TestDocs(t *testing.T) {
	e := newEnv(t)
	root := strings.TrimSuffix(e.url, "/v1.0")
	res, page := getPage(t, root+"/docs")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET /docs = %d, Content-Type %q; want 200 text/html; charset=utf-8", res.StatusCode, res.Header.Get("Content-Type"))
	}
	for _, want := range []string{"default-src 'none'", "script-src 'self';", "connect-src 'self';"} {
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, want) {
			t.Errorf("GET /docs: Content-Security-Policy %q; want it to contain %q", csp, want)
		}
	}

	wantType := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".png": "image/png"}
	refs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(refs) == 0 {
		t.Fatalf("GET /docs refers to no files:\n%s", page)
	}
	for _, ref := range refs {
		url := ref[1]
		if !strings.HasPrefix(url, "/") || strings.HasPrefix(url, "//") {
			t.Errorf("GET /docs refers to %s; want every file from this server", url)
			continue
		}
		if url == "/openapi.yaml" { // the <noscript> link
			continue
		}
		res, body := getPage(t, root+url)
		ext := url[strings.LastIndex(url, "."):]
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != wantType[ext] || len(body) == 0 {
			t.Errorf("GET %s = %d, Content-Type %q, %d bytes; want 200 %s", url, res.StatusCode, res.Header.Get("Content-Type"), len(body), wantType[ext])
		}
	}

	// Anything else under /docs is Graph's 404 (the transport checks the body).
	for _, path := range []string{"/docs/nothing.js", "/docs/swagger-ui", "/docs/../openapi.yaml"} {
		if res, _ := e.do(http.MethodGet, root+path, ""); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d; want 404", path, res.StatusCode)
		}
	}
}

// getPage gets a page outside the contract, which the spec-checking
// transport would refuse for having no operation.
func getPage(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(body)
}

// In a browser, /docs renders the served contract, every operation of
// openapi.yaml listed by its summary, and works on the first click: with
// the README's token (alice's, Invitations.ReadWrite) in "Authorize", "Try
// it out" on the create sends the first example as it stands and gets a
// 201; sending it again gets the 409 of the pair, not the 422 of a reused
// Idempotency-Key, since no header comes filled in; the listing finds the
// invitation. It needs Chromium
// (.ci/run installs it); without it the test is skipped.
func TestDocsInChromium(t *testing.T) {
	browser := chromium(t)
	e := newEnv(t)
	root := strings.TrimSuffix(e.url, "/v1.0")
	page := openPage(t, browser, root+"/docs")

	var ops []string
	for _, item := range spectest.Load(t).Paths.Map() {
		for _, op := range item.Operations() {
			ops = append(ops, op.Summary)
		}
	}
	page.waitUntil(fmt.Sprintf("document.querySelectorAll('.opblock').length >= %d", len(ops)))
	var dom string
	page.eval("document.documentElement.outerHTML", &dom)
	var missing []string
	for _, summary := range ops {
		if !strings.Contains(dom, html.EscapeString(summary)) {
			missing = append(missing, summary)
		}
	}
	if len(ops) == 0 || len(missing) > 0 {
		t.Fatalf("the reference at /docs does not list %d of %d operations: %s\nDOM:\n%s", len(missing), len(ops), strings.Join(missing, ", "), dom)
	}

	// Authorize, as a person following the README would.
	page.click(".auth-wrapper .authorize")
	page.typeInto(".modal-ux input[aria-label='auth-bearer-value']", delegated(t, tenantA, alice, invitations.PermReadWrite))
	page.click(".modal-ux .auth-btn-wrapper .authorize")
	page.click(".modal-ux .btn-done")

	const op = "#operations-invitations-createInvitation"
	page.click(op + " .opblock-summary-control")
	page.click(op + " .try-out__btn")
	for _, name := range []string{"Idempotency-Key", "client-request-id"} {
		var v string
		page.eval(fmt.Sprintf("document.querySelector(%q).value", op+" tr[data-param-name='"+name+"'] input"), &v)
		if v != "" {
			t.Errorf("Try it out fills in %s with %q; want it empty, so that a second create is a new one", name, v)
		}
	}
	var body string
	page.eval(fmt.Sprintf("document.querySelector(%q).value", op+" .body-param__text"), &body)
	if strings.Contains(body, `"inviter"`) {
		t.Errorf("Try it out's create body names an inviter; want the first example without one:\n%s", body)
	}

	status, answer := page.execute(op)
	var inv raw.InvitationV2
	if err := json.Unmarshal([]byte(answer), &inv); status != "201" || err != nil || inv.Inviter == nil || *inv.Inviter != alice {
		t.Fatalf("the first create from /docs: %s %s; want 201, an invitation from %s", status, answer, alice)
	}
	status, answer = page.execute(op)
	if status != "409" || !strings.Contains(answer, `"code": "conflict"`) || !strings.Contains(answer, "already exists") {
		t.Errorf("the second create from /docs: %s %s; want 409, the pair's conflict", status, answer)
	}

	// The listing, as it stands, finds it.
	const list = "#operations-invitations-listInvitations"
	page.click(list + " .opblock-summary-control")
	page.click(list + " .try-out__btn")
	status, answer = page.execute(list)
	var got raw.InvitationV2Collection
	if err := json.Unmarshal([]byte(answer), &got); status != "200" || err != nil || len(got.Value) != 1 || *got.Value[0].ID != *inv.ID {
		t.Errorf("the listing from /docs: %s %s; want 200, the invitation %s", status, answer, *inv.ID)
	}
}

// browserPage is a page in a headless Chromium, driven through the Chrome
// DevTools Protocol over --remote-debugging-pipe: JSON messages, each ended
// by a NUL byte, written to the browser's file descriptor 3 and read from its
// 4. A pipe needs no WebSocket library and takes no port. Every method
// fails the test on an error.
type browserPage struct {
	t       *testing.T
	w       io.Writer
	r       *bufio.Reader
	id      int
	session string // the page's, once attached
}

// openPage starts Chromium on a new page at url.
func openPage(t *testing.T, browser, url string) *browserPage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	toBrowser, browserIn, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	browserOut, fromBrowser, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir="+t.TempDir(), "--remote-debugging-pipe", "about:blank")
	cmd.ExtraFiles = []*os.File{toBrowser, fromBrowser} // its 3 and 4
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", browser, err)
	}
	toBrowser.Close()
	fromBrowser.Close()
	p := &browserPage{t: t, w: browserIn, r: bufio.NewReader(browserOut)}
	t.Cleanup(func() {
		p.call("Browser.close", nil, nil) // ends the process; an error says no more than Wait will
		browserIn.Close()
		if err := cmd.Wait(); err != nil && ctx.Err() == nil {
			t.Logf("%s: %v\n%s", browser, err, stderr.String())
		}
		browserOut.Close()
	})

	var target struct {
		TargetID string `json:"targetId"`
	}
	if err := p.call("Target.createTarget", map[string]any{"url": url}, &target); err != nil {
		t.Fatalf("open %s: %v\n%s", url, err, stderr.String())
	}
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	if err := p.call("Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached); err != nil {
		t.Fatal(err)
	}
	p.session = attached.SessionID
	return p
}

// call sends one command and reads its answer into result, passing over
// the events that come before it.
func (p *browserPage) call(method string, params, result any) error {
	p.id++
	msg := map[string]any{"id": p.id, "method": method, "params": params}
	if p.session != "" && !strings.HasPrefix(method, "Browser.") {
		msg["sessionId"] = p.session
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	if _, err := p.w.Write(append(b, 0)); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	for {
		line, err := p.r.ReadBytes(0)
		if err != nil {
			return fmt.Errorf("%s: %w", method, err)
		}
		var res struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(line[:len(line)-1], &res); err != nil {
			return fmt.Errorf("%s: %w", method, err)
		}
		switch {
		case res.ID != p.id:
			continue // an event
		case res.Error != nil:
			return fmt.Errorf("%s: %s", method, res.Error.Message)
		case result != nil:
			return json.Unmarshal(res.Result, result)
		}
		return nil
	}
}

// eval evaluates a JavaScript expression in the page (awaiting a promise)
// and decodes its value into out.
func (p *browserPage) eval(js string, out any) {
	p.t.Helper()
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		Exception *struct {
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	if err := p.call("Runtime.evaluate", map[string]any{"expression": js, "returnByValue": true, "awaitPromise": true}, &res); err != nil {
		p.t.Fatal(err)
	}
	if res.Exception != nil {
		p.t.Fatalf("%s: %s", js, res.Exception.Exception.Description)
	}
	if out != nil {
		if err := json.Unmarshal(res.Result.Value, out); err != nil {
			p.t.Fatalf("%s = %s: %v", js, res.Result.Value, err)
		}
	}
}

// waitUntil polls a JavaScript condition until it holds, for up to 30
// seconds: the page renders in its own time.
func (p *browserPage) waitUntil(cond string) {
	p.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; {
		var ok bool
		p.eval("!!("+cond+")", &ok)
		if ok {
			return
		}
		if time.Now().After(deadline) {
			var dom string
			p.eval("document.documentElement.outerHTML", &dom)
			p.t.Fatalf("waited 30s for %s; the page:\n%s", cond, dom)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// click clicks the element selector finds, once there is one.
func (p *browserPage) click(selector string) {
	p.t.Helper()
	p.waitUntil(fmt.Sprintf("document.querySelector(%q)", selector))
	p.eval(fmt.Sprintf("document.querySelector(%q).click()", selector), nil)
}

// typeInto focuses the input selector finds and types text, as keystrokes
// would.
func (p *browserPage) typeInto(selector, text string) {
	p.t.Helper()
	p.waitUntil(fmt.Sprintf("document.querySelector(%q)", selector))
	p.eval(fmt.Sprintf("document.querySelector(%q).focus()", selector), nil)
	if err := p.call("Input.insertText", map[string]any{"text": text}, nil); err != nil {
		p.t.Fatal(err)
	}
}

// execute clears the operation's last answer, clicks its Execute button,
// and returns the status and body Swagger UI shows for the answer.
func (p *browserPage) execute(op string) (status, body string) {
	p.t.Helper()
	p.eval(fmt.Sprintf("document.querySelector(%q)?.click()", op+" .btn-clear"), nil)
	p.waitUntil(fmt.Sprintf("!document.querySelector(%q)", op+" .live-responses-table"))
	p.click(op + " .execute")
	cell := op + " .live-responses-table .response .response-col_status"
	p.waitUntil(fmt.Sprintf("document.querySelector(%q)?.textContent.trim()", cell))
	p.eval(fmt.Sprintf("document.querySelector(%q).textContent.trim()", cell), &status)
	p.eval(fmt.Sprintf("document.querySelector(%q).textContent", op+" .live-responses-table .response .response-col_description pre"), &body)
	return status, body
}

// chromium is the path of a Chromium binary, or skips the test saying why.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	t.Skip("no chromium or chromium-browser on PATH, so /docs is not tested in a browser; " +
		"install one (apt-get install -y chromium, as .ci/run does) to run this test")
	return ""
}
