-- The foreign key refunds (merchant_id, payment_id) -> payments goes: its trigger looked up the
-- payment for every refund row inserted, about 6% of the server's time per refund under load, for
-- a row the same transaction already holds locked. The store keeps the rule itself
-- (PgWriteTx::InsertRefund inserts a refund only for a payment its transaction has locked or
-- inserted, and no payment is ever deleted), `refundd verify` reports a refund without its
-- payment, and SQLite keeps the key (there it costs one index probe in-process).
DO $$
DECLARE
  name TEXT;
BEGIN
  SELECT conname INTO name FROM pg_constraint
    WHERE conrelid = 'refunds'::regclass AND contype = 'f'
      AND confrelid = 'payments'::regclass;
  IF name IS NOT NULL THEN
    EXECUTE format('ALTER TABLE refunds DROP CONSTRAINT %I', name);
  END IF;
END $$;
