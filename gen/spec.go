package gen

import (
	_ "embed"
	"encoding/json"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
)

// specYAML is openapi.yaml as written: generate.go copies it here, byte for
// byte, because go:embed cannot reach outside the package's directory.
//
//go:embed openapi.yaml
var specYAML []byte

// specJSON is openapi.yaml as JSON, every mapping's keys in their order
// (internal/specjson writes it).
//
//go:embed openapi.json
var specJSON []byte

// SpecYAML returns openapi.yaml, byte for byte.
func SpecYAML() []byte { return slices.Clone(specYAML) }

// SpecJSON returns openapi.yaml as JSON.
func SpecJSON() []byte { return slices.Clone(specJSON) }

// Spec parses openapi.yaml, from its JSON form: decoding JSON takes a
// fraction of what the loader's YAML parser does (it reads JSON as YAML).
func Spec() (*openapi3.T, error) {
	var doc openapi3.T
	if err := json.Unmarshal(specJSON, &doc); err != nil {
		return nil, err
	}
	if err := openapi3.NewLoader().ResolveRefsIn(&doc, nil); err != nil {
		return nil, err
	}
	return &doc, nil
}
