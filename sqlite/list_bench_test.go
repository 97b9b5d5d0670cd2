package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/graph-linkedin/invitations"
)

// BenchmarkListPageDepth compares, in one run, the first page of a tenant's
// 100,100 invitations with the page 100,000 rows deep. Keyset paging seeks
// to the cursor in the index, so depth costs nothing: the deep/first ratio
// must stay near 1 (the target is at most 1.3).
func BenchmarkListPageDepth(b *testing.B) {
	const rows, depth, pageSize = 100_100, 100_000, 100
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	fill(b, s, "tenant-1", 1, rows)
	fill(b, s, "tenant-2", 2, 1_000) // a neighbour, so the tenant is a real filter

	q := invitations.Query{Tenant: "tenant-1", Order: invitations.DefaultOrder, Limit: pageSize}
	at, err := s.ListInvitations(ctx, invitations.Query{Tenant: "tenant-1", Order: invitations.DefaultOrder, Limit: 1, Skip: depth - 1})
	if err != nil || at.Next == nil {
		b.Fatalf("finding the cursor %d rows deep: %v", depth, err)
	}
	deep := q
	deep.After = at.Next

	var first, deepest time.Duration
	for b.Loop() {
		for _, tt := range []struct {
			q   invitations.Query
			sum *time.Duration
		}{{q, &first}, {deep, &deepest}} {
			start := time.Now()
			page, err := s.ListInvitations(ctx, tt.q)
			*tt.sum += time.Since(start)
			if err != nil || len(page.Invitations) != pageSize {
				b.Fatalf("ListInvitations: %d rows, %v", len(page.Invitations), err)
			}
		}
	}
	ratio := float64(deepest) / float64(first)
	b.ReportMetric(float64(first.Nanoseconds())/float64(b.N), "first-ns/page")
	b.ReportMetric(float64(deepest.Nanoseconds())/float64(b.N), "deep-ns/page")
	b.ReportMetric(ratio, "deep/first")
	if b.N >= 20 && ratio > 1.3 {
		b.Errorf("a page %d rows deep costs %.2f times the first page; want at most 1.3", depth, ratio)
	}
}

// fill inserts n invitations of tenant in one transaction, a few per
// millisecond (so ties in created occur, as in real traffic).
func fill(b *testing.B, s *Store, tenant string, salt, n int) {
	b.Helper()
	ctx := context.Background()
	base := time.Now().Add(-time.Duration(n) * time.Millisecond).UnixMilli()
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO invitations (`+columns+`) VALUES (?, ?, ?, ?, 0, NULL, NULL, NULL, ?, ?, 1)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i := range n {
			created := base + int64(i/3)
			_, err := stmt.ExecContext(ctx, fmt.Sprintf("%08x-%04x-4000-8000-%012x", i, salt, i), tenant,
				fmt.Sprintf("urn:li:person:p%d", i%97), fmt.Sprintf("urn:li:email:guest%d@example.com", i), created, created)
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
