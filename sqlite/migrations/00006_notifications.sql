-- +goose Up
-- Change notifications (issue #16). (00005 was set aside for a change that landed as 00007.)
--
-- subscriptions: each caller's (tenant, creator) subscriptions. party is
-- whose invitations it is notified of: a delegated creator's own (as
-- inviter or invitee), or '' for every invitation of the tenant.
-- change_types is a set of bits (1 created, 2 updated, 4 deleted). Times
-- are milliseconds since the Unix epoch. removed is when the service
-- removed it (NULL while it lives): then only its lifecycle notifications
-- are left to deliver. The delivery state: lease_owner holds it until
-- lease_until; after a failed attempt it is due again at due, attempts
-- failed so far.
CREATE TABLE subscriptions (
    id              TEXT    NOT NULL PRIMARY KEY,
    tenant          TEXT    NOT NULL,
    creator         TEXT    NOT NULL,
    party           TEXT    NOT NULL,
    application_id  TEXT,
    change_types    INTEGER NOT NULL CHECK (change_types BETWEEN 1 AND 7),
    notification_url TEXT   NOT NULL,
    lifecycle_url   TEXT,
    client_state    TEXT,
    expires         INTEGER NOT NULL,
    created         INTEGER NOT NULL,
    removed         INTEGER,
    lease_owner     TEXT    NOT NULL DEFAULT '',
    lease_until     INTEGER NOT NULL DEFAULT 0,
    due             INTEGER NOT NULL DEFAULT 0,
    attempts        INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Every write of an invitation looks up its tenant's live subscriptions.
CREATE INDEX subscriptions_tenant ON subscriptions (tenant) WHERE removed IS NULL;
-- A creator's subscriptions, oldest first.
CREATE INDEX subscriptions_creator ON subscriptions (tenant, creator, created, id);

-- The outbox: the notifications queued for each subscription, in seq
-- order, which is commit order (the writer is the only one). A change
-- notification has change_type and invitation_id; a lifecycle one has
-- lifecycle_event.
CREATE TABLE notifications (
    seq             INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    id              TEXT    NOT NULL,
    subscription_id TEXT    NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    change_type     INTEGER NOT NULL DEFAULT 0,
    invitation_id   TEXT,
    lifecycle_event TEXT,
    queued          INTEGER NOT NULL,
    CHECK ((change_type = 0) = (lifecycle_event IS NOT NULL))
) STRICT;

CREATE INDEX notifications_subscription ON notifications (subscription_id, seq);

-- +goose Down
DROP TABLE notifications;
DROP TABLE subscriptions;
