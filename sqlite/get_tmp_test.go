package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/graph-linkedin/invitations/sqlite"
	"github.com/graph-linkedin/invitations/storetest"
)

func BenchmarkGetTmp(b *testing.B) {
	s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	inv, err := s.CreateInvitation(context.Background(), storetest.Invitation("tenant-1", "urn:li:person:alice", "urn:li:person:bob"))
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"background", "deadline"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ctx, cancel := context.Background(), func() {}
				if name == "deadline" {
					ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
				}
				if _, err := s.Invitation(ctx, "tenant-1", inv.ID); err != nil {
					b.Fatal(err)
				}
				cancel()
			}
		})
	}
}
