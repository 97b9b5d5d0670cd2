//go:build tools

// Package tools pins the code generators this module runs with `go run`, so
// `make generate` uses the versions in go.mod and nothing installed by hand.
package tools

import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
)
