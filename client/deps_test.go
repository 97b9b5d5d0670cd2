package client_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// forbidden are module paths (prefixes) of the server's stack and the
// module's tools, which a program that imports the client must not get.
// Of OpenTelemetry, the client takes the API (go.opentelemetry.io/otel and
// its trace, metric and log modules, with what they need: go-logr, xxhash,
// go.opentelemetry.io/auto/sdk), never the SDK nor an exporter, which are
// the program's choice, nor gRPC and protobuf, which the exporters bring.
var forbidden = []string{
	"github.com/labstack/echo", "github.com/getkin/kin-openapi", "github.com/gorilla/",
	"github.com/oapi-codegen/echo-middleware", "github.com/oapi-codegen/oapi-codegen/",
	"modernc.org/", "github.com/jackc/", "github.com/prometheus/", "github.com/pressly/goose",
	"go.yaml.in/", "gopkg.in/yaml", "golang.org/x/tools", "github.com/speakeasy-api/",
	"github.com/golang-jwt/", "github.com/MicahParks/",
	"go.opentelemetry.io/otel/sdk", "go.opentelemetry.io/otel/exporters/", "go.opentelemetry.io/proto/",
	"go.opentelemetry.io/contrib/", "google.golang.org/grpc", "google.golang.org/protobuf",
	"github.com/grpc-ecosystem/",
}

func isForbidden(path string) bool {
	return slices.ContainsFunc(forbidden, func(f string) bool { return strings.HasPrefix(path, f) })
}

// goCmd runs the go command in dir and returns its standard output.
func goCmd(t *testing.T, dir string, env []string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s (in %s): %v\n%s", strings.Join(args, " "), dir, err, stderr.String())
	}
	return out
}

// Importing the client (or its webhook package) must not pull in the
// server's stack.
func TestDependencies(t *testing.T) {
	out := goCmd(t, ".", nil, "list", "-deps", ".", "./webhook")
	for dep := range strings.Lines(string(out)) {
		if isForbidden(dep) {
			t.Errorf("the client depends on %s", strings.TrimSpace(dep))
		}
	}
}

// A module that imports the client and runs `go mod tidy` gets in its go.mod
// only the modules the client's packages come from: not the rest of this
// module's requirements. (What go list -deps shows is not enough: go mod tidy
// follows every file of every package imported, whatever its build tags, the
// root package's tools.go included.)
func TestImporterGoMod(t *testing.T) {
	self := strings.TrimSpace(string(goCmd(t, ".", nil, "list", "-m", "-f", "{{.Path}} {{.Dir}}")))
	modPath, modDir, _ := strings.Cut(self, " ")

	// What the client needs at run time: the modules of its packages.
	needed := map[string]bool{}
	out := goCmd(t, ".", nil, "list", "-deps", "-f", "{{with .Module}}{{.Path}}{{end}}", ".", "./webhook")
	for m := range strings.Lines(string(out)) {
		if m = strings.TrimSpace(m); m != "" && m != modPath {
			needed[m] = true
		}
	}

	dir := t.TempDir()
	gomod := "module example.com/importer\n\ngo 1.26\n\n" +
		"require " + modPath + " v0.0.0\n\nreplace " + modPath + " => " + modDir + "\n"
	main := "package main\n\nimport (\n\t\"net/http\"\n\n\t\"" + modPath + "/client\"\n\t\"" + modPath + "/client/webhook\"\n)\n\n" +
		"var _ http.Handler = &webhook.Handler{}\n\n" +
		"func main() {\n\tif _, err := client.New(\"http://127.0.0.1:8080/v1.0\"); err != nil {\n\t\tpanic(err)\n\t}\n}\n"
	for name, content := range map[string]string{"go.mod": gomod, "main.go": main} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The shared module cache and the environment's GOPROXY; -mod=mod so
	// that tidy may fetch what is missing, and no workspace of the caller's.
	env := []string{"GOFLAGS=-mod=mod", "GOWORK=off"}
	goCmd(t, dir, env, "mod", "tidy")
	goCmd(t, dir, []string{"GOFLAGS=-mod=readonly", "GOWORK=off"}, "build", "-o", os.DevNull, ".")

	var mod struct {
		Require []struct{ Path, Version string }
	}
	if err := json.Unmarshal(goCmd(t, dir, env, "mod", "edit", "-json"), &mod); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range mod.Require {
		got = append(got, r.Path)
		if r.Path == modPath {
			continue
		}
		if !needed[r.Path] || isForbidden(r.Path) {
			t.Errorf("the importer's go.mod requires %s %s, which the client does not need", r.Path, r.Version)
		}
	}
	if !slices.Contains(got, modPath) || !slices.Contains(got, "golang.org/x/oauth2") {
		t.Errorf("the importer's go.mod requires %v; want %s and golang.org/x/oauth2 among them", got, modPath)
	}
	if t.Failed() {
		b, _ := os.ReadFile(filepath.Join(dir, "go.mod"))
		t.Logf("the importer's go.mod:\n%s", b)
	}
}
