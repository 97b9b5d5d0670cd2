package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/graph-linkedin/invitations"
)

// columns are the columns a create sets; state and closed take their
// defaults (pending, NULL).
const columns = `id, tenant, inviter, invitee, has_message, template_id, body, tracking_id, created, last_modified, version`

// readColumns are an invitation's columns in the order scan reads them.
const readColumns = columns + `, state, closed`

// The writes' SQL.
const (
	insertInvitation = `INSERT INTO invitations (` + columns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	// lastModified moves forward even if the clock has not (or went back).
	// A closed invitation changes no more.
	updateInvitation = `
		UPDATE invitations
		SET has_message = ?, template_id = ?, body = ?, tracking_id = ?,
		    last_modified = max(?, last_modified + 1), version = version + 1
		WHERE tenant = ? AND id = ? AND version = ? AND state = 'pending'
		RETURNING ` + readColumns
	deleteInvitation = `DELETE FROM invitations WHERE tenant = ? AND id = ? AND (? = 0 OR version = ?)`
	// The deleted invitation's parties, for its notifications.
	deleteInvitationReturning = deleteInvitation + ` RETURNING inviter, invitee`
)

// writeQueries are prepared on the writer's connection at Open, while it
// is free (see txStmt).
var writeQueries = []string{insertInvitation, updateInvitation, deleteInvitation, deleteInvitationReturning, selectToClose, closeInvitation,
	queueChangeSQL,                                                                                              // outbox.go's
	insertInvitationOrNothing, recordOutcome, recordOutcomeByKey, selectLiveRecordByHash, selectLiveRecordByKey, // idempotency.go's
	"SAVEPOINT w", "ROLLBACK TO w", "RELEASE w"} // the batch's (see batch.go)

// CreateInvitation stores inv with a new id and the current time.
func (s *Store) CreateInvitation(ctx context.Context, inv invitations.Invitation) (invitations.Invitation, error) {
	inv = inv.Stamp(s.now())
	queued := 0
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		insert, err := s.txStmt(ctx, tx, insertInvitation)
		if err != nil {
			return err
		}
		_, err = insert.ExecContext(ctx,
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

// UpdateInvitation replaces inv's message and tracking id if its version is
// still version.
func (s *Store) UpdateInvitation(ctx context.Context, inv invitations.Invitation, version int64) (invitations.Invitation, error) {
	var updated invitations.Invitation
	queued := 0
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		update, err := s.txStmt(ctx, tx, updateInvitation)
		if err != nil {
			return err
		}
		row := update.QueryRowContext(ctx,
			inv.Message != nil, templateID(inv.Message), body(inv.Message), nullable(inv.TrackingID),
			s.now().UnixMilli(), inv.Tenant, inv.ID, version)
		updated, err = scan(row)
		if errors.Is(err, sql.ErrNoRows) {
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
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		del, err := s.txStmt(ctx, tx, deleteInvitationReturning)
		if err != nil {
			return err
		}
		deleted := invitations.Invitation{ID: id, Tenant: tenant}
		err = del.QueryRowContext(ctx, tenant, id, version, version).Scan(&deleted.Inviter, &deleted.Invitee)
		if errors.Is(err, sql.ErrNoRows) {
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
func missingOrChanged(ctx context.Context, tx *sql.Tx, tenant, id string, version int64) error {
	var (
		current int64
		state   string
	)
	err := tx.QueryRowContext(ctx, `SELECT version, state FROM invitations WHERE tenant = ? AND id = ?`, tenant, id).Scan(&current, &state)
	if errors.Is(err, sql.ErrNoRows) {
		return invitations.NotFoundError(id)
	}
	if err != nil {
		return err
	}
	if current == version && invitations.State(state) != invitations.StatePending {
		return invitations.ClosedError(invitations.Invitation{ID: id, State: invitations.State(state)})
	}
	return invitations.Errorf(invitations.ErrPreconditionFailed, "the invitation has changed; its ETag is now \"%d\"", current)
}

// scan reads one row of readColumns.
func scan(row interface{ Scan(...any) error }) (invitations.Invitation, error) {
	var (
		inv                      invitations.Invitation
		hasMessage               bool
		template, text, tracking sql.NullString
		created, modified        int64
		closed                   sql.NullInt64
	)
	err := row.Scan(&inv.ID, &inv.Tenant, &inv.Inviter, &inv.Invitee, &hasMessage, &template, &text, &tracking,
		&created, &modified, &inv.Version, &inv.State, &closed)
	if err != nil {
		return invitations.Invitation{}, err
	}
	if hasMessage {
		inv.Message = &invitations.Message{TemplateID: template.String, Body: text.String}
	}
	inv.TrackingID = tracking.String
	inv.Created, inv.LastModified = time.UnixMilli(created), time.UnixMilli(modified)
	if closed.Valid {
		inv.Closed = time.UnixMilli(closed.Int64)
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
