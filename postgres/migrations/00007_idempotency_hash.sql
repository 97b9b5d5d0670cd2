-- +goose Up
-- SQLite's 00007 moved its idempotency records to a table written in
-- order under a hash of the key (measured and made for SQLite's pages);
-- PostgreSQL's keep their layout. This keeps the two engines' migrations
-- numbered the same.
SELECT 1;

-- +goose Down
SELECT 1;
