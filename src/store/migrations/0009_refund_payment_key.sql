-- PostgreSQL's 0009 drops the foreign key refunds -> payments (its store keeps the rule in code:
-- see postgres/0009_refund_payment_key.sql). SQLite keeps the key, so nothing changes here; the
-- version exists so that both backends keep the same numbered migrations.
SELECT 1;
