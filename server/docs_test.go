package server_test

import (
	"bytes"
	"context"
	"html"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

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

// In a browser, /docs renders the served contract: every operation of
// openapi.yaml is listed by its summary. It needs Chromium (.ci/run installs
// it); without it the test is skipped.
func TestDocsInChromium(t *testing.T) {
	browser := chromium(t)
	e := newEnv(t)
	root := strings.TrimSuffix(e.url, "/v1.0")

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir="+t.TempDir(),
		// Run the page's timers ahead until it has been idle this long, then
		// print the DOM it built.
		"--virtual-time-budget=15000", "--dump-dom", root+"/docs")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	dom, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", browser, err, stderr.String())
	}

	var missing []string
	n := 0
	for path, item := range spectest.Load(t).Paths.Map() {
		for method, op := range item.Operations() {
			n++
			if !bytes.Contains(dom, []byte(html.EscapeString(op.Summary))) {
				missing = append(missing, method+" "+path+" ("+op.Summary+")")
			}
		}
	}
	if n == 0 || len(missing) > 0 {
		t.Errorf("the reference at /docs does not list %d of %d operations: %s\nDOM:\n%s", len(missing), n, strings.Join(missing, ", "), dom)
	}
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
