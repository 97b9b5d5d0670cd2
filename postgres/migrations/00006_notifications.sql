-- +goose Up
-- The same tables as SQLite's 00006: change notifications (issue #16).
-- (00005 was set aside for a change that landed as 00007.) subscriptions are each caller's (tenant,
-- creator); party is whose invitations one is notified of (a delegated
-- creator's own, or '' for the tenant's); change_types is a set of bits
-- (1 created, 2 updated, 4 deleted); times are milliseconds since the
-- Unix epoch; removed is when the service removed it (NULL while it
-- lives). The delivery state: lease_owner holds it until lease_until;
-- after a failed attempt it is due again at due, attempts failed so far.
CREATE TABLE subscriptions (
    id               text     COLLATE "C" NOT NULL PRIMARY KEY,
    tenant           text     COLLATE "C" NOT NULL,
    creator          text     COLLATE "C" NOT NULL,
    party            text     COLLATE "C" NOT NULL,
    application_id   text,
    change_types     smallint NOT NULL CHECK (change_types BETWEEN 1 AND 7),
    notification_url text     NOT NULL,
    lifecycle_url    text,
    client_state     text,
    expires          bigint   NOT NULL,
    created          bigint   NOT NULL,
    removed          bigint,
    lease_owner      text     NOT NULL DEFAULT '',
    lease_until      bigint   NOT NULL DEFAULT 0,
    due              bigint   NOT NULL DEFAULT 0,
    attempts         integer  NOT NULL DEFAULT 0
);

-- Every write of an invitation looks up its tenant's live subscriptions.
CREATE INDEX subscriptions_tenant ON subscriptions (tenant) WHERE removed IS NULL;
-- A creator's subscriptions, oldest first.
CREATE INDEX subscriptions_creator ON subscriptions (tenant, creator, created, id);

-- The outbox: the notifications queued for each subscription, in seq
-- order (see postgres/outbox.go for what that order is). A change
-- notification has change_type and invitation_id; a lifecycle one has
-- lifecycle_event.
CREATE TABLE notifications (
    seq             bigint   GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id              text     NOT NULL,
    subscription_id text     COLLATE "C" NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    change_type     smallint NOT NULL DEFAULT 0,
    invitation_id   text,
    lifecycle_event text,
    queued          bigint   NOT NULL,
    CHECK ((change_type = 0) = (lifecycle_event IS NOT NULL))
);

CREATE INDEX notifications_subscription ON notifications (subscription_id, seq);

-- +goose Down
DROP TABLE notifications;
DROP TABLE subscriptions;
