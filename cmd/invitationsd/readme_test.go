package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The README's shell blocks are run as a reader runs them: with bash, from
// a directory where `make run` has put bin/invitationsd and the server keeps
// its data (so `bin/invitationsd token` signs with the server's development
// key, data/dev-jwt.key, as it does in a checkout), against a real
// invitationsd, whose address they take from $API. A block is marked by an
// HTML comment on the line before it, <!-- readme-test: name -->.

// readmeFile is the README, from this package's directory.
const readmeFile = "../../README.md"

// readmeBlock returns the body of the fenced code block right after the
// marker <!-- readme-test: name --> in readme, which must appear once.
func readmeBlock(readme, name string) (string, error) {
	marker := "<!-- readme-test: " + name + " -->\n"
	if n := strings.Count(readme, marker); n != 1 {
		return "", fmt.Errorf("the marker %q appears %d times; want once, on the line before its block", strings.TrimSpace(marker), n)
	}
	_, rest, _ := strings.Cut(readme, marker)
	fence, rest, ok := strings.Cut(rest, "\n")
	if !ok || !strings.HasPrefix(fence, "```") {
		return "", fmt.Errorf("the line after %q is %q; want a code fence", strings.TrimSpace(marker), fence)
	}
	var body strings.Builder
	for line := range strings.Lines(rest) {
		if line == "```\n" {
			return body.String(), nil
		}
		body.WriteString(line)
	}
	return "", fmt.Errorf("the block after %q does not end", strings.TrimSpace(marker))
}

func TestReadmeBlock(t *testing.T) {
	readme := "text\n<!-- readme-test: a -->\n```sh\necho a\necho b\n```\n\n<!-- readme-test: b -->\n```text\nb\n```\n<!-- readme-test: c -->\n```text\n```\n"
	for name, want := range map[string]string{"a": "echo a\necho b\n", "b": "b\n", "c": ""} {
		if got, err := readmeBlock(readme, name); err != nil || got != want {
			t.Errorf("readmeBlock(%s) = %q, %v; want %q", name, got, err, want)
		}
	}
	for _, bad := range []string{
		"no marker",
		"<!-- readme-test: a -->\n```sh\necho\n```\n<!-- readme-test: a -->\n```sh\necho\n```\n", // twice
		"<!-- readme-test: a -->\n\n```sh\necho\n```\n",                                          // not right before
		"<!-- readme-test: a -->\n```sh\necho\n",                                                 // no end
	} {
		if got, err := readmeBlock(bad, "a"); err == nil {
			t.Errorf("readmeBlock(%q, a) = %q, nil; want an error", bad, got)
		}
	}
}

// shell runs script with bash in dir, with $API set to api and no
// INVITATIONS_* variables of the test's environment, and returns what it
// printed on standard output; a failure fails the test, with its output.
func shell(t *testing.T, dir, api, script string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// The trap names the command that failed (errtrace: in the block's
	// subshells too); the block itself runs as it is.
	trap := "set -E\ntrap 'echo \"the block failed at its line $((LINENO - 2)): ${BASH_COMMAND:0:200}\" >&2' ERR\n"
	cmd := exec.CommandContext(ctx, "bash", "-c", trap+script)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "INVITATIONS_") && !strings.HasPrefix(kv, "API=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "API="+api)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("bash: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

var (
	uuidRE   = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	millisRE = regexp.MustCompile(`\b[0-9]{13}\b`)
)

// normalize replaces what differs from one run to the next, ids and times
// (epoch milliseconds), with placeholders.
func normalize(s string) string {
	return millisRE.ReplaceAllString(uuidRE.ReplaceAllString(s, "<id>"), "<ms>")
}

// The README's first create answers 201, and the same again the pair's
// 409, as the README says; then its session, run twice in a row on the same
// server, succeeds both times and prints what the README shows.
func TestReadmeSession(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a server process; skipped with -short")
	}
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the README's session needs %s, which is not on PATH: install it (apt-get install -y %s; `make test` does so as root)", tool, tool)
		}
	}
	t.Parallel()
	data, err := os.ReadFile(readmeFile)
	if err != nil {
		t.Fatal(err)
	}
	blocks := map[string]string{}
	for _, name := range []string{"create", "session", "session-output"} {
		if blocks[name], err = readmeBlock(string(data), name); err != nil {
			t.Fatalf("README.md: %v", err)
		}
	}

	// A checkout after `make run`: bin/invitationsd, and the server's data
	// (its development key among it) in data/.
	bin, dir := buildServer(t), t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(bin, filepath.Join(dir, "bin", "invitationsd")); err != nil {
		t.Fatal(err)
	}
	d := startDefault(t, bin, dir, "-addr", "127.0.0.1:0", "-validate-responses")
	api := "http://" + d.addr + "/v1.0"

	for _, want := range []string{"HTTP/1.1 201 Created", "HTTP/1.1 409 Conflict"} {
		out := shell(t, dir, api, blocks["create"])
		if status, _, _ := strings.Cut(out, "\r\n"); status != want {
			t.Fatalf("the README's create printed %q first; want %q. It printed:\n%s", status, want, out)
		}
	}
	for run := 1; run <= 2; run++ {
		out := shell(t, dir, api, blocks["session"])
		if diff := cmp.Diff(normalize(blocks["session-output"]), normalize(out)); diff != "" {
			t.Errorf("run %d of the README's session printed what the README does not show (-README +printed; ids and times replaced):\n%s", run, diff)
		}
	}
}
