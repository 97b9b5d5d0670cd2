-- +goose Up
-- An invitation's life cycle (issue #14): pending when created, then
-- accepted or ignored by its invitee, at closed (milliseconds since the Unix
-- epoch; NULL while pending). Every existing row is pending. SQLite checks
-- a new column's CHECK against the rows already there.
ALTER TABLE invitations ADD COLUMN state TEXT NOT NULL DEFAULT 'pending'
    CHECK (state IN ('pending', 'accepted', 'ignored'));
ALTER TABLE invitations ADD COLUMN closed INTEGER
    CHECK ((closed IS NULL) = (state = 'pending'));

-- One pending invitation per inviter and invitee in a tenant (the 409):
-- once closed, the inviter may invite the same invitee again. The new
-- index is built before the old one goes, in the migration's transaction.
CREATE UNIQUE INDEX invitations_pending_pair ON invitations (tenant, inviter, invitee) WHERE state = 'pending';
DROP INDEX invitations_pair;

-- +goose Down
CREATE UNIQUE INDEX invitations_pair ON invitations (tenant, inviter, invitee);
DROP INDEX invitations_pending_pair;
ALTER TABLE invitations DROP COLUMN closed;
ALTER TABLE invitations DROP COLUMN state;
