package client_test

import (
	"regexp"
	"strings"
	"testing"
)

// `go doc ./client` is the hand-written API, short: none of the generated
// client's plumbing (issue 15 found about 160 lines of it, NewClient and
// ClientWithResponses and dozens of ...ResponseNNNHeaders types, before
// the API), which stays available as package client/raw.
func TestGoDocIsShort(t *testing.T) {
	doc := string(goCmd(t, ".", nil, "doc", "."))
	if n := strings.Count(doc, "\n"); n > 100 {
		t.Errorf("go doc ./client is %d lines; want at most 100\n%s", n, doc)
	}
	generated := regexp.MustCompile(`\b(NewClient|ClientWithResponses|HttpRequestDoer|ClientInterface|\w+Response\d*Headers|\w+Params)\b`)
	for line := range strings.Lines(doc) {
		if generated.MatchString(line) {
			t.Errorf("go doc ./client shows generated plumbing: %s", strings.TrimSpace(line))
		}
	}
	if !strings.Contains(doc, "github.com/graph-linkedin/invitations/client/raw") {
		t.Error("go doc ./client does not say where the generated client is (package client/raw)")
	}
}
