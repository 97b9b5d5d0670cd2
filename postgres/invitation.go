package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/graph-linkedin/invitations"
)

// columns are the columns a create sets; state and closed take their
// defaults (pending, NULL).
const columns = `id, tenant, inviter, invitee, has_message, template_id, body, tracking_id, created, last_modified, version`

// readColumns are an invitation's columns in the order scan reads them.
const readColumns = columns + `, state, closed`

// CreateInvitation stores inv with a new id and the current time.
func (s *Store) CreateInvitation(ctx context.Context, inv invitations.Invitation) (invitations.Invitation, error) {
	inv = inv.Stamp(s.now())
	queued := 0
	err := s.write(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO invitations (`+columns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			inv.ID, inv.Tenant, inv.Inviter, inv.Invitee,
			inv.Message != nil, templateID(inv.Message), body(inv.Message), nullable(inv.TrackingID),
			inv.Created.UnixMilli(), inv.LastModified.UnixMilli(), inv.Version)
		if err != nil {
			return err
		}
		queued, err = s.queueChange(ctx, tx, invitations.ChangeCreated, inv, inv.Created)
		return err
	})
	if isUniqueViolation(err) {
		return invitations.Invitation{}, invitations.ConflictError(inv.Inviter, inv.Invitee)
	}
	if err != nil {
		return invitations.Invitation{}, s.translate(err)
	}
	s.queued(queued)
	return inv, nil
}

// Invitation returns the tenant's invitation with this id.
func (s *Store) Invitation(ctx context.Context, tenant, id string) (invitations.Invitation, error) {
	row := s.pool.QueryRow(ctx, `SELECT `+readColumns+` FROM invitations WHERE tenant = $1 AND id = $2`, tenant, id)
	inv, err := scan(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return invitations.Invitation{}, invitations.NotFoundError(id)
	}
	if err != nil {
		return invitations.Invitation{}, s.translate(err)
	}
	return inv, nil
}

// UpdateInvitation replaces inv's message and tracking id if its version is
// still version and it is pending. Of concurrent updates from one version,
// the first to commit wins: the others wait for its row lock, then find the
// version changed.
func (s *Store) UpdateInvitation(ctx context.Context, inv invitations.Invitation, version int64) (invitations.Invitation, error) {
	var updated invitations.Invitation
	queued := 0
	err := s.write(ctx, func(tx pgx.Tx) error {
		// lastModified moves forward even if the clock has not (or went
		// back, or another instance's clock is behind this one's).
		row := tx.QueryRow(ctx, `
			UPDATE invitations
			SET has_message = $1, template_id = $2, body = $3, tracking_id = $4,
			    last_modified = GREATEST($5::bigint, last_modified + 1), version = version + 1
			WHERE tenant = $6 AND id = $7 AND version = $8 AND state = 'pending'
			RETURNING `+readColumns,
			inv.Message != nil, templateID(inv.Message), body(inv.Message), nullable(inv.TrackingID),
			s.now().UnixMilli(), inv.Tenant, inv.ID, version)
		var err error
		updated, err = scan(row)
		if errors.Is(err, pgx.ErrNoRows) {
			return missingOrChanged(ctx, tx, inv.Tenant, inv.ID, version)
		}
		if err != nil {
			return err
		}
		queued, err = s.queueChange(ctx, tx, invitations.ChangeUpdated, updated, updated.LastModified)
		return err
	})
	if err != nil {
		return invitations.Invitation{}, s.translate(err)
	}
	s.queued(queued)
	return updated, nil
}

// DeleteInvitation deletes the tenant's invitation with this id if its
// version is version, or any version when version is 0.
func (s *Store) DeleteInvitation(ctx context.Context, tenant, id string, version int64) error {
	queued := 0
	err := s.write(ctx, func(tx pgx.Tx) error {
		deleted := invitations.Invitation{ID: id, Tenant: tenant}
		err := tx.QueryRow(ctx, `
			DELETE FROM invitations WHERE tenant = $1 AND id = $2 AND ($3::bigint = 0 OR version = $3)
			RETURNING inviter, invitee`,
			tenant, id, version).Scan(&deleted.Inviter, &deleted.Invitee)
		if errors.Is(err, pgx.ErrNoRows) {
			return missingOrChanged(ctx, tx, tenant, id, version)
		}
		if err != nil {
			return err
		}
		queued, err = s.queueChange(ctx, tx, invitations.ChangeDeleted, deleted, s.now())
		return err
	})
	if err != nil {
		return s.translate(err)
	}
	s.queued(queued)
	return nil
}

// missingOrChanged explains why a write of the invitation at version
// touched no row: it is gone, or its version is another, or (an update) it
// is closed.
func missingOrChanged(ctx context.Context, tx pgx.Tx, tenant, id string, version int64) error {
	var (
		current int64
		state   invitations.State
	)
	err := tx.QueryRow(ctx, `SELECT version, state FROM invitations WHERE tenant = $1 AND id = $2`, tenant, id).Scan(&current, &state)
	if errors.Is(err, pgx.ErrNoRows) {
		return invitations.NotFoundError(id)
	}
	if err != nil {
		return err
	}
	if current == version && state != invitations.StatePending {
		return invitations.ClosedError(invitations.Invitation{ID: id, State: state})
	}
	return invitations.Errorf(invitations.ErrPreconditionFailed, "the invitation has changed; its ETag is now \"%d\"", current)
}

// scan reads one row of readColumns.
func scan(row pgx.Row) (invitations.Invitation, error) {
	var (
		inv                      invitations.Invitation
		hasMessage               bool
		template, text, tracking *string
		created, modified        int64
		closed                   *int64
	)
	err := row.Scan(&inv.ID, &inv.Tenant, &inv.Inviter, &inv.Invitee, &hasMessage, &template, &text, &tracking,
		&created, &modified, &inv.Version, &inv.State, &closed)
	if err != nil {
		return invitations.Invitation{}, err
	}
	if hasMessage {
		inv.Message = &invitations.Message{TemplateID: deref(template), Body: deref(text)}
	}
	inv.TrackingID = deref(tracking)
	inv.Created, inv.LastModified = time.UnixMilli(created), time.UnixMilli(modified)
	if closed != nil {
		inv.Closed = time.UnixMilli(*closed)
	}
	return inv, nil
}

func templateID(m *invitations.Message) *string {
	if m == nil {
		return nil
	}
	return nullable(m.TemplateID)
}

func body(m *invitations.Message) *string {
	if m == nil {
		return nil
	}
	return nullable(m.Body)
}

// nullable stores an absent ("") optional string as NULL.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
