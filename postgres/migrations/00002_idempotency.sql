-- +goose Up
-- The same table as SQLite's 00002: the responses to creates with an
-- Idempotency-Key (issue #8), per caller (tenant and subject) and key, kept
-- until expires (24 hours; then purged). While the key's first request
-- runs, status is NULL, and token and lease_until say which request holds
-- the key and until when; once it has answered, status, location, etag and
-- body are its response, and the token is gone. Times are milliseconds
-- since the Unix epoch; keys compare byte-wise ("C").
CREATE TABLE idempotency_keys (
    tenant          text    COLLATE "C" NOT NULL,
    subject         text    COLLATE "C" NOT NULL,
    idempotency_key text    COLLATE "C" NOT NULL,
    fingerprint     text    NOT NULL,
    token           text,
    lease_until     bigint,
    expires         bigint  NOT NULL,
    status          integer,
    location        text,
    etag            text,
    body            bytea,
    PRIMARY KEY (tenant, subject, idempotency_key),
    CHECK ((status IS NULL) = (token IS NOT NULL))
);

-- The purge finds expired keys by this.
CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires);

-- +goose Down
DROP TABLE idempotency_keys;
