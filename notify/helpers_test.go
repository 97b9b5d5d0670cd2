package notify_test

import (
	"crypto/x509"
	"net/http/httptest"
)

// poolOf trusts the test server's certificate.
func poolOf(srv *httptest.Server) *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return pool
}
