-- +goose Up
-- The same table as SQLite's 00001: times are milliseconds since the Unix
-- epoch, as on the wire, and a row's version counts its writes and makes its
-- ETag. Text that is compared or sorted uses the "C" collation, so order and
-- equality are byte-wise, as in SQLite and in Go, whatever the database's
-- locale.
CREATE TABLE invitations (
    id            text    COLLATE "C" NOT NULL PRIMARY KEY,
    tenant        text    COLLATE "C" NOT NULL,
    inviter       text    COLLATE "C" NOT NULL,
    invitee       text    COLLATE "C" NOT NULL,
    has_message   boolean NOT NULL DEFAULT false,
    template_id   text,
    body          text,
    tracking_id   text    COLLATE "C",
    created       bigint  NOT NULL,
    last_modified bigint  NOT NULL,
    version       bigint  NOT NULL DEFAULT 1
);

-- One pending invitation per inviter and invitee in a tenant (the 409).
CREATE UNIQUE INDEX invitations_pair ON invitations (tenant, inviter, invitee);
-- Keyset paging in either order, and a delegated caller's invitations.
CREATE INDEX invitations_created ON invitations (tenant, created, id);
CREATE INDEX invitations_last_modified ON invitations (tenant, last_modified, id);
CREATE INDEX invitations_invitee ON invitations (tenant, invitee);

-- +goose Down
DROP TABLE invitations;
