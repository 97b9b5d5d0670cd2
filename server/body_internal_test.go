package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/graph-linkedin/invitations/gen"
)

// TestJSONBodyAsValidator checks jsonBody against what it stands in for:
// for every operation whose JSON body it validates, and bodies valid and
// not, its error (kind, reason, the schema error's words and place) is
// openapi3filter.ValidateRequestBody's, and on success the value it leaves
// on the request body is the one ValidateRequestBody leaves.
func TestJSONBodyAsValidator(t *testing.T) {
	spec, err := gen.Spec()
	if err != nil {
		t.Fatal(err)
	}
	bodies := []string{
		`{}`, `[]`, `"a"`, `1`, `null`, `true`,
		`{"invitee":"urn:li:person:I4n"}`,
		`{"invitee":"urn:li:email:ada@contoso.com","inviter":"urn:li:person:x","trackingId":"t"}`,
		`{"invitee":"urn:li:person:I4n","message":{"invitationMessage":{"body":"hi"}}}`,
		`{"invitee":"urn:li:person:I4n","message":{"invitationMessage":{"body":` + `"` + strings.Repeat("x", 400) + `"}}}`,
		`{"invitee":"urn:li:person:I4n","id":"x","created":1,"lastModified":12345678901234567890}`,
		`{"invitee":"urn:li:person:I4n","created":1.5}`,
		`{"invitee":"mailto:a@b.c"}`, `{"invitee":1}`, `{"unknown":true}`, `{"invitee":"urn:li:person:I4n","unknown":1}`,
		`{"trackingId":""}`, `{"invitee":"urn:li:person:a","invitee":"urn:li:person:b"}`,
		`{"action":"accept","invitationIds":["a"]}`, `{"action":"maybe","invitationIds":[]}`, `{"invitationIds":[1]}`,
		`{"trackingId":null}`, `{"message":null}`, `{"message":{"invitationTemplateID":null}}`,
		`{"notificationUrl":"https://example.com/n","changeType":"created","resource":"linkedIn/invitations","expirationDateTime":"2030-01-01T00:00:00Z","clientState":"s"}`,
		`{"notificationUrl":"ftp://x","changeType":"nope"}`, `{"expirationDateTime":"not a time"}`,
	}
	opts := validationOptions()
	checked, refused := 0, 0
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody == nil {
				continue
			}
			jb := newJSONBody(spec, op.RequestBody.Value, opts)
			if jb == nil {
				continue
			}
			checked++
			rt := &routers.Route{Spec: spec, Path: path, PathItem: item, Method: method, Operation: op}
			for _, body := range bodies {
				name := fmt.Sprintf("%s %s %s", method, path, body)
				if len(name) > 120 {
					name = name[:120]
				}
				request := func() *http.Request {
					req := httptest.NewRequest(method, path, strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					return req
				}
				wantReq := request()
				want := openapi3filter.ValidateRequestBody(context.Background(),
					&openapi3filter.RequestValidationInput{Request: wantReq, Route: rt, Options: opts}, op.RequestBody.Value)
				gotReq := request()
				vb := &validatedBody{data: []byte(body)}
				got := jb.validate(&openapi3filter.RequestValidationInput{Request: gotReq, Route: rt, Options: opts}, vb)
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s: jsonBody = %v; ValidateRequestBody = %v", name, got, want)
					continue
				}
				if want != nil {
					refused++
					if g, w := requestProblem(got.(*openapi3filter.RequestError)), requestProblem(want.(*openapi3filter.RequestError)); g != w {
						t.Errorf("%s: the problem of jsonBody's error = %+v; of ValidateRequestBody's = %+v", name, g, w)
					}
					continue
				}
				gotValue := gotReq.Body.(interface{ ValidatedValue() any }).ValidatedValue()
				wantValue := wantReq.Body.(interface{ ValidatedValue() any }).ValidatedValue()
				if !reflect.DeepEqual(gotValue, wantValue) {
					t.Errorf("%s: validated value %#v; ValidateRequestBody's %#v", name, gotValue, wantValue)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no operation's body is validated by jsonBody")
	}
	t.Logf("%d operations, %d bodies each, %d refused", checked, len(bodies), refused)
}
