-- +goose Up
-- The same change as SQLite's 00004: an invitation's life cycle (issue
-- #14), pending when created, then accepted or ignored by its invitee, at
-- closed (milliseconds since the Unix epoch; NULL while pending). Every
-- existing row is pending: a constant default fills the new column without
-- rewriting the table.
ALTER TABLE invitations
    ADD COLUMN state text COLLATE "C" NOT NULL DEFAULT 'pending'
        CONSTRAINT invitations_state CHECK (state IN ('pending', 'accepted', 'ignored')),
    ADD COLUMN closed bigint,
    ADD CONSTRAINT invitations_closed CHECK ((closed IS NULL) = (state = 'pending'));

-- One pending invitation per inviter and invitee in a tenant (the 409):
-- once closed, the inviter may invite the same invitee again. The new
-- index is built before the old one goes, in the migration's transaction,
-- so no moment allows a second pending invitation of a pair.
CREATE UNIQUE INDEX invitations_pending_pair ON invitations (tenant, inviter, invitee) WHERE state = 'pending';
DROP INDEX invitations_pair;

-- +goose Down
-- Refused while two invitations of a pair exist (a closed one and a new
-- one): delete one first.
CREATE UNIQUE INDEX invitations_pair ON invitations (tenant, inviter, invitee);
DROP INDEX invitations_pending_pair;
ALTER TABLE invitations DROP COLUMN closed, DROP COLUMN state;
