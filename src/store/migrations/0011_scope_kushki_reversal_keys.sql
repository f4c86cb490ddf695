-- Card-present reversals name their original by the original's client_transaction_id, so their
-- idempotency keys have a space of their own: earlier versions stored "kushki_pos_reverse:<id>";
-- with keys scoped by the engine ("<dialect>:<key>") they are "kushki_pos:reverse:<id>"
-- (src/dialects/kushki_pos/commands.cc, KeyFor). Rename them so that a reversal retried across
-- the upgrade still finds its first answer. A record that already has the new name (another
-- operation whose client_transaction_id was "reverse:<id>") keeps it, and the old one its own.
UPDATE idempotency SET key = 'kushki_pos:reverse:' || substr(key, 20)
WHERE key LIKE 'kushki\_pos\_reverse:%' ESCAPE '\'
  AND NOT EXISTS (SELECT 1 FROM idempotency AS o WHERE o.merchant_id = idempotency.merchant_id
                  AND o.key = 'kushki_pos:reverse:' || substr(idempotency.key, 20));
