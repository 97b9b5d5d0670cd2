package server

import (
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/labstack/echo/v4"

	"github.com/graph-linkedin/invitations/gen"
)

// specRouter registers each generated route under the base path openapi.yaml
// gives it: the document's server URL (/v1.0) or, for a path with servers of
// its own (the probes), that path's. gen.RegisterHandlersWithBaseURL knows
// only one base, so it registers through this.
type specRouter struct {
	e     *echo.Echo
	spec  *openapi3.T
	paths map[string]string // Echo path template -> OpenAPI path template
	bases map[string]string // Echo path template -> base path, where the path has its own
	base  string            // the document's base path
	// routes records each registered route's operation, by method and full
	// Echo path (POST, /v1.0/linkedIn/invitations).
	routes  map[routeKey]*route
	metrics *metrics
	// validation is the validator's options (see newJSONBody).
	validation *openapi3filter.Options
}

var _ gen.EchoRouter = specRouter{}

func newSpecRouter(e *echo.Echo, spec *openapi3.T, m *metrics, validation *openapi3filter.Options) specRouter {
	r := specRouter{e: e, spec: spec, paths: map[string]string{}, bases: map[string]string{},
		base: serverBase(spec.Servers), routes: map[routeKey]*route{}, metrics: m, validation: validation}
	for path, item := range spec.Paths.Map() {
		r.paths[echoPath(path)] = path
		if len(item.Servers) > 0 {
			r.bases[echoPath(path)] = serverBase(item.Servers)
		}
	}
	return r
}

// serverBase is the path of the first server URL, without a trailing slash.
func serverBase(servers openapi3.Servers) string {
	if len(servers) == 0 {
		return ""
	}
	return strings.TrimSuffix(servers[0].URL, "/")
}

// echoPath turns an OpenAPI path template (/a/{id}) into Echo's (/a/:id).
func echoPath(path string) string {
	var b strings.Builder
	for seg := range strings.SplitSeq(path, "/") {
		if seg == "" {
			continue
		}
		b.WriteByte('/')
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			seg = ":" + seg[1:len(seg)-1]
		}
		b.WriteString(seg)
	}
	return b.String()
}

func (r specRouter) add(method, path string, h echo.HandlerFunc, m []echo.MiddlewareFunc) *echo.Route {
	base, ok := r.bases[path]
	if !ok {
		base = r.base
	}
	if op := r.spec.Paths.Value(r.paths[path]).GetOperation(method); op != nil {
		r.routes[routeKey{method: method, path: base + path}] = r.route(base, path, method, op)
	}
	return r.e.Add(method, base+path, h, m...)
}

// routeKey is a route as Echo matched it: the method and the route's path
// template (echo.Context.Path).
type routeKey struct{ method, path string }

// route is what the request path needs to know of a route's operation,
// computed once, at start-up.
type route struct {
	id     string // the operationId
	method string // its HTTP method
	// template is its path template from the application's root, as
	// openapi.yaml writes it: the base path, then the operation's
	// (/v1.0/linkedIn/invitations/{id}).
	template string
	secured  bool            // it needs a bearer token
	query    map[string]bool // the query parameters it declares
	body     bool            // it takes a request body
	// jsonBody validates its body sent as application/json; nil when
	// openapi3filter.ValidateRequestBody does (see newJSONBody).
	jsonBody *jsonBody
	op       *routers.Route // the operation, for the validator
	params   []param        // its parameters, in the order the validator checks them
	metrics  *opMetrics
}

// param is a parameter of an operation, for the validator.
type param struct {
	*openapi3.Parameter
	header string // a header parameter's canonical name
	// optional: when absent, the validator has nothing to check (it is
	// not required, and has no default to set).
	optional bool
}

