package spectest

import (
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// openapi.yaml is a contract other teams adopt without edits: every
// operation is named, described and tagged; it declares every response the
// service's middleware can give it, each error with Graph's body; every
// body, parameter and header has an example (an optional parameter's may be
// in its description, see checkParameter); every property a description.
func TestContractIsComplete(t *testing.T) {
	doc := Load(t)
	if c := doc.Info.Contact; c == nil || c.Name == "" || c.URL == "" || c.Email == "" {
		t.Errorf("info.contact = %+v; want a name, a URL and an email", c)
	}
	if l := doc.Info.License; l == nil || l.Name == "" || l.URL == "" {
		t.Errorf("info.license = %+v; want a name and a URL", l)
	}
	raw, err := os.ReadFile("../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.ToUpper(string(raw)), "TODO") {
		t.Errorf("openapi.yaml still says TODO")
	}

	lowerCamel := regexp.MustCompile(`^[a-z][a-zA-Z0-9]+$`)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			name := method + " " + path
			if !lowerCamel.MatchString(op.OperationID) || op.Summary == "" || op.Description == "" || len(op.Tags) == 0 {
				t.Errorf("%s: operationId %q, summary %q, %d-byte description, tags %v; want all, operationId lowerCamel",
					name, op.OperationID, op.Summary, len(op.Description), op.Tags)
			}
			for _, tag := range op.Tags {
				if doc.Tags.Get(tag) == nil {
					t.Errorf("%s: tag %q is not declared in tags", name, tag)
				}
			}
			for _, status := range mustDeclare(doc, op) {
				if op.Responses.Value(strconv.Itoa(status)) == nil {
					t.Errorf("%s: no %d response, which the service can answer", name, status)
				}
			}
			for code, res := range op.Responses.Map() {
				checkResponse(t, name+" "+code, method, code, res.Value)
			}
			if method == http.MethodHead {
				checkHead(t, name, item, op)
			}
			if body := op.RequestBody; body != nil {
				for mt, media := range body.Value.Content {
					if media.Example == nil && len(media.Examples) == 0 {
						t.Errorf("%s: request body %s has no example", name, mt)
					}
				}
			}
			for _, p := range append(slices.Clone(item.Parameters), op.Parameters...) {
				checkParameter(t, name, p.Value)
			}
		}
	}
	for name, h := range doc.Components.Headers {
		if h.Value.Description == "" || h.Value.Example == nil {
			t.Errorf("header %s has no description or no example", name)
		}
	}
	for name, s := range doc.Components.Schemas {
		checkDescribed(t, "#/components/schemas/"+name, s)
	}
}

// describedExample is the example an optional parameter may give in its
// description instead of declaring one: "for example `v`" or "such as `v`".
var describedExample = regexp.MustCompile("(?i)(?:for\\s+example|such\\s+as)\\s+`([^`]+)`")

// checkParameter checks that a parameter of the operation name has a
// description and an example. An optional one may give its example in its
// description: Swagger UI's "Try it out" (/docs) fills a declared example
// in and sends it, and a pre-filled Idempotency-Key, If-Match or skip
// token makes the first or second click fail. That example must be valid
// too.
func checkParameter(t *testing.T, name string, p *openapi3.Parameter) {
	t.Helper()
	if p.Description == "" {
		t.Errorf("%s: parameter %s has no description", name, p.Name)
	}
	if p.Example != nil || len(p.Examples) > 0 {
		return
	}
	m := describedExample.FindStringSubmatch(p.Description)
	if p.Required || m == nil {
		t.Errorf("%s: parameter %s has no example; declare one, or for an optional parameter give it in the description (for example `...`)", name, p.Name)
		return
	}
	var value any = m[1]
	if p.Schema != nil && !p.Schema.Value.Type.Is(openapi3.TypeString) {
		if err := json.Unmarshal([]byte(m[1]), &value); err != nil {
			t.Errorf("%s: parameter %s: the example in its description, %s, is not a %s", name, p.Name, m[1], p.Schema.Value.Type)
			return
		}
	}
	if p.Schema != nil {
		if err := p.Schema.Value.VisitJSON(value); err != nil {
			t.Errorf("%s: parameter %s: the example in its description, %s, is not valid: %v", name, p.Name, m[1], err)
		}
	}
}

