-- pgbench's side of bench/pg_bench.sh: one refund per transaction, the rows refundd writes for a
-- refund against its own schema, the way a typical one-transaction-per-request service would: lock
-- the payment, insert the refund and the two events it causes (refund.created, charge.refunded;
-- the transactional outbox), update the payment, insert the idempotency record, commit. Sizes are
-- refundd's (pg_bench.sh WAL_STATS=1 prints them): event bodies of ~570 bytes, a response body of
-- ~350. Ids are shaped like refundd's (a time prefix, then random characters), so the indexes see
-- the same mostly-increasing keys. The refund and its events are one statement (a CTE), one
-- round trip fewer than a service writing them separately would spend.
-- Variables: :merchant (-D), :payments (-D), :client_id (pgbench).
\set n random(1, :payments)
BEGIN;
SELECT captured_minor, refunded_minor, pending_minor FROM payments
  WHERE merchant_id = :merchant AND id = 'pgb_' || :n FOR UPDATE;
WITH r AS (
  INSERT INTO refunds (id, merchant_id, payment_id, dialect, currency, amount_minor, status, reason,
    metadata, failure_reason, created_ms, updated_ms, attrs, parts)
  VALUES ('pgr_' || to_char(clock_timestamp(), 'YYYYMMDDHH24MISSUS') || substr(md5(random()::text), 1, 8),
    :merchant, 'pgb_' || :n, 'native', 'USD', 1, 'succeeded', '', '{}', '', 1, 1, '', '')
  RETURNING id)
INSERT INTO events (id, merchant_id, dialect, type, object_id, body, created_ms)
  SELECT 'evt_' || to_char(clock_timestamp(), 'YYYYMMDDHH24MISSUS') || substr(md5(random()::text), 1, 8),
    :merchant, 'native', e.type, CASE WHEN e.type = 'refund.created' THEN r.id ELSE 'ch_' || :n END,
    repeat('x', 566), 1
  FROM r, (VALUES ('refund.created'), ('charge.refunded')) AS e(type);
UPDATE payments SET refunded_minor = refunded_minor + 1, updated_ms = 2
  WHERE merchant_id = :merchant AND id = 'pgb_' || :n;
INSERT INTO idempotency (merchant_id, key, fingerprint, status, content_type, body, created_ms)
  VALUES (:merchant, 'pgk_' || to_char(clock_timestamp(), 'YYYYMMDDHH24MISSUS') || substr(md5(random()::text), 1, 8),
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  200, 'application/json', convert_to(repeat('x', 344), 'UTF8'), 1);
COMMIT;
