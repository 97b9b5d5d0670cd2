// Package gen is generated from openapi.yaml: the wire models, the Echo
// strict-server interface and the embedded spec. Never edit *.gen.go or the
// copy of openapi.yaml here; change the spec or server.cfg.yaml and run
// `make generate`.
package gen

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config server.cfg.yaml ../openapi.yaml
//go:generate cp ../openapi.yaml openapi.yaml
