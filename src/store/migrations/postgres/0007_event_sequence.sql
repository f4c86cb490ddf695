-- An event's sequence becomes its position in the outbox (seq, an identity column assigned when the
-- row is inserted) instead of a count per object: numbering per object needed a unique index on
-- (merchant_id, object_id, object_seq) and a MAX() lookup in it for events about objects the batch
-- did not create. seq still orders one object's events: they are inserted under the lock of the
-- object's payment, so a later one is inserted after the earlier one committed. It is shared by
-- all objects (and merchants), so it is not consecutive per object. Dropping the column drops the
-- unique constraint on it.
ALTER TABLE events DROP COLUMN object_seq;
