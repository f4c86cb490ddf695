#include "store/postgres/pg_store.h"

#include <chrono>
#include <random>

#include "base/thread_name.h"
#include "store/migrations.h"
#include "store/postgres/pg_queries.h"
#include "store/postgres/pg_tx.h"

namespace refundd::store::postgres {

namespace {
void SetUpWriterSession(Conn& conn) {
  // A writer never waits on a row lock for long: the holder is another batch (milliseconds).
  (void)conn.Simple("SET lock_timeout = '10s'");
  // Every statement a writer sends finds its rows by key. Its prepared statements keep the
  // generic plan they got first, and one planned while a table was nearly empty (a fresh
  // database) scans the whole table, for as long as the session lives, as the table grows: the
  // batch's read of its idempotency keys went from ~0.05 ms to ~4 ms per call within seconds.
  // With sequential scans priced out, those plans use the keys' indexes from the start.
  (void)conn.Simple("SET enable_seqscan = off");
}
}  // namespace

namespace {
// Taken by `refundd migrate` (and every node's start) for the length of the migration.
constexpr const char* kMigrationLockSql = "SELECT pg_advisory_xact_lock(7262150331)";

Result<int, std::string> Migrate(Conn& conn) {
  auto fail = [&conn](const std::string& what, const StoreError& e) {
    (void)conn.Simple("ROLLBACK");
    return Err(what + ": " + e.message);
  };
  if (auto r = conn.Simple("BEGIN"); !r.ok()) return fail("cannot begin migration", r.error());
  if (auto r = conn.Exec(kMigrationLockSql); !r.ok()) return fail("cannot lock for migration", r.error());
  if (auto r = conn.Simple("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY "
                           "KEY, name TEXT NOT NULL)");
      !r.ok()) {
    return fail("cannot create schema_migrations", r.error());
  }
  auto current_rows = conn.Exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!current_rows.ok()) return fail("cannot read schema version", current_rows.error());
  int current = static_cast<int>(current_rows.value().Int(0, 0));
  for (const Migration& m : PostgresMigrations()) {
    if (m.version <= current) continue;
    std::string sql(m.sql);
    if (auto r = conn.Simple(sql.c_str()); !r.ok()) {
      return fail("migration " + std::string(m.name) + " failed", r.error());
    }
    auto recorded = conn.Exec("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                              Params().Add(int64_t{m.version}).Add(m.name));
    if (!recorded.ok()) return fail("cannot record migration", recorded.error());
    current = m.version;
  }
  if (auto r = conn.Simple("COMMIT"); !r.ok()) return fail("cannot commit migrations", r.error());
  return current;
}

void SleepMs(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }
}  // namespace

PostgresStore::Pooled::~Pooled() {
  // A broken connection, or one left inside a transaction, is dropped, not pooled.
  if (!conn_ || conn_->Broken() || conn_->InTransaction()) return;
  std::lock_guard lock(store_->pool_mu_);
  store_->idle_.push_back(std::move(conn_));
}

PostgresStore::Pooled PostgresStore::Acquire() {
  {
    std::lock_guard lock(pool_mu_);
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return Pooled(this, std::move(conn));
    }
  }
  auto conn = Conn::Open(options_.conninfo);
  return Pooled(this, conn.ok() ? std::move(conn).value() : nullptr);
}

#define WITH_CONN(var)                                                                   \
  Pooled pooled_guard = Acquire();                                                       \
  if (!pooled_guard.get())                                                               \
    return Err(StoreError{StoreErrorKind::kUnavailable, "cannot connect to PostgreSQL"}); \
  Conn& var = *pooled_guard.get()

// Reads that run several statements do so in one REPEATABLE READ READ ONLY transaction
// (ReadSnapshot), so that they see one committed state. In this backend they are ScanPayments (a
// page of payments, then their refunds: `refundd verify`), ListRefunds with a cursor (the
// cursor's position, then the page) and, in pg_outbox.cc, ListEvents with a cursor. Every other
// read is one statement.
#define WITH_SNAPSHOT(conn)              \
  ReadSnapshot snapshot_guard(conn);     \
  if (!snapshot_guard.ok()) return Err(snapshot_guard.error())

Result<std::unique_ptr<PostgresStore>, std::string> PostgresStore::Open(
    const PostgresOptions& options) {
  CHECK(options.writers >= 1 && options.max_batch >= 1);
  auto conn = Conn::Open(options.conninfo);
  if (!conn.ok()) return Err(conn.error());
  auto version = Migrate(*conn.value());
  if (!version.ok()) return Err(version.error());
  std::unique_ptr<PostgresStore> store(new PostgresStore(options));
  store->schema_version_ = version.value();
  store->idle_.push_back(std::move(conn).value());
  for (int i = 0; i < options.writers; ++i) {
    auto writer_conn = Conn::Open(options.conninfo);
    if (!writer_conn.ok()) {
      store->Close();
      return Err(writer_conn.error());
    }
    SetUpWriterSession(*writer_conn.value());
    store->writers_.emplace_back(
        [s = store.get(), c = std::move(writer_conn).value()]() mutable { s->WriterLoop(std::move(c)); });
  }
  return store;
}

