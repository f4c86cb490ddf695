-- PostgreSQL's schema, the same tables and columns as SQLite's 0001_init. Amounts are BIGINT in
-- the currency's minor unit; the CHECKs on payments are the last line of defence for the money
-- invariant. Every table a merchant owns carries merchant_id and its keys lead with it, so the
-- schema can be distributed by merchant (docs/scaling.md); merchants and credentials are small,
-- global lookup tables.
CREATE TABLE merchants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_ms BIGINT NOT NULL
);

CREATE TABLE credentials (
  dialect TEXT NOT NULL,
  lookup TEXT NOT NULL,
  merchant_id TEXT NOT NULL REFERENCES merchants(id),
  secret TEXT NOT NULL,
  PRIMARY KEY (dialect, lookup)
);

CREATE TABLE payments (
  merchant_id TEXT NOT NULL REFERENCES merchants(id),
  id TEXT NOT NULL,
  dialect TEXT NOT NULL,
  currency TEXT NOT NULL,
  amount_minor BIGINT NOT NULL,
  captured_minor BIGINT NOT NULL,
  refunded_minor BIGINT NOT NULL,
  pending_minor BIGINT NOT NULL,
  status TEXT NOT NULL,
  capture_method TEXT NOT NULL,
  payment_method TEXT NOT NULL,
  description TEXT NOT NULL,
  metadata TEXT NOT NULL,
  cancellation_reason TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL,
  canceled_ms BIGINT NOT NULL,
  attrs TEXT NOT NULL,
  PRIMARY KEY (merchant_id, id),
  CHECK (refunded_minor >= 0 AND pending_minor >= 0 AND captured_minor >= 0),
  CHECK (refunded_minor + pending_minor <= captured_minor),
  CHECK (captured_minor <= amount_minor)
);

-- seq orders a merchant's refunds (newest first in lists) and serves as the paging cursor.
CREATE TABLE refunds (
  merchant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  seq BIGINT GENERATED ALWAYS AS IDENTITY,
  payment_id TEXT NOT NULL,
  dialect TEXT NOT NULL,
  currency TEXT NOT NULL,
  amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
  status TEXT NOT NULL,
  reason TEXT NOT NULL,
  metadata TEXT NOT NULL,
  failure_reason TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL,
  attrs TEXT NOT NULL,
  PRIMARY KEY (merchant_id, id),
  FOREIGN KEY (merchant_id, payment_id) REFERENCES payments (merchant_id, id)
);
CREATE INDEX refunds_by_merchant ON refunds (merchant_id, seq);
CREATE INDEX refunds_by_payment ON refunds (merchant_id, payment_id, seq);

CREATE TABLE aliases (
  merchant_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  alias TEXT NOT NULL,
  object_id TEXT NOT NULL,
  PRIMARY KEY (merchant_id, kind, alias)
);

-- The primary key is what serializes one key used at several nodes at once: the second insert
-- of (merchant_id, key) waits for the first transaction and then sees its row.
CREATE TABLE idempotency (
  merchant_id TEXT NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  status INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  body BYTEA NOT NULL,
  created_ms BIGINT NOT NULL,
  PRIMARY KEY (merchant_id, key)
);
CREATE INDEX idempotency_by_age ON idempotency (created_ms);
