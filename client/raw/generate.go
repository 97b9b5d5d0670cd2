// Package raw is the client generated from openapi.yaml: the wire models
// (InvitationV2, ODataError, ...), each operation's parameters and
// responses, and a client that sends requests exactly as the contract spells
// them (NewClientWithResponses). It does no authentication, retries or error
// mapping: package client, one directory up, is the API for Go programs, and
// this is for tests and tools that need the wire format itself.
//
// Never edit client.gen.go; change openapi.yaml or client.cfg.yaml and run
// `make generate`.
package raw

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config client.cfg.yaml ../../openapi.yaml
