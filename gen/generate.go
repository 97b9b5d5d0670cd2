// Package gen is generated from openapi.yaml: the wire models, the Echo
// strict-server interface and the embedded spec, as written and as JSON.
// Never edit *.gen.go or the copies of openapi.yaml here (openapi.yaml,
// openapi.json); change the spec or server.cfg.yaml and run `make
// generate`.
package gen

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config server.cfg.yaml ../openapi.yaml
//go:generate cp ../openapi.yaml openapi.yaml
//go:generate go run ../internal/specjson ../openapi.yaml openapi.json
