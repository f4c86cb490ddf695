-- Per-merchant settings, by name ("kushki.unreferenced_refunds", "webhooks.native.url", ...).
-- Values are text; each dialect documents the settings it reads.
CREATE TABLE merchant_settings (
  merchant_id TEXT NOT NULL REFERENCES merchants(id),
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (merchant_id, name)
);
