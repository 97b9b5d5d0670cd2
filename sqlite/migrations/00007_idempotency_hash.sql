-- +goose Up
-- The idempotency records in the order they are written (issue #13): a
-- keyed create costed 1.8 more WAL pages than an unkeyed one, most of them
-- the composite text primary key's and the expires index's, each taking a
-- random page per record. Records now go to a table whose rowid grows
-- with every record (its pages are written in order), with one narrow
-- unique index, on a 64-bit hash of the caller's tenant, subject and key
-- (the first 8 bytes of their SHA-256, computed by the store); each record
-- keeps the key in full, and the store compares it. The purge deletes by
-- rowid order, oldest first: no index on expires.
--
-- A key whose hash a live record of another key holds (about once in
-- seven years at a thousand keyed requests a second) is recorded in full
-- in the previous table, renamed, which keeps its primary key on the whole
-- key and its expires index; so do the records made before this migration,
-- which replay from there until they expire. A key is live in one of the
-- two tables at most: the store records in idempotency_records only a key
-- with no live record in idempotency_records_by_key.
ALTER TABLE idempotency_records RENAME TO idempotency_records_by_key;

CREATE TABLE idempotency_records (
    id              INTEGER PRIMARY KEY,
    key_hash        INTEGER NOT NULL,
    tenant          TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL,
    operation       TEXT    NOT NULL,
    fingerprint     TEXT    NOT NULL,
    outcome         TEXT    NOT NULL,
    expires         INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX idempotency_records_key_hash ON idempotency_records (key_hash);

-- +goose Down
-- The live records go back to the one table; a key in both (impossible
-- while live) keeps the newer record.
INSERT INTO idempotency_records_by_key (tenant, subject, idempotency_key, operation, fingerprint, outcome, expires)
SELECT tenant, subject, idempotency_key, operation, fingerprint, outcome, expires FROM idempotency_records WHERE true
ON CONFLICT (tenant, subject, idempotency_key) DO UPDATE SET
    operation = excluded.operation, fingerprint = excluded.fingerprint,
    outcome = excluded.outcome, expires = excluded.expires
WHERE excluded.expires > idempotency_records_by_key.expires;
DROP TABLE idempotency_records;
ALTER TABLE idempotency_records_by_key RENAME TO idempotency_records;
