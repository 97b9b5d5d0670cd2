-- +goose Up
-- Idempotency-Keys record the domain outcome of their request, created in
-- the same transaction as the invitation (issue #13), instead of a claim
-- with a lease followed by an HTTP response: per caller (tenant and
-- subject) and key, the operation (openapi.yaml's operationId), the
-- request's fingerprint and the outcome as JSON (the form
-- invitations.Outcome stores: {"invitation": {...}} or {"refusal": {...}}),
-- kept until expires (24 hours; then purged). There is no row for a request
-- still running: it commits its row with its invitation, or nothing.
-- Times are milliseconds since the Unix epoch.
CREATE TABLE idempotency_records (
    tenant          TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL,
    operation       TEXT    NOT NULL,
    fingerprint     TEXT    NOT NULL,
    outcome         TEXT    NOT NULL,
    expires         INTEGER NOT NULL,
    PRIMARY KEY (tenant, subject, idempotency_key)
) STRICT;

-- The purge finds expired keys by this.
CREATE INDEX idempotency_records_expires ON idempotency_records (expires);

-- The recorded responses become outcomes, so that retries of them still
-- replay: a 201's body is the invitation as created (its ETag the version),
-- a 409's the pair's conflict. Keys whose request was still running (no
-- response yet) are dropped: nothing was created under them. The bodies
-- are BLOBs, which the JSON functions would read as JSONB: cast them.
INSERT INTO idempotency_records (tenant, subject, idempotency_key, operation, fingerprint, outcome, expires)
SELECT tenant, subject, idempotency_key, 'createInvitation', fingerprint,
    CASE status
    WHEN 201 THEN json_object('invitation', json_object(
        'id', json_extract(b, '$.id'),
        'tenant', tenant,
        'inviter', json_extract(b, '$.inviter'),
        'invitee', json_extract(b, '$.invitee'),
        'message', json(CASE WHEN json_type(b, '$.message') = 'object' THEN json_object(
            'templateId', json_extract(b, '$.message.invitationTemplateID'),
            'body', json_extract(b, '$.message.invitationMessage.body')) END),
        'trackingId', json_extract(b, '$.trackingId'),
        'created', json_extract(b, '$.created'),
        'lastModified', json_extract(b, '$.lastModified'),
        'version', CAST(trim(etag, '"') AS INTEGER)))
    ELSE json_object('refusal', json_object(
        'kind', 'conflict',
        'message', json_extract(b, '$.error.message')))
    END,
    expires
FROM (SELECT *, CAST(body AS TEXT) AS b FROM idempotency_keys WHERE status IN (201, 409));

-- One instance uses a SQLite file: no instance of the previous version is
-- left to use the claims' table.
DROP TABLE idempotency_keys;

-- +goose Down
DROP TABLE idempotency_records;
CREATE TABLE idempotency_keys (
    tenant          TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL,
    fingerprint     TEXT    NOT NULL,
    token           TEXT,
    lease_until     INTEGER,
    expires         INTEGER NOT NULL,
    status          INTEGER,
    location        TEXT,
    etag            TEXT,
    body            BLOB,
    PRIMARY KEY (tenant, subject, idempotency_key),
    CHECK ((status IS NULL) = (token IS NOT NULL))
) STRICT;
CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires);
