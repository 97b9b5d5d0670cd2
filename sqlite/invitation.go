package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/google/uuid"

	"github.com/graph-linkedin/invitations"
)

// CreateInvitation stores inv with a new id and the current time.
func (s *Store) CreateInvitation(ctx context.Context, inv invitations.Invitation) (invitations.Invitation, error) {
	inv.ID = uuid.NewString()
	inv.Created = s.now().Truncate(time.Millisecond)
	inv.LastModified = inv.Created
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO invitations
			  (id, tenant, inviter, invitee, has_message, template_id, body, tracking_id, created, last_modified)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			inv.ID, inv.Tenant, inv.Inviter, inv.Invitee,
			inv.Message != nil, templateID(inv.Message), body(inv.Message), nullable(inv.TrackingID),
			inv.Created.UnixMilli(), inv.LastModified.UnixMilli())
		return err
	})
	if isUniqueViolation(err) {
		return invitations.Invitation{}, invitations.Errorf(invitations.ErrConflict,
			"an invitation from %s to %s already exists", inv.Inviter, inv.Invitee)
	}
	if err != nil {
		return invitations.Invitation{}, s.translate(err)
	}
	return inv, nil
}

func templateID(m *invitations.Message) sql.NullString {
	if m == nil {
		return sql.NullString{}
	}
	return nullable(m.TemplateID)
}

func body(m *invitations.Message) sql.NullString {
	if m == nil {
		return sql.NullString{}
	}
	return nullable(m.Body)
}

// nullable stores an absent ("") optional string as NULL.
func nullable(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }
