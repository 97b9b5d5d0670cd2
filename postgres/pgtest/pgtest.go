// Package pgtest gives tests PostgreSQL databases of their own: a fresh
// database on the server that INVITATIONS_TEST_POSTGRES_DSN names, dropped
// when the test ends, or a throwaway cluster that a test can stop and start.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvDSN names the environment variable with the DSN of a PostgreSQL server
// the tests may create and drop databases on, e.g.
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
const EnvDSN = "INVITATIONS_TEST_POSTGRES_DSN"

// ServerDSN returns $INVITATIONS_TEST_POSTGRES_DSN, or skips the test when
// it is not set.
func ServerDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn == "" {
		tb.Skipf("%s is not set: skipping the PostgreSQL tests (set it to a server's DSN, e.g. "+
			"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable, to run them)", EnvDSN)
	}
	return dsn
}

// Database returns the DSN of a fresh database on the server that
// INVITATIONS_TEST_POSTGRES_DSN names, or skips the test when it is not set.
func Database(tb testing.TB) string {
	tb.Helper()
	return NewDatabase(tb, ServerDSN(tb))
}

// NewDatabase creates an empty database with a random name on the server
// that serverDSN names, drops it (closing whatever still uses it) when the
// test ends, and returns its DSN.
func NewDatabase(tb testing.TB, serverDSN string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name := "invitations_test_" + randomHex(8)
	admin, err := pgx.Connect(ctx, serverDSN)
	if err != nil {
		tb.Fatalf("pgtest: connect to %s: %v", EnvDSN, err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		tb.Fatalf("pgtest: create database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin, err := pgx.Connect(ctx, serverDSN)
		if err != nil {
			tb.Errorf("pgtest: connect to drop database %s: %v", name, err)
			return
		}
		defer admin.Close(ctx)
		if _, err := admin.Exec(ctx, "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			tb.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	dsn, err := WithDatabase(serverDSN, name)
	if err != nil {
		tb.Fatal(err)
	}
	return dsn
}

// WithDatabase returns dsn with its database replaced by name; dsn is a
// postgres:// URL or a keyword=value string.
func WithDatabase(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("pgtest: %s is not a URL: %v", EnvDSN, err)
		}
		u.Path, u.RawPath = "/"+name, ""
		return u.String(), nil
	}
	return dsn + " dbname=" + name, nil // a later keyword wins
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
