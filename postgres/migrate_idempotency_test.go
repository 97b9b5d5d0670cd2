package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/graph-linkedin/invitations/postgres"
	"github.com/graph-linkedin/invitations/storetest"
)

// A database made by the previous version (migrated up to 00002), holding
// idempotency keys, is migrated when opened; retries of its keys' requests
// still replay their responses, now from outcomes.
func TestMigrateIdempotencyKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, dsn := migratedTo(t, 2)
	keys := storetest.LegacyKeys(time.Now())
	for _, k := range keys {
		if inv := k.Created; inv != nil {
			_, err := db.ExecContext(ctx, `
				INSERT INTO invitations (id, tenant, inviter, invitee, has_message, template_id, body, tracking_id, created, last_modified, version)
				VALUES ($1, $2, $3, $4, $5, NULLIF($6, ''), NULLIF($7, ''), NULLIF($8, ''), $9, $10, $11)`,
				inv.ID, inv.Tenant, inv.Inviter, inv.Invitee, inv.Message != nil, inv.Message.TemplateID, inv.Message.Body,
				inv.TrackingID, inv.Created.UnixMilli(), inv.LastModified.UnixMilli(), inv.Version)
			if err != nil {
				t.Fatal(err)
			}
		}
		_, err := db.ExecContext(ctx, `
			INSERT INTO idempotency_keys (tenant, subject, idempotency_key, fingerprint, token, lease_until, expires, status, location, etag, body)
			VALUES ($1, $2, $3, $4, NULLIF($5, ''), NULLIF($6::bigint, 0), $7, NULLIF($8::integer, 0), NULLIF($9, ''), NULLIF($10, ''), $11)`,
			k.Tenant, k.Subject, k.Key, k.Fingerprint, k.Token, k.LeaseUntil, k.Expires, k.Status, k.Location, k.ETag, k.Body)
		if err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	storetest.CheckLegacyKeys(t, open(t, dsn, postgres.Options{}), keys)
}