PostgresStore::~PostgresStore() { Close(); }

void PostgresStore::Close() {
  {
    std::lock_guard lock(queue_mu_);
    closing_ = true;
  }
  queue_cv_.notify_all();
  for (auto& t : writers_) {
    if (t.joinable()) t.join();
  }
  writers_.clear();
}

void PostgresStore::Submit(WriteJob job) {
  {
    std::lock_guard lock(queue_mu_);
    if (!closing_) {
      queue_.push_back(std::move(job));
      queue_cv_.notify_one();
      return;
    }
  }
  job.done(false);
}

void PostgresStore::Requeue(std::vector<WriteJob> jobs) {
  if (jobs.empty()) return;
  {
    std::lock_guard lock(queue_mu_);
    // To the front, in their order: each runs first in a batch, where it may wait for its rows.
    for (auto it = jobs.rbegin(); it != jobs.rend(); ++it) queue_.push_front(std::move(*it));
  }
  queue_cv_.notify_all();
}

void PostgresStore::WriterLoop(std::unique_ptr<Conn> conn) {
  NameThisThread("pg-writer");
  std::vector<WriteJob> batch;
  int backoff_ms = 0;
  for (;;) {
    std::unique_lock gather(gather_mu_);
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [&] { return closing_ || !queue_.empty(); });
      if (queue_.empty()) return;  // closing and drained
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (!conn || conn->Broken()) {
      conn.reset();
      auto opened = Conn::Open(options_.conninfo);
      if (opened.ok()) {
        conn = std::move(opened).value();
        SetUpWriterSession(*conn);
        backoff_ms = 0;
      }
    }
    if (!conn) {
      // The database is unreachable: answer now (503) rather than hold requests, and wait a
      // little longer each time before trying again.
      for (auto& job : batch) job.done(false);
      batch.clear();
      backoff_ms = std::min(2000, backoff_ms == 0 ? 50 : backoff_ms * 2);
      SleepMs(backoff_ms);
      continue;
    }
    RunBatch(conn, batch, &gather);
    batch.clear();
  }
}

void PostgresStore::RunBatch(std::unique_ptr<Conn>& conn, std::vector<WriteJob>& jobs,
                             std::unique_lock<std::mutex>* gather) {
  thread_local std::minstd_rand jitter(std::random_device{}());
  std::vector<std::size_t> postponed;
  for (int attempt = 1;; ++attempt) {
    if (!conn) {
      for (auto& job : jobs) job.done(false);
      return;
    }
    postponed.clear();
    switch (RunOnce(*conn, jobs, postponed, gather)) {
      case Outcome::kCommitted: {
        std::vector<WriteJob> later;
        std::size_t next = 0;
        for (std::size_t i = 0; i < jobs.size(); ++i) {
          if (next < postponed.size() && postponed[next] == i) {
            later.push_back(std::move(jobs[i]));
            ++next;
          } else {
            jobs[i].done(true);
          }
        }
        Requeue(std::move(later));
        return;
      }
      case Outcome::kRetry:
        if (attempt >= kMaxAttempts) {
          for (auto& job : jobs) job.done(false);
          return;
        }
        // A deadlock between two batches: back off a little, differently each time.
        SleepMs(static_cast<int>(jitter() % (2u * static_cast<unsigned>(attempt))) + 1);
        if (attempt >= 2 && jobs.size() > 1) break;  // twice: run the jobs one by one
        continue;
      case Outcome::kRunAlone:
        if (jobs.size() == 1) {
          jobs[0].done(false);
          return;
        }
        break;
      case Outcome::kLost:
        for (auto& job : jobs) job.done(false);
        conn.reset();
        return;
    }
    // One job per transaction: a job the server refuses fails alone.
    for (auto& job : jobs) {
      std::vector<WriteJob> one;
      one.push_back(std::move(job));
      RunBatch(conn, one);
    }
    return;
  }
}

