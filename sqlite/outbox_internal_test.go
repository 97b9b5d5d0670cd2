package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/uuid"
)

// newUUID makes version 4 UUIDs in their canonical form, each new.
func TestNewUUID(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "invitations.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, err := s.reader.QueryContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
		SELECT `+newUUID+` FROM n`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	variants := map[byte]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		u, err := uuid.Parse(id)
		if err != nil || u.String() != id || u.Version() != 4 || u.Variant() != uuid.RFC4122 || seen[id] {
			t.Fatalf("newUUID = %q (%v); want a new version 4 UUID, lower-case", id, err)
		}
		seen[id] = true
		variants[id[19]] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2000 || len(variants) != 4 {
		t.Errorf("%d UUIDs with variant digits %v; want 2000, with each of 8, 9, a and b", len(seen), variants)
	}
}
