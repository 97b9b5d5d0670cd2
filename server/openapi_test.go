package server_test

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

// The service serves its contract without a token: openapi.yaml byte for
// byte, and the same document as JSON.
func TestServesContract(t *testing.T) {
	e := newEnv(t)
	root := strings.TrimSuffix(e.url, "/v1.0")
	want, err := os.ReadFile("../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}

	res, body := e.do(http.MethodGet, root+"/openapi.yaml", "")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/yaml" {
		t.Fatalf("GET /openapi.yaml = %d, Content-Type %q; want 200 application/yaml", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if body != string(want) {
		t.Errorf("GET /openapi.yaml is not openapi.yaml byte for byte (run make generate)")
	}

	res, body = e.do(http.MethodGet, root+"/openapi.json", "")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /openapi.json = %d, Content-Type %q; want 200 application/json", res.StatusCode, res.Header.Get("Content-Type"))
	}
	// JSON is YAML: parsed alike, the two documents are the same, keys in
	// the same order.
	var fromYAML, fromJSON yaml.Node
	if err := yaml.Unmarshal(want, &fromYAML); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal([]byte(body), &fromJSON); err != nil {
		t.Fatalf("GET /openapi.json: %v", err)
	}
	if diff := cmp.Diff(content(&fromYAML), content(&fromJSON)); diff != "" {
		t.Errorf("GET /openapi.json differs from openapi.yaml (-yaml +json):\n%s", diff)
	}

	// Under the API's base path there is no contract.
	if res, _ := e.do(http.MethodGet, e.url+"/openapi.json", ""); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /v1.0/openapi.json = %d; want 404", res.StatusCode)
	}
}

// content is a YAML tree as nested values, mappings as ordered key-value
// lists, scalars decoded: what two documents must share to be the same in
// content and order, whatever their syntax.
func content(n *yaml.Node) any {
	switch n.Kind {
	case yaml.DocumentNode:
		return content(n.Content[0])
	case yaml.AliasNode:
		return content(n.Alias)
	case yaml.MappingNode:
		var kv []any
		for i := 0; i+1 < len(n.Content); i += 2 {
			kv = append(kv, n.Content[i].Value, content(n.Content[i+1]))
		}
		return kv
	case yaml.SequenceNode:
		items := []any{}
		for _, item := range n.Content {
			items = append(items, content(item))
		}
		return items
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return err.Error()
	}
	return v
}