PostgresStore::Outcome PostgresStore::RunOnce(Conn& conn, std::vector<WriteJob>& jobs,
                                              std::vector<std::size_t>& postponed,
                                              std::unique_lock<std::mutex>* gather) {
  auto classify = [&conn](const StoreError& e) {
    (void)conn.Simple("ROLLBACK");
    if (conn.Broken()) return Outcome::kLost;
    if (e.kind == StoreErrorKind::kAborted) return Outcome::kRetry;
    return Outcome::kRunAlone;
  };
  PgWriteTx tx(conn);
  std::vector<std::pair<std::string, std::string>> keys;
  for (const WriteJob& job : jobs) {
    if (!job.claim_key.empty()) keys.emplace_back(job.claim_merchant_id, job.claim_key);
  }
  // The payments the jobs named, locked in the same round trip when the first job names one: it
  // waits for its own (as it would in LoadPaymentForUpdate, holding no other payment yet), the
  // others are taken only if free. A batch whose first job names none locks nothing up front, so
  // that job never waits for a row while holding payments of later jobs.
  std::vector<std::pair<std::string, std::string>> others;
  if (!jobs[0].lock_payment_id.empty()) {
    for (std::size_t i = 1; i < jobs.size(); ++i) {
      if (!jobs[i].lock_payment_id.empty()) {
        others.emplace_back(jobs[i].lock_merchant_id, jobs[i].lock_payment_id);
      }
    }
  }
  const bool lock_up_front = !jobs[0].lock_payment_id.empty();
  if (keys.empty() && !lock_up_front) {
    if (auto begun = conn.Simple("BEGIN"); !begun.ok()) return classify(begun.error());
  } else {
    // One round trip: BEGIN, the records of every key the batch will use, the named payments'
    // locks.
    std::vector<Conn::Piped> statements{{"BEGIN", Params()}};
    if (!keys.empty()) statements.push_back(PgWriteTx::FindAll(keys));
    const std::size_t locks_at = statements.size();
    if (lock_up_front) {
      for (Conn::Piped& s : tx.LockAll({jobs[0].lock_merchant_id, jobs[0].lock_payment_id}, others)) {
        statements.push_back(std::move(s));
      }
    }
    auto begun = conn.Pipeline(statements);
    if (!begun.ok()) return classify(begun.error());
    if (locks_at > 1) tx.TakeClaims(keys, begun.value()[1]);
    if (lock_up_front) tx.TakeLocks(begun.value(), locks_at);
  }
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    tx.BeginJob(/*wait_for_locks=*/i == 0);
    bool keep = jobs[i].apply(tx);
    if (tx.broken()) return classify(*tx.broken());
    if (tx.job_postponed()) {
      tx.RollbackJob();
      postponed.push_back(i);
    } else if (keep) {
      tx.CommitJob();
    } else {
      tx.RollbackJob();
    }
  }
  bool commit_unknown = false;
  auto committed = tx.FlushAndCommit(&commit_unknown, [gather] {
    if (gather && gather->owns_lock()) gather->unlock();  // the next batch may start
  });
  if (committed.ok()) return Outcome::kCommitted;
  if (commit_unknown) return Outcome::kLost;
  return classify(committed.error());
}

StoreResult<std::optional<core::Payment>> PostgresStore::ReadPayment(
    const std::string& merchant_id, const std::string& payment_id) {
  WITH_CONN(conn);
  return QueryPayment(conn, merchant_id, payment_id, Lock::kNone);
}

StoreResult<std::optional<core::Refund>> PostgresStore::ReadRefund(const std::string& merchant_id,
                                                                   const std::string& refund_id) {
  WITH_CONN(conn);
  return QueryRefund(conn, merchant_id, refund_id, Lock::kNone);
}

StoreResult<std::optional<std::string>> PostgresStore::ReadAlias(const std::string& merchant_id,
                                                                 const std::string& kind,
                                                                 const std::string& alias) {
  WITH_CONN(conn);
  return QueryAlias(conn, merchant_id, kind, alias);
}

StoreResult<RefundPage> PostgresStore::ListRefunds(const RefundListQuery& query) {
  WITH_CONN(conn);
  if (query.starting_after.empty() && query.ending_before.empty()) {
    return QueryRefundPage(conn, query);  // one statement
  }
  WITH_SNAPSHOT(conn);
  return QueryRefundPage(conn, query);
}

StoreResult<bool> PostgresStore::CreateMerchant(const core::Merchant& merchant,
                                                const std::vector<core::Credential>& credentials) {
  WITH_CONN(conn);
  auto fail = [&conn](const StoreError& e) -> StoreResult<bool> {
    (void)conn.Simple("ROLLBACK");
    return Err(e);
  };
  if (auto r = conn.Simple("BEGIN"); !r.ok()) return fail(r.error());
  auto m = conn.Exec("INSERT INTO merchants (id, name, created_ms) VALUES ($1, $2, $3)",
                     Params().Add(merchant.id).Add(merchant.name).Add(merchant.created_ms));
  if (!m.ok()) return fail(m.error());
  for (const auto& c : credentials) {
    auto r = conn.Exec(
        "INSERT INTO credentials (dialect, lookup, merchant_id, secret) VALUES ($1, $2, $3, $4)",
        Params().Add(c.dialect).Add(c.lookup).Add(c.merchant_id).Add(c.secret));
    if (!r.ok()) return fail(r.error());
  }
  if (auto r = conn.Simple("COMMIT"); !r.ok()) {
    return Err(StoreError{conn.Broken() ? StoreErrorKind::kUnknown : r.error().kind,
                          r.error().message});
  }
  return true;
}

