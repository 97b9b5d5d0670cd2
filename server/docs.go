package server

import (
	"embed"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path"

	"github.com/labstack/echo/v4"
)

// docsFiles are the interactive API reference served at /docs: Swagger UI
// (copied from the npm package swagger-ui-dist by `make docs-assets`, so
// building needs no npm) and a page that has it render /openapi.json.
//
//go:embed docs
var docsFiles embed.FS

// docsPolicy lets the reference load from this server only. Swagger UI sets
// style attributes and inlines small images.
const docsPolicy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// docs serves /docs (the page) and /docs/* (its files). The reference is
// not an operation of openapi.yaml: it is a page for people, around it.
func (s *server) docs(c echo.Context) error {
	name := c.Param("*")
	if name == "" {
		name = "index.html"
	}
	if !fs.ValidPath(name) { // "..", or an empty element
		return echo.ErrNotFound
	}
	f, err := docsFiles.Open(path.Join("docs", name))
	if err != nil {
		return echo.ErrNotFound
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		return echo.ErrNotFound
	}
	content, ok := f.(io.ReadSeeker) // embed.FS's files are
	if !ok {
		return fmt.Errorf("docs: %s cannot seek", name)
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", docsPolicy)
	h.Set("Cache-Control", publicCache)
	// Embedded files have no modification time; ServeContent sets the
	// Content-Type from the name and answers Range requests.
	http.ServeContent(c.Response(), c.Request(), st.Name(), st.ModTime(), content)
	return nil
}
