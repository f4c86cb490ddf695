-- An event's sequence becomes its position in the outbox (the rowid, in insertion order) instead of
-- a count per object: numbering per object needed a unique index on (merchant_id, object_id,
-- object_seq) and a MAX() lookup in it for every event, both at a random place in the index (the
-- charge of whichever payment was refunded), which cost about a sixth of the writer's time per
-- refund. The position still orders one object's events (they are written under its payment's
-- lock, by the one writer), but it is shared by all objects, so it is not consecutive per object.
-- SQLite cannot drop a constraint: the table is rebuilt, keeping every event's rowid, so each
-- existing event keeps its place (foreign keys are checked after migrating: sqlite_store.cc).
CREATE TABLE events_0007 (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  merchant_id TEXT NOT NULL,
  dialect TEXT NOT NULL,
  type TEXT NOT NULL,
  object_id TEXT NOT NULL,
  body TEXT NOT NULL,
  created_ms BIGINT NOT NULL
);
INSERT INTO events_0007 (seq, id, merchant_id, dialect, type, object_id, body, created_ms)
  SELECT rowid, id, merchant_id, dialect, type, object_id, body, created_ms FROM events
  ORDER BY rowid;
DROP TABLE events;
ALTER TABLE events_0007 RENAME TO events;
CREATE INDEX events_by_merchant ON events (merchant_id, dialect, seq);
