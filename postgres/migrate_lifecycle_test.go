package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/postgres"
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
	db, dsn := migratedTo(t, previousRelease)
	rows := storetest.PreviousRelease()
	for _, inv := range rows {
		var m invitations.Message
		if inv.Message != nil {
			m = *inv.Message
		}
		// The previous release's INSERT, column for column.
		_, err := db.ExecContext(ctx, `
			INSERT INTO invitations (id, tenant, inviter, invitee, has_message, template_id, body, tracking_id, created, last_modified, version)
			VALUES ($1, $2, $3, $4, $5, NULLIF($6, ''), NULLIF($7, ''), NULLIF($8, ''), $9, $10, $11)`,
			inv.ID, inv.Tenant, inv.Inviter, inv.Invitee, inv.Message != nil, m.TemplateID, m.Body,
			inv.TrackingID, inv.Created.UnixMilli(), inv.LastModified.UnixMilli(), inv.Version)
		if err != nil {
			t.Fatal(err)
		}
	}

	s := open(t, dsn, postgres.Options{})
	// The schema refuses a state the domain does not know, and a closed
	// time that disagrees with the state.
	for _, bad := range []string{
		`UPDATE invitations SET state = 'withdrawn', closed = 1 WHERE id = $1`,
		`UPDATE invitations SET state = 'accepted' WHERE id = $1`,
		`UPDATE invitations SET closed = 1 WHERE id = $1`,
	} {
		_, err := db.ExecContext(ctx, bad, rows[1].ID)
		if pe := (*pgconn.PgError)(nil); !errors.As(err, &pe) || pe.Code != "23514" { // check_violation
			t.Errorf("%s = %v; want a CHECK constraint failure", bad, err)
		}
	}
	storetest.CheckMigrated(t, s)
}
