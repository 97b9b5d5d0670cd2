-- +goose Up
-- The same table as SQLite's 00003: Idempotency-Keys record the domain
-- outcome of their request, created in the same transaction as the
-- invitation (issue #13), instead of a claim with a lease followed by an
-- HTTP response: per caller (tenant and subject) and key, the operation
-- (openapi.yaml's operationId), the request's fingerprint and the outcome
-- (the form invitations.Outcome stores: {"invitation": {...}} or
-- {"refusal": {...}}), kept until expires (24 hours; then purged). There is
-- no row for a request still running: it commits its row with its
-- invitation, or nothing (and holds an advisory lock on the key meanwhile).
-- Times are milliseconds since the Unix epoch; keys compare byte-wise ("C").
CREATE TABLE idempotency_records (
    tenant          text    COLLATE "C" NOT NULL,
    subject         text    COLLATE "C" NOT NULL,
    idempotency_key text    COLLATE "C" NOT NULL,
    operation       text    NOT NULL,
    fingerprint     text    NOT NULL,
    outcome         jsonb   NOT NULL,
    expires         bigint  NOT NULL,
    PRIMARY KEY (tenant, subject, idempotency_key)
);

-- The purge finds expired keys by this.
CREATE INDEX idempotency_records_expires ON idempotency_records (expires);

-- The recorded responses become outcomes, so that retries of them still
-- replay: a 201's body is the invitation as created (its ETag the version),
-- a 409's the pair's conflict. Keys whose request was still running (no
-- response yet) are left out: nothing was created under them.
INSERT INTO idempotency_records (tenant, subject, idempotency_key, operation, fingerprint, outcome, expires)
SELECT tenant, subject, idempotency_key, 'createInvitation', fingerprint,
    CASE status
    WHEN 201 THEN jsonb_build_object('invitation', jsonb_strip_nulls(jsonb_build_object(
        'id', b->'id',
        'tenant', to_jsonb(tenant),
        'inviter', b->'inviter',
        'invitee', b->'invitee',
        'message', CASE WHEN jsonb_typeof(b->'message') = 'object' THEN jsonb_build_object(
            'templateId', b->'message'->'invitationTemplateID',
            'body', b->'message'->'invitationMessage'->'body') END,
        'trackingId', b->'trackingId',
        'created', b->'created',
        'lastModified', b->'lastModified',
        'version', to_jsonb(trim(both '"' from etag)::bigint))))
    ELSE jsonb_build_object('refusal', jsonb_build_object(
        'kind', 'conflict',
        'message', b->'error'->'message'))
    END,
    expires
FROM (SELECT *, convert_from(body, 'UTF8')::jsonb AS b FROM idempotency_keys WHERE status IN (201, 409)) AS old;

-- idempotency_keys stays, unused by this version: in a rolling upgrade the
-- instances still on the previous version keep claiming keys in it (and
-- purging it) until they stop. A later migration drops it.

-- +goose Down
DROP TABLE idempotency_records;
