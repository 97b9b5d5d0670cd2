package client_test

import (
	"os/exec"
	"strings"
	"testing"
)

// Importing the client must not pull in the server's stack.
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	forbidden := []string{"github.com/labstack/echo", "github.com/getkin/kin-openapi", "github.com/gorilla/",
		"modernc.org/sqlite", "github.com/jackc/pgx", "github.com/oapi-codegen/echo-middleware"}
	for dep := range strings.Lines(string(out)) {
		for _, f := range forbidden {
			if strings.HasPrefix(dep, f) {
				t.Errorf("the client depends on %s", strings.TrimSpace(dep))
			}
		}
	}
}
