-- Named parts of a payment (tax buckets, e-wallet splits) and how each refund falls on them.
-- Encoded as text by store/codec.h; empty when the payment has no parts.
ALTER TABLE payments ADD COLUMN parts TEXT NOT NULL DEFAULT '';
ALTER TABLE refunds ADD COLUMN parts TEXT NOT NULL DEFAULT '';
