package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/graph-linkedin/invitations"
	"github.com/graph-linkedin/invitations/storetest"
)

// BenchmarkKeyedStatements is the statements of a create run in the
// writer's transaction, one goroutine, without the commit: what each
// create's statements cost the writer apart from the pages its commit
// writes (BenchmarkCreateKeyed measures those), in transactions of 32, steadier than the durable
// benchmarks on a shared machine. unkeyed is CreateInvitation's, keyed-v4
// and keyed-v7 CreateInvitationIdempotent's with a new key each, random
// (version 4) or time-ordered (version 7, as the Go client sends).
func BenchmarkKeyedStatements(b *testing.B) {
	const batch = 32 // creates a transaction, about the writer's batches under load
	for _, mode := range []string{"unkeyed", "keyed-v4", "keyed-v7"} {
		b.Run(mode, func(b *testing.B) {
			ctx := context.Background()
			s, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"), Options{PurgeEvery: -1})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			invs := make([]invitations.Invitation, b.N)
			reqs := make([]invitations.IdempotentRequest, b.N)
			stored := make([][]byte, b.N)
			for i := range invs {
				invs[i] = storetest.Invitation("tenant-1", "urn:li:person:alice", fmt.Sprintf("urn:li:person:p%d", i)).Stamp(s.now())
				reqs[i] = invitations.IdempotentRequest{Key: invitations.IdempotencyKey{Tenant: "tenant-1", Subject: "urn:li:person:alice",
					Key: newKey(mode)}, Operation: invitations.OpCreateInvitation, Fingerprint: "fingerprint"}
				if stored[i], err = (invitations.Outcome{Invitation: &invs[i]}).MarshalJSON(); err != nil {
					b.Fatal(err)
				}
			}
			// The commits are left out of the measure; without fsyncs, they
			// take less of the run.
			if _, err := s.writer.ExecContext(ctx, "PRAGMA synchronous = OFF"); err != nil {
				b.Fatal(err)
			}
			var spent time.Duration
			b.ResetTimer()
			for first := 0; first < b.N; first += batch {
				err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
					start := time.Now()
					defer func() { spent += time.Since(start) }()
					for i := first; i < min(first+batch, b.N); i++ {
						inv, req, now := invs[i], reqs[i], s.now()
						var err error
						switch mode {
						case "unkeyed":
							var st *sql.Stmt
							if st, err = s.txStmt(ctx, tx, insertInvitation); err == nil {
								_, err = st.ExecContext(ctx, inv.ID, inv.Tenant, inv.Inviter, inv.Invitee,
									inv.Message != nil, templateID(inv.Message), body(inv.Message), nullable(inv.TrackingID),
									inv.Created.UnixMilli(), inv.LastModified.UnixMilli(), inv.Version)
							}
							if err == nil {
								_, err = s.queueChange(ctx, tx, invitations.ChangeCreated, inv, inv.Created)
							}
						default: // CreateInvitationIdempotent's, the key not recorded
							var st *sql.Stmt
							if st, err = s.txStmt(ctx, tx, insertInvitationOrNothing); err == nil {
								_, err = execCount(ctx, st, inv.ID, inv.Tenant, inv.Inviter, inv.Invitee,
									inv.Message != nil, templateID(inv.Message), body(inv.Message), nullable(inv.TrackingID),
									inv.Created.UnixMilli(), inv.LastModified.UnixMilli(), inv.Version)
							}
							if err == nil {
								_, _, err = s.record(ctx, tx, req, stored[i], now)
							}
							if err == nil {
								_, err = s.queueChange(ctx, tx, invitations.ChangeCreated, inv, inv.Created)
							}
						}
						if err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(spent.Nanoseconds())/float64(b.N), "stmt-ns/create")
		})
	}
}

// newKey is a new Idempotency-Key for mode, keyed-v4 or keyed-v7.
func newKey(mode string) string {
	if mode == "keyed-v7" {
		return uuid.Must(uuid.NewV7()).String()
	}
	return uuid.NewString()
}
