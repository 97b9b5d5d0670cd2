package server

import (
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

func TestEchoPath(t *testing.T) {
	for in, want := range map[string]string{
		"/linkedIn/invitations":      "/linkedIn/invitations",
		"/linkedIn/invitations/{id}": "/linkedIn/invitations/:id",
		"/a/{x}/b/{y}":               "/a/:x/b/:y",
		"/healthz":                   "/healthz",
	} {
		if got := echoPath(in); got != want {
			t.Errorf("echoPath(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestNeedsToken(t *testing.T) {
	bearer := openapi3.SecurityRequirement{"bearerAuth": {}}
	tests := []struct {
		reqs openapi3.SecurityRequirements
		want bool
	}{
		{nil, false},
		{openapi3.SecurityRequirements{}, false},
		{openapi3.SecurityRequirements{bearer}, true},
		{openapi3.SecurityRequirements{bearer, {}}, false}, // optional
	}
	for _, tt := range tests {
		if got := needsToken(tt.reqs); got != tt.want {
			t.Errorf("needsToken(%v) = %v; want %v", tt.reqs, got, tt.want)
		}
	}
}
