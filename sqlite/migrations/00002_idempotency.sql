-- +goose Up
-- The responses to creates with an Idempotency-Key (issue #8), per caller
-- (tenant and subject) and key, kept until expires (24 hours; then purged).
-- While the key's first request runs, status is NULL, and token and
-- lease_until say which request holds the key and until when; once it has
-- answered, status, location, etag and body are its response, and the
-- token is gone. Times are milliseconds since the Unix epoch.
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

-- The purge finds expired keys by this.
CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires);

-- +goose Down
DROP TABLE idempotency_keys;
