package postgres

import (
	"context"
	"io/fs"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/graph-linkedin/invitations/postgres/pgtest"
	"github.com/graph-linkedin/invitations/storetest"
)

// previousRelease is the last migration of the release before the life
// cycle (v1.0: invitations and idempotency keys).
const previousRelease = 2

// A database the previous release made, with invitations in it, migrates:
// every row is kept, pending, and the schema holds the life cycle's rules
// (see storetest.CheckMigrated).
func TestMigrateFromPreviousRelease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.Database(t)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	old := stdlib.OpenDB(*cfg)
	dir, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	provider, err := goose.NewProvider(goose.DialectPostgres, old, dir, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provider.UpTo(ctx, previousRelease); err != nil {
		t.Fatal(err)
	}
	rows := storetest.PreviousRelease()
	for _, inv := range rows {
		// The previous release's INSERT, column for column.
		_, err := old.ExecContext(ctx, `
			INSERT INTO invitations (id, tenant, inviter, invitee, has_message, template_id, body, tracking_id, created, last_modified, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			inv.ID, inv.Tenant, inv.Inviter, inv.Invitee, inv.Message != nil, templateID(inv.Message), body(inv.Message),
			nullable(inv.TrackingID), inv.Created.UnixMilli(), inv.LastModified.UnixMilli(), inv.Version)
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := Open(ctx, dsn, Options{})
	if err != nil {
		t.Fatalf("Open on the previous release's database: %v", err)
	}
	defer s.Close()
	// The schema refuses a state the domain does not know, and a closed
	// time that disagrees with the state.
	for _, bad := range []string{
		`UPDATE invitations SET state = 'withdrawn', closed = 1 WHERE id = $1`,
		`UPDATE invitations SET state = 'accepted' WHERE id = $1`,
		`UPDATE invitations SET closed = 1 WHERE id = $1`,
	} {
		if _, err := s.pool.Exec(ctx, bad, rows[1].ID); err == nil {
			t.Errorf("%s succeeded; want a CHECK constraint failure", bad)
		}
	}
	storetest.CheckMigrated(t, s)
}
