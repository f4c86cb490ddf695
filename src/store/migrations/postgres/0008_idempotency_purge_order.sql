-- On PostgreSQL the records keep idempotency_by_age: several nodes insert them, so no column
-- orders them by age, and the purge deletes bounded chunks through that index instead
-- (pg_store.cc). The version exists so that both backends keep the same numbered migrations.
SELECT 1;
