-- Expired idempotency records are purged in the order they were stored (id, the rowid: the single
-- writer assigns it as it commits, and created_ms comes from the same writer's clock), a bounded
-- chunk per write job, stopping at the first record that has not expired yet. So the index on
-- created_ms, which every refund's record paid for, is no longer needed.
DROP INDEX idempotency_by_age;
