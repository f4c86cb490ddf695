-- The refund lifecycle (store/outbox.h): when the lifecycle worker next asks the processor about a
-- refund, webhook endpoints, the transactional outbox (events written in the same transaction as
-- the change they report, one delivery per event and target) and the log of delivery attempts.
-- Portable SQL: times are unix milliseconds in BIGINT (PostgreSQL's INTEGER is 32 bits), ids are
-- text, lists are JSON text. PostgreSQL has no rowid: seq keeps the insertion order that lists of
-- events and deliveries follow (SQLite uses its rowid).
CREATE TABLE refund_actions (
  refund_id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL,
  phase TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_action_ms BIGINT NOT NULL
);
CREATE INDEX refund_actions_due ON refund_actions (next_action_ms);

CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL REFERENCES merchants(id),
  dialect TEXT NOT NULL,
  url TEXT NOT NULL,
  description TEXT NOT NULL,
  enabled_events TEXT NOT NULL,
  secrets TEXT NOT NULL,
  created_ms BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_by_merchant ON webhook_endpoints (merchant_id, dialect, created_ms);

CREATE TABLE events (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL,
  dialect TEXT NOT NULL,
  type TEXT NOT NULL,
  object_id TEXT NOT NULL,
  object_seq BIGINT NOT NULL,
  body TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  seq BIGINT GENERATED ALWAYS AS IDENTITY,
  UNIQUE (merchant_id, object_id, object_seq)
);
CREATE INDEX events_by_merchant ON events (merchant_id, dialect, seq);

CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  event_id TEXT NOT NULL REFERENCES events(id),
  merchant_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  url TEXT NOT NULL,
  headers TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_ms BIGINT NOT NULL,
  window_start_ms BIGINT NOT NULL,
  last_attempt_ms BIGINT NOT NULL,
  last_http_status INTEGER NOT NULL,
  last_error TEXT NOT NULL,
  seq BIGINT GENERATED ALWAYS AS IDENTITY,
  CHECK (status IN ('pending', 'delivered', 'dead'))
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_ms);
CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries (event_id);

CREATE TABLE webhook_attempts (
  delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id),
  attempt INTEGER NOT NULL,
  started_ms BIGINT NOT NULL,
  duration_ms BIGINT NOT NULL,
  http_status INTEGER NOT NULL,
  error TEXT NOT NULL,
  PRIMARY KEY (delivery_id, attempt)
);
