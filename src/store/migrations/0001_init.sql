-- Merchants, their credentials, payments, refunds, aliases and idempotency records.
-- Amounts are integers in the currency's minor unit. The CHECK on payments is the last line of
-- defence for the money invariant; the service enforces it first inside the write transaction.
CREATE TABLE merchants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_ms INTEGER NOT NULL
);

CREATE TABLE credentials (
  dialect TEXT NOT NULL,
  lookup TEXT NOT NULL,
  merchant_id TEXT NOT NULL REFERENCES merchants(id),
  secret TEXT NOT NULL,
  PRIMARY KEY (dialect, lookup)
);

CREATE TABLE payments (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL REFERENCES merchants(id),
  dialect TEXT NOT NULL,
  currency TEXT NOT NULL,
  amount_minor INTEGER NOT NULL,
  captured_minor INTEGER NOT NULL,
  refunded_minor INTEGER NOT NULL,
  pending_minor INTEGER NOT NULL,
  status TEXT NOT NULL,
  capture_method TEXT NOT NULL,
  payment_method TEXT NOT NULL,
  description TEXT NOT NULL,
  metadata TEXT NOT NULL,
  cancellation_reason TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  canceled_ms INTEGER NOT NULL,
  attrs TEXT NOT NULL,
  CHECK (refunded_minor >= 0 AND pending_minor >= 0 AND captured_minor >= 0),
  CHECK (refunded_minor + pending_minor <= captured_minor),
  CHECK (captured_minor <= amount_minor)
) WITHOUT ROWID;

CREATE TABLE refunds (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  merchant_id TEXT NOT NULL,
  payment_id TEXT NOT NULL REFERENCES payments(id),
  dialect TEXT NOT NULL,
  currency TEXT NOT NULL,
  amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
  status TEXT NOT NULL,
  reason TEXT NOT NULL,
  metadata TEXT NOT NULL,
  failure_reason TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  attrs TEXT NOT NULL
);
CREATE INDEX refunds_by_merchant ON refunds (merchant_id, seq);
CREATE INDEX refunds_by_payment ON refunds (payment_id, seq);

CREATE TABLE aliases (
  merchant_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  alias TEXT NOT NULL,
  object_id TEXT NOT NULL,
  PRIMARY KEY (merchant_id, kind, alias)
) WITHOUT ROWID;

-- Rows are appended in rowid order (cheap inserts at the right edge of the table); the unique
-- index on the key is small, so the random keys clients choose split few pages.
CREATE TABLE idempotency (
  id INTEGER PRIMARY KEY,
  merchant_id TEXT NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  status INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  body BLOB NOT NULL,
  created_ms INTEGER NOT NULL
);
CREATE UNIQUE INDEX idempotency_by_key ON idempotency (merchant_id, key);
CREATE INDEX idempotency_by_age ON idempotency (created_ms);
