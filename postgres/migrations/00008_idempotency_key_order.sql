-- +goose Up
-- SQLite's 00008 indexes its records of UUIDv7 keys in the keys' order
-- (its 00007 had put every record under a hash). PostgreSQL's records keep
-- their primary key on (tenant, subject, idempotency_key), which already
-- orders a caller's UUIDv7 keys by their time. This keeps the two engines'
-- migrations numbered the same.
SELECT 1;

-- +goose Down
SELECT 1;
