package server

import (
	"encoding/json"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// jsonBody is what validating an operation's JSON request body takes,
// computed at start-up: the checks of openapi3filter.ValidateRequestBody
// for a body sent as application/json, with its errors, given the body
// readBody has read already. ValidateRequestBody would read the body once
// more (a copy, and a new reader to put back), look the media type up and
// its decoder in a registry under a lock, and build its schema options anew,
// for every request; here the body is read once and decoded once, into the
// value the schema checks and the generated handler binds (as with
// Options.KeepValidatedValue).
type jsonBody struct {
	body   *openapi3.RequestBody
	schema *openapi3.Schema
	reason string // the RequestError's Reason for a body the schema refuses, kin-openapi's words
	opts   []openapi3.SchemaValidationOption
}

// newJSONBody is the check of body's application/json content under the
// validator's options o, or nil when ValidateRequestBody must do it: no such
// content, or no schema; a schema that sets defaults (ValidateRequestBody
// writes them into the body and encodes it anew); or options it would apply
// and this does not. (o's custom schema error function is not visible from
// here: validationOptions sets none.)
func newJSONBody(spec *openapi3.T, body *openapi3.RequestBody, o *openapi3filter.Options) *jsonBody {
	if !decodesAsValidator || body == nil || o == nil {
		return nil
	}
	mt := body.Content["application/json"]
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return nil
	}
	if !o.SkipSettingDefaults && setsDefaults(mt.Schema.Value, map[*openapi3.Schema]bool{}) {
		return nil
	}
	// The options ValidateRequestBody gives VisitJSON, in its order.
	opts := []openapi3.SchemaValidationOption{openapi3.VisitAsRequest()}
	if o.MultiError {
		opts = append(opts, openapi3.MultiErrors())
	}
	if o.ExcludeReadOnlyValidations {
		opts = append(opts, openapi3.DisableReadOnlyValidation())
	}
	if o.RegexCompiler != nil {
		opts = append(opts, openapi3.SetSchemaRegexCompiler(o.RegexCompiler))
	}
	opts = append(opts, o.SchemaValidationOptions...)
	if spec.IsOpenAPI31OrLater() {
		opts = append(opts, openapi3.EnableJSONSchema2020())
	}
	id := strings.TrimSpace(mt.Schema.Ref)
	if id == "" {
		id = strings.TrimSpace(mt.Schema.Value.Title)
	}
	reason := "doesn't match schema"
	if id != "" {
		reason += " " + id
	}
	return &jsonBody{body: body, schema: mt.Schema.Value, reason: reason, opts: opts}
}

// setsDefaults reports whether validating a value against s can write a
// default into it: a property's schema, anywhere below s, has one.
func setsDefaults(s *openapi3.Schema, seen map[*openapi3.Schema]bool) bool {
	if s == nil || seen[s] {
		return false
	}
	seen[s] = true
	if s.Default != nil {
		return true
	}
	refs := []*openapi3.SchemaRef{s.Items, s.Not, s.AdditionalProperties.Schema}
	for _, list := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
		refs = append(refs, list...)
	}
	for _, p := range s.Properties {
		refs = append(refs, p)
	}
	for _, ref := range refs {
		if ref != nil && setsDefaults(ref.Value, seen) {
			return true
		}
	}
	return false
}

// validate checks the body of the request in, which readBody has read
// into vb (and found to be one JSON value in valid UTF-8, sent as
// application/json); on success it leaves vb, with the value decoded, as
// the request's body.
func (jb *jsonBody) validate(in *openapi3filter.RequestValidationInput, vb *validatedBody) error {
	// As kin-openapi's JSON decoder: numbers as json.Number, so that an
	// integer is checked as written, not as a float64.
	vb.Reset(vb.data)
	dec := json.NewDecoder(&vb.bodyReader)
	dec.UseNumber()
	var value any
	err := dec.Decode(&value)
	vb.Reset(vb.data)
	if err != nil {
		return &openapi3filter.RequestError{Input: in, RequestBody: jb.body, Reason: "failed to decode request body",
			Err: &openapi3filter.ParseError{Kind: openapi3filter.KindInvalidFormat, Cause: err}}
	}
	if err := jb.schema.VisitJSON(value, jb.opts...); err != nil {
		return &openapi3filter.RequestError{Input: in, RequestBody: jb.body, Reason: jb.reason, Err: err}
	}
	vb.value = value
	in.Request.Body = vb
	return nil
}

// validatedBody is a request body read into memory (data) that, once
// validated, carries the value validated from it, as openapi3filter leaves
// one with Options.KeepValidatedValue: the generated handler binds that
// value instead of decoding the body again.
type validatedBody struct {
	bodyReader
	data  []byte
	value any
}

// ValidatedValue is the value decoded from the body and validated.
func (b *validatedBody) ValidatedValue() any { return b.value }
