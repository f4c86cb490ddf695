-- pgbench's side of bench/pg_bench.sh: one refund per transaction, the SQL a typical
-- one-transaction-per-request service runs against refundd's own schema: lock the payment, insert
-- the refund, update the payment, insert the idempotency record (with a response body of the size
-- refundd stores), commit. Variables: :merchant (-D), :payments (-D), :client_id (pgbench).
\set n random(1, :payments)
BEGIN;
SELECT captured_minor, refunded_minor, pending_minor FROM payments
  WHERE merchant_id = :merchant AND id = 'pgb_' || :n FOR UPDATE;
INSERT INTO refunds (id, merchant_id, payment_id, dialect, currency, amount_minor, status, reason,
  metadata, failure_reason, created_ms, updated_ms, attrs, parts)
  VALUES ('pgr_' || md5(random()::text), :merchant, 'pgb_' || :n, 'native', 'USD', 1,
  'succeeded', '', '{}', '', 1, 1, '', '');
UPDATE payments SET refunded_minor = refunded_minor + 1, updated_ms = 2
  WHERE merchant_id = :merchant AND id = 'pgb_' || :n;
INSERT INTO idempotency (merchant_id, key, fingerprint, status, content_type, body, created_ms)
  VALUES (:merchant, md5(random()::text), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  200, 'application/json', convert_to(repeat('x', 400), 'UTF8'), 1);
COMMIT;
