-- +goose Up
-- Times are milliseconds since the Unix epoch, as on the wire. A row's
-- version counts its writes and makes its ETag.
CREATE TABLE invitations (
    id            TEXT    NOT NULL PRIMARY KEY,
    tenant        TEXT    NOT NULL,
    inviter       TEXT    NOT NULL,
    invitee       TEXT    NOT NULL,
    has_message   INTEGER NOT NULL DEFAULT 0,
    template_id   TEXT,
    body          TEXT,
    tracking_id   TEXT,
    created       INTEGER NOT NULL,
    last_modified INTEGER NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
) STRICT;

-- One pending invitation per inviter and invitee in a tenant (the 409).
CREATE UNIQUE INDEX invitations_pair ON invitations (tenant, inviter, invitee);
-- Keyset paging in either order, and a delegated caller's invitations.
CREATE INDEX invitations_created ON invitations (tenant, created, id);
CREATE INDEX invitations_last_modified ON invitations (tenant, last_modified, id);
CREATE INDEX invitations_invitee ON invitations (tenant, invitee);

-- +goose Down
DROP TABLE invitations;
