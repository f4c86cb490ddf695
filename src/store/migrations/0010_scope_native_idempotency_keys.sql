-- Idempotency records are keyed by (merchant, dialect, key): every dialect's stored key is now
-- "<dialect>:<key>" (src/service/engine.cc, ScopedIdempotencyKey). Earlier versions stored the
-- native dialect's keys raw and the other dialects' with their prefix; rename the native ones so
-- that a retry sent across the upgrade still finds its first answer. A raw native key that itself
-- began with another dialect's prefix (the collision this change ends) cannot be told apart from
-- that dialect's record and keeps its name.
UPDATE idempotency SET key = 'native:' || key
WHERE key NOT LIKE 'native:%' AND key NOT LIKE 'd24:%' AND key NOT LIKE 'rapyd:%'
  AND key NOT LIKE 'utgl:%' AND key NOT LIKE 'kushki\_online:%' ESCAPE '\'
  AND key NOT LIKE 'kushki\_pos:%' ESCAPE '\' AND key NOT LIKE 'kushki\_pos\_reverse:%' ESCAPE '\';
