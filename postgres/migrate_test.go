package postgres_test

import (
	"context"
	"database/sql"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/graph-linkedin/invitations/postgres/pgtest"
)

// migratedTo makes a database as the schema of migration version left it
// (an earlier release's), for a test to fill before the store opens and
// migrates it. It returns the database, open, and its DSN.
func migratedTo(t *testing.T, version int64) (*sql.DB, string) {
	t.Helper()
	dsn := pgtest.Database(t)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	db := stdlib.OpenDB(*cfg)
	t.Cleanup(func() { db.Close() })
	provider, err := goose.NewProvider(goose.DialectPostgres, db, os.DirFS("migrations"), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provider.UpTo(context.Background(), version); err != nil {
		t.Fatal(err)
	}
	return db, dsn
}
