package server

import (
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"
)

// validationOptions are the options every request is validated with.
func validationOptions() *openapi3filter.Options {
	return &openapi3filter.Options{
		// Read-only properties in a body are ignored, as OData says.
		ExcludeReadOnlyValidations: true,
		// Hand the decoded body on: the generated handler binds it instead
		// of decoding the JSON a second time.
		KeepValidatedValue: true,
	}
}

// validate enforces openapi.yaml on every request: its parameters and its
// body, with kin-openapi's openapi3filter. It does what
// github.com/oapi-codegen/echo-middleware does, minus two costs: the
// operation comes from Echo's own route match (not a second, gorilla/mux
// router), and the security check (which reads the body once more) is
// authenticate's, done already. A request Echo could not route passes on
// to Echo's own 404 or 405.
func (s *server) validate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		rt, ok := s.routes[c.Request().Method+" "+c.Path()]
		if !ok {
			return next(c)
		}
		names, values := c.ParamNames(), c.ParamValues()
		params := make(map[string]string, len(names))
		for i, name := range names {
			params[name] = values[i]
		}
		in := &openapi3filter.RequestValidationInput{
			Request:    c.Request(),
			PathParams: params,
			Route:      rt.op,
			Options:    s.validation,
		}
		if err := openapi3filter.ValidateRequest(c.Request().Context(), in); err != nil {
			return err
		}
		return next(c)
	}
}
