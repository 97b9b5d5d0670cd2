-- +goose Up
-- The idempotency records of time-ordered keys in the order of their keys
-- (issue #13). Under 00007 every record's index entry went to a random
-- leaf of the index on the key's hash: with random keys no index can do
-- better, but a key that is a UUIDv7 (RFC 9562), which the Go client sends
-- since, carries the time it was made in its first bits. The index is now
-- on (key_order, key_hash): key_order is the first 60 bits of such a key
-- (its time in milliseconds, and 12 bits more) and 0 for any other key
-- (see keyOrder in idempotency.go), so that the records of UUIDv7 keys
-- enter the index at its end, as they enter the table, and the records of
-- other keys where they did. A key is still told apart by both values and
-- its whole self (each record keeps it), and a key whose place another
-- live key holds is still recorded by key.
--
-- Records of keys whose key_order is not 0, made before this migration
-- under (0, hash), move to the records by key, from which they replay
-- until they expire. The pattern is keyOrder's: a lowercase UUIDv7.
INSERT INTO idempotency_records_by_key (tenant, subject, idempotency_key, operation, fingerprint, outcome, expires)
SELECT tenant, subject, idempotency_key, operation, fingerprint, outcome, expires FROM idempotency_records
WHERE idempotency_key GLOB '[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-7[0-9a-f][0-9a-f][0-9a-f]-[89ab][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'
ON CONFLICT (tenant, subject, idempotency_key) DO UPDATE SET
    operation = excluded.operation, fingerprint = excluded.fingerprint,
    outcome = excluded.outcome, expires = excluded.expires
WHERE excluded.expires > idempotency_records_by_key.expires;
DELETE FROM idempotency_records WHERE idempotency_key GLOB '[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-7[0-9a-f][0-9a-f][0-9a-f]-[89ab][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]';

ALTER TABLE idempotency_records ADD COLUMN key_order INTEGER NOT NULL DEFAULT 0;
DROP INDEX idempotency_records_key_hash;
CREATE UNIQUE INDEX idempotency_records_key ON idempotency_records (key_order, key_hash);

-- +goose Down
-- The records of ordered keys go to the records by key, where 00007 keeps
-- any key whose hash another holds.
INSERT INTO idempotency_records_by_key (tenant, subject, idempotency_key, operation, fingerprint, outcome, expires)
SELECT tenant, subject, idempotency_key, operation, fingerprint, outcome, expires FROM idempotency_records
WHERE key_order != 0
ON CONFLICT (tenant, subject, idempotency_key) DO UPDATE SET
    operation = excluded.operation, fingerprint = excluded.fingerprint,
    outcome = excluded.outcome, expires = excluded.expires
WHERE excluded.expires > idempotency_records_by_key.expires;
DELETE FROM idempotency_records WHERE key_order != 0;
DROP INDEX idempotency_records_key;
ALTER TABLE idempotency_records DROP COLUMN key_order;
CREATE UNIQUE INDEX idempotency_records_key_hash ON idempotency_records (key_hash);