// route is the operation op of method on the Echo path path, served under
// base.
func (r specRouter) route(base, path, method string, op *openapi3.Operation) *route {
	security := r.spec.Security
	if op.Security != nil {
		security = *op.Security
	}
	item := r.spec.Paths.Value(r.paths[path])
	rt := &route{id: op.OperationID, method: method, template: base + r.paths[path], secured: needsToken(security),
		query: map[string]bool{}, body: op.RequestBody != nil, op: r.validationRoute(path, method, op)}
	if op.RequestBody != nil {
		rt.jsonBody = newJSONBody(r.spec, op.RequestBody.Value, r.validation)
	}
	// In kin-openapi's order (openapi3filter.ValidateRequest): the path's
	// parameters that the operation does not override, then the
	// operation's.
	var params []*openapi3.Parameter
	for _, p := range item.Parameters {
		if op.Parameters.GetByInAndName(p.Value.In, p.Value.Name) == nil {
			params = append(params, p.Value)
		}
	}
	for _, p := range op.Parameters {
		params = append(params, p.Value)
	}
	for _, p := range params {
		if p.In == openapi3.ParameterInQuery {
			rt.query[p.Name] = true
		}
		hasDefault := p.Schema != nil && p.Schema.Value != nil && p.Schema.Value.Default != nil
		rt.params = append(rt.params, param{Parameter: p, header: http.CanonicalHeaderKey(p.Name),
			optional: !p.Required && !hasDefault})
	}
	var statuses []int
	for code := range op.Responses.Map() {
		if status, err := strconv.Atoi(code); err == nil {
			statuses = append(statuses, status)
		}
	}
	rt.metrics = r.metrics.forOperation(op.OperationID, statuses)
	return rt
}

// validationRoute is the kin-openapi route of an operation for the
// validator. Its security requirements are left out: authenticate has
// checked them, and kin-openapi would read the body once more to do it.
func (r specRouter) validationRoute(path, method string, op *openapi3.Operation) *routers.Route {
	noSecurity := *op
	noSecurity.Security = &openapi3.SecurityRequirements{}
	return &routers.Route{
		Spec:      r.spec,
		Path:      r.paths[path],
		PathItem:  r.spec.Paths.Value(r.paths[path]),
		Method:    method,
		Operation: &noSecurity,
	}
}

// needsToken reports whether security requirements demand a token: there is
// at least one, and none is empty (an empty one makes auth optional).
func needsToken(reqs openapi3.SecurityRequirements) bool {
	for _, req := range reqs {
		if len(req) == 0 {
			return false
		}
	}
	return len(reqs) > 0
}

func (r specRouter) CONNECT(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add("CONNECT", p, h, m)
}
func (r specRouter) DELETE(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add("DELETE", p, h, m)
}
func (r specRouter) GET(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add("GET", p, h, m)
}
func (r specRouter) HEAD(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add("HEAD", p, h, m)
}
func (r specRouter) OPTIONS(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add("OPTIONS", p, h, m)
}
func (r specRouter) PATCH(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add("PATCH", p, h, m)
}
func (r specRouter) POST(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add("POST", p, h, m)
}
func (r specRouter) PUT(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add("PUT", p, h, m)
}
func (r specRouter) TRACE(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add("TRACE", p, h, m)
}

// refuseShadowed makes a static path answer 405 for the methods only its
// sibling with a parameter has. Echo prefers a static segment, but for a
// method the static path lacks it falls back to the parameter: GET
// /linkedIn/invitations/inviteeClosingInvitation would be a get of the
// invitation "inviteeClosingInvitation" (a 400 for its id's pattern), not
// the method the action does not allow.
func (r specRouter) refuseShadowed() {
	methods := map[string][]string{} // Echo path -> its operations' methods
	for p, item := range r.spec.Paths.Map() {
		for m := range item.Operations() {
			methods[echoPath(p)] = append(methods[echoPath(p)], m)
		}
	}
	for static, allowed := range methods {
		dir, last := path.Split(static)
		if strings.HasPrefix(last, ":") {
			continue
		}
		refused := map[string]bool{}
		for sibling, theirs := range methods {
			d, l := path.Split(sibling)
			if d != dir || !strings.HasPrefix(l, ":") {
				continue
			}
			for _, m := range theirs {
				if !slices.Contains(allowed, m) {
					refused[m] = true
				}
			}
		}
		base, ok := r.bases[static]
		if !ok {
			base = r.base
		}
		slices.Sort(allowed)
		allow := strings.Join(allowed, ", ")
		for m := range refused {
			r.e.Add(m, base+static, func(c echo.Context) error {
				c.Response().Header().Set("Allow", allow)
				return echo.ErrMethodNotAllowed
			})
		}
	}
}
