package gen

import (
	_ "embed"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
)

// specYAML is openapi.yaml as written: generate.go copies it here, byte for
// byte, because go:embed cannot reach outside the package's directory.
//
//go:embed openapi.yaml
var specYAML []byte

// SpecYAML returns openapi.yaml, byte for byte.
func SpecYAML() []byte { return slices.Clone(specYAML) }

// Spec parses openapi.yaml.
func Spec() (*openapi3.T, error) {
	return openapi3.NewLoader().LoadFromData(specYAML)
}