StoreResult<std::vector<core::Merchant>> PostgresStore::ListMerchants() {
  WITH_CONN(conn);
  auto rows = conn.Exec("SELECT id, name, created_ms FROM merchants ORDER BY created_ms, id");
  if (!rows.ok()) return Err(rows.error());
  std::vector<core::Merchant> out;
  for (int i = 0; i < rows.value().size(); ++i) {
    out.push_back(core::Merchant{rows.value().Text(i, 0), rows.value().Text(i, 1),
                                 rows.value().Int(i, 2)});
  }
  return out;
}

StoreResult<std::optional<core::Credential>> PostgresStore::FindCredential(
    const std::string& dialect, const std::string& lookup) {
  WITH_CONN(conn);
  auto rows = conn.Exec(
      "SELECT merchant_id, secret FROM credentials WHERE dialect = $1 AND lookup = $2",
      Params().Add(dialect).Add(lookup));
  if (!rows.ok()) return Err(rows.error());
  if (rows.value().size() == 0) return std::optional<core::Credential>();
  return std::optional<core::Credential>(
      core::Credential{dialect, lookup, rows.value().Text(0, 0), rows.value().Text(0, 1)});
}

StoreResult<std::optional<core::Merchant>> PostgresStore::FindMerchantByName(
    const std::string& name) {
  WITH_CONN(conn);
  auto rows = conn.Exec("SELECT id, name, created_ms FROM merchants WHERE name = $1",
                        Params().Add(name));
  if (!rows.ok()) return Err(rows.error());
  if (rows.value().size() == 0) return std::optional<core::Merchant>();
  return std::optional<core::Merchant>(
      core::Merchant{rows.value().Text(0, 0), rows.value().Text(0, 1), rows.value().Int(0, 2)});
}

StoreResult<std::optional<std::string>> PostgresStore::GetMerchantSetting(
    const std::string& merchant_id, const std::string& name) {
  WITH_CONN(conn);
  auto rows = conn.Exec("SELECT value FROM merchant_settings WHERE merchant_id = $1 AND name = $2",
                        Params().Add(merchant_id).Add(name));
  if (!rows.ok()) return Err(rows.error());
  if (rows.value().size() == 0) return std::optional<std::string>();
  return std::optional<std::string>(rows.value().Text(0, 0));
}

StoreResult<bool> PostgresStore::SetMerchantSetting(const std::string& merchant_id,
                                                    const std::string& name,
                                                    const std::string& value) {
  WITH_CONN(conn);
  auto r = conn.Exec(
      "INSERT INTO merchant_settings (merchant_id, name, value) VALUES ($1, $2, $3) "
      "ON CONFLICT (merchant_id, name) DO UPDATE SET value = EXCLUDED.value",
      Params().Add(merchant_id).Add(name).Add(value));
  if (!r.ok()) return Err(r.error());
  return true;
}

StoreResult<std::vector<PaymentWithRefunds>> PostgresStore::ScanPayments(
    const std::string& after_merchant_id, const std::string& after_payment_id, int limit) {
  WITH_CONN(conn);
  // One snapshot for the payments and their refunds (see SqliteStore::ScanPayments).
  WITH_SNAPSHOT(conn);
  return QueryPaymentsWithRefunds(conn, after_merchant_id, after_payment_id, limit);
}

StoreResult<std::vector<core::Refund>> PostgresStore::ScanRefundsWithoutPayment(int limit) {
  WITH_CONN(conn);
  return QueryRefundsWithoutPayment(conn, limit);
}

StoreResult<int64_t> PostgresStore::PurgeIdempotency(int64_t before_ms) {
  WITH_CONN(conn);
  // Unanswered claims (status 0) are never committed, so every row seen here is a real record.
  // A bounded chunk per statement (each its own transaction), oldest first through
  // idempotency_by_age; nodes purging at once may delete the same rows, which is harmless.
  int64_t total = 0;
  for (;;) {
    auto r = conn.Exec(
        "DELETE FROM idempotency WHERE (merchant_id, key) IN (SELECT merchant_id, key FROM "
        "idempotency WHERE created_ms < $1 ORDER BY created_ms LIMIT $2)",
        Params().Add(before_ms).Add(int64_t{kPurgeChunk}));
    if (!r.ok()) return Err(r.error());
    total += r.value().Affected();
    if (r.value().Affected() < kPurgeChunk) return total;
  }
}

}  // namespace refundd::store::postgres