// mustDeclare are the statuses the service's middleware can answer op with
// (server/server.go's chain), besides what its handler returns.
func mustDeclare(doc *openapi3.T, op *openapi3.Operation) []int {
	statuses := []int{
		http.StatusBadRequest,                  // an unknown or repeated query option
		http.StatusRequestHeaderFieldsTooLarge, // the header limit
		http.StatusInternalServerError,         // anything may fail
	}
	security := doc.Security
	if op.Security != nil {
		security = *op.Security
	}
	if len(security) > 0 && len(security[0]) > 0 {
		statuses = append(statuses, http.StatusUnauthorized, http.StatusTooManyRequests)
	}
	if op.RequestBody != nil {
		statuses = append(statuses, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType)
	}
	return statuses
}

// checkResponse checks a response of an operation with method: described,
// with the header fields every answer carries, and, for an error, Graph's
// error body; a HEAD's responses have no body at all.
func checkResponse(t *testing.T, name, method, code string, res *openapi3.Response) {
	t.Helper()
	if res.Description == nil || *res.Description == "" {
		t.Errorf("%s: no description", name)
	}
	if !strings.HasPrefix(code, "2") && !strings.HasPrefix(code, "4") && !strings.HasPrefix(code, "5") {
		t.Errorf("%s: a status the service does not answer with", name)
	}
	switch {
	case method == http.MethodHead:
		if len(res.Content) > 0 {
			t.Errorf("%s: a body in an answer to HEAD, which has none", name)
		}
	case code >= "400":
		media := res.Content.Get("application/json")
		if media == nil || media.Schema == nil || media.Schema.Ref != "#/components/schemas/ODataError" || len(res.Content) != 1 {
			t.Errorf("%s: an error response without Graph's error body (application/json, ODataError)", name)
		}
	}
	for _, h := range []string{"request-id", "Cache-Control", "X-Content-Type-Options"} {
		if res.Headers[h] == nil {
			t.Errorf("%s: no %s header", name, h)
		}
	}
	for mt, media := range res.Content {
		if media.Example == nil && len(media.Examples) == 0 {
			t.Errorf("%s: %s has no example", name, mt)
		}
	}
}

// checkDescribed fails for a schema, or any of its properties, without a
// description; a property that is a $ref is described where it points.
func checkDescribed(t *testing.T, name string, s *openapi3.SchemaRef) {
	t.Helper()
	if s.Value.Description == "" {
		t.Errorf("%s has no description", name)
	}
	for prop, ps := range s.Value.Properties {
		if ps.Ref == "" {
			checkDescribed(t, name+"/properties/"+prop, ps)
		}
	}
}

// checkHead checks that a HEAD operation mirrors its path's GET: the same
// parameters and statuses, and the same header fields on each.
func checkHead(t *testing.T, name string, item *openapi3.PathItem, head *openapi3.Operation) {
	t.Helper()
	get := item.Get
	if get == nil {
		t.Errorf("%s: HEAD without a GET", name)
		return
	}
	params := func(op *openapi3.Operation) []string {
		var refs []string
		for _, p := range op.Parameters {
			refs = append(refs, p.Ref)
		}
		return refs
	}
	if !slices.Equal(params(head), params(get)) {
		t.Errorf("%s: parameters %v; want GET's, %v", name, params(head), params(get))
	}
	if head.Security != nil || get.Security != nil {
		t.Errorf("%s: HEAD and GET must both take the document's security", name)
	}
	for code, res := range get.Responses.Map() {
		h := head.Responses.Value(code)
		if h == nil {
			t.Errorf("%s: no %s response, which GET has", name, code)
			continue
		}
		for header := range res.Value.Headers {
			if h.Value.Headers[header] == nil {
				t.Errorf("%s %s: no %s header, which GET's has", name, code, header)
			}
		}
	}
	if len(head.Responses.Map()) != len(get.Responses.Map()) {
		t.Errorf("%s: %d responses; want GET's %d", name, len(head.Responses.Map()), len(get.Responses.Map()))
	}
}
