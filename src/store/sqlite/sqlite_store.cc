// The SQLite store: Open (migrations, the writer's connection and threads), Close, the reads on
// their own connections, and the administrative writes. The write path (writer, syncer,
// checkpointer) is in sqlite_writer.cc.
#include "store/sqlite/sqlite_store.h"

#include <unistd.h>

#include "store/migrations.h"
#include "store/sqlite/sqlite_tx.h"

namespace refundd::store::sqlite {

namespace {
Result<int, std::string> Migrate(Db& db) {
  if (!db.Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
               "name TEXT NOT NULL)")
           .ok()) {
    return Err(std::string("cannot create schema_migrations"));
  }
  // A migration that rebuilds a table (SQLite cannot drop a constraint) drops the old table while
  // others still reference it, which enforced foreign keys refuse; so they are off while migrating
  // (the pragma does nothing inside a transaction) and checked before the commit instead.
  (void)db.Exec("PRAGMA foreign_keys=OFF");
  struct EnforceAgain {
    Db& db;
    ~EnforceAgain() { (void)db.Exec("PRAGMA foreign_keys=ON"); }
  } enforce_again{db};
  // BEGIN IMMEDIATE takes the write lock first, so two processes starting at once migrate once.
  if (!db.Exec("BEGIN IMMEDIATE").ok()) return Err(std::string("cannot lock for migration"));
  int current = 0;
  {
    Stmt s = db.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    auto row = s.Step();
    if (!row.ok() || !row.value()) {
      (void)db.Exec("ROLLBACK");
      return Err(std::string("cannot read schema version"));
    }
    current = static_cast<int>(s.Int(0));
  }
  for (const Migration& m : Migrations()) {
    if (m.version <= current) continue;
    std::string sql(m.sql);
    char* err = nullptr;
    if (sqlite3_exec(db.raw(), sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown";
      sqlite3_free(err);
      (void)db.Exec("ROLLBACK");
      return Err("migration " + std::string(m.name) + " failed: " + msg);
    }
    Stmt s = db.Prepare("INSERT INTO schema_migrations (version, name) VALUES (?1, ?2)");
    s.Bind(1, int64_t{m.version}).Bind(2, m.name);
    if (!s.Exec().ok()) {
      (void)db.Exec("ROLLBACK");
      return Err(std::string("cannot record migration"));
    }
    current = m.version;
  }
  {
    Stmt check = db.Prepare("PRAGMA foreign_key_check");
    auto row = check.Step();
    if (!row.ok() || row.value()) {
      (void)db.Exec("ROLLBACK");
      return Err(std::string("migrations left a dangling foreign key; nothing changed"));
    }
  }
  if (!db.Exec("COMMIT").ok()) return Err(std::string("cannot commit migrations"));
  return current;
}
}  // namespace

class SqliteStore::Reader {
 public:
  Reader(SqliteStore* store, std::unique_ptr<Db> db) : store_(store), db_(std::move(db)) {}
  Reader(Reader&&) = default;
  ~Reader() {
    if (!db_ || db_->InTransaction()) return;  // one left inside a transaction is closed
    std::lock_guard lock(store_->readers_mu_);
    store_->idle_readers_.push_back(std::move(db_));
  }
  Db* get() { return db_.get(); }

 private:
  SqliteStore* store_;
  std::unique_ptr<Db> db_;
};

SqliteStore::Reader SqliteStore::AcquireReader() {
  {
    std::lock_guard lock(readers_mu_);
    if (!idle_readers_.empty()) {
      auto db = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return Reader(this, std::move(db));
    }
  }
  auto db = Db::Open(path_);
  return Reader(this, db.ok() ? std::move(db).value() : nullptr);
}

#define WITH_READER(var)                                                          \
  Reader reader_guard = AcquireReader();                                          \
  if (!reader_guard.get())                                                        \
    return Err(StoreError{StoreErrorKind::kUnavailable, "cannot open a reader"}); \
  Db& var = *reader_guard.get()

// Reads that run several statements do so in one read transaction (ReadTransaction), so that they
// see one committed state. In this backend they are ScanPayments (a page of payments, then each
// one's refunds: `refundd verify`), ListRefunds with a cursor (the cursor's position, then the
// page) and, in sqlite_outbox.cc, ListEvents with a cursor. Every other read is one statement.
#define WITH_SNAPSHOT(db)                                                     \
  ReadTransaction snapshot_guard(db);                                         \
  if (!snapshot_guard.ok())                                                   \
    return Err(StoreError{StoreErrorKind::kUnavailable, "cannot begin a read"})

Result<std::unique_ptr<SqliteStore>, std::string> SqliteStore::Open(const std::string& path) {
  auto db = Db::Open(path, Db::Wal::kGathered);
  if (!db.ok()) return Err(db.error());
  auto version = Migrate(*db.value());
  if (!version.ok()) return Err(version.error());
  std::unique_ptr<SqliteStore> store(new SqliteStore(path, std::move(db).value()));
  store->schema_version_ = version.value();
  // The hook replaces SQLite's autocheckpoint (the checkpointer and RestartWalIfLong do it).
  sqlite3_wal_hook(
      store->writer_db_->raw(),
      [](void* self, sqlite3*, const char*, int frames) {
        static_cast<SqliteStore*>(self)->wal_frames_ = frames;
        return SQLITE_OK;
      },
      store.get());
  // A WAL that grew longer (a long reader held back its restart) shrinks back when it restarts.
  const std::string size_limit =
      "PRAGMA journal_size_limit=" + std::to_string(int64_t{kWalLimitFrames} * 2 * 4096);
  (void)store->writer_db_->Exec(size_limit.c_str());
  // The writer keeps SQLite's default 2 MiB page cache, not the readers' 64 MiB: SQLite walks the
  // whole cache's hash table at the end of every write transaction (pcache1 truncation), which
  // with 64 MiB cost the writer ~10% of its time; the pages it needs stay cached either way.
  (void)store->writer_db_->Exec("PRAGMA cache_size=-2000");
  store->OpenWalForSync();
  store->writer_ = std::thread([s = store.get()] { s->WriterLoop(); });
  store->checkpointer_ = std::thread([s = store.get()] { s->CheckpointLoop(); });
  return store;
}

SqliteStore::SqliteStore(std::string path, std::unique_ptr<Db> writer)
    : path_(std::move(path)), writer_db_(std::move(writer)) {}

SqliteStore::~SqliteStore() { Close(); }

void SqliteStore::Close() {
  {
    std::lock_guard lock(queue_mu_);
    if (closing_ && !writer_.joinable()) return;
    closing_ = true;
  }
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  {
    std::lock_guard lock(queue_mu_);
    writer_stopped_ = true;
  }
  sync_cv_.notify_all();
  if (syncer_.joinable()) syncer_.join();
  if (wal_fd_ >= 0) {
    ::close(wal_fd_);
    wal_fd_ = -1;
  }
  checkpoint_cv_.notify_all();
  if (checkpointer_.joinable()) checkpointer_.join();
  // A last full checkpoint leaves a small WAL behind for the next start (not after a failed
  // fdatasync: the next start recovers from the WAL on disk instead).
  if (writer_db_ && WritesRefused().empty())
    (void)sqlite3_wal_checkpoint_v2(writer_db_->raw(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr,
                                    nullptr);
}

std::string SqliteStore::WritesRefused() {
  std::lock_guard lock(queue_mu_);
  return writes_refused_;
}

StoreResult<std::optional<core::Payment>> SqliteStore::ReadPayment(const std::string& merchant_id,
                                                                   const std::string& payment_id) {
  WITH_READER(db);
  return QueryPayment(db, merchant_id, payment_id);
}

StoreResult<std::optional<core::Refund>> SqliteStore::ReadRefund(const std::string& merchant_id,
                                                                 const std::string& refund_id) {
  WITH_READER(db);
  return QueryRefund(db, merchant_id, refund_id);
}

StoreResult<std::optional<std::string>> SqliteStore::ReadAlias(const std::string& merchant_id,
                                                               const std::string& kind,
                                                               const std::string& alias) {
  WITH_READER(db);
  return QueryAlias(db, merchant_id, kind, alias);
}

StoreResult<RefundPage> SqliteStore::ListRefunds(const RefundListQuery& query) {
  WITH_READER(db);
  if (query.starting_after.empty() && query.ending_before.empty()) {
    return QueryRefundPage(db, query);  // one statement
  }
  WITH_SNAPSHOT(db);
  return QueryRefundPage(db, query);
}

StoreResult<bool> SqliteStore::CreateMerchant(const core::Merchant& merchant,
                                              const std::vector<core::Credential>& credentials) {
  // Through the writer, so that a merchant created by `serve` and one created by the CLI in
  // another process are both serialized by SQLite's write lock.
  auto result = std::make_shared<StoreResult<bool>>(true);
  bool committed = SubmitAndWait([&, result](WriteTx&) {
    Db& db = *writer_db_;
    Stmt s = db.Prepare("INSERT INTO merchants (id, name, created_ms) VALUES (?1, ?2, ?3)");
    s.Bind(1, merchant.id).Bind(2, merchant.name).Bind(3, merchant.created_ms);
    auto r = s.Exec();
    if (!r.ok()) {
      *result = Err(r.error());
      return false;
    }
    for (const auto& c : credentials) {
      Stmt cs = db.Prepare(
          "INSERT INTO credentials (dialect, lookup, merchant_id, secret) VALUES (?1,?2,?3,?4)");
      cs.Bind(1, c.dialect).Bind(2, c.lookup).Bind(3, c.merchant_id).Bind(4, c.secret);
      auto cr = cs.Exec();
      if (!cr.ok()) {
        *result = Err(cr.error());
        return false;
      }
    }
    return true;
  });
  if (!result->ok()) return *result;
  if (!committed) return Err(StoreError{StoreErrorKind::kUnknown, "commit failed"});
  return true;
}

StoreResult<std::vector<core::Merchant>> SqliteStore::ListMerchants() {
  WITH_READER(db);
  Stmt s = db.Prepare("SELECT id, name, created_ms FROM merchants ORDER BY created_ms, id");
  std::vector<core::Merchant> out;
  for (;;) {
    auto row = s.Step();
    if (!row.ok()) return Err(row.error());
    if (!row.value()) break;
    out.push_back(core::Merchant{s.Text(0), s.Text(1), s.Int(2)});
  }
  return out;
}

StoreResult<std::optional<core::Credential>> SqliteStore::FindCredential(
    const std::string& dialect, const std::string& lookup) {
  WITH_READER(db);
  Stmt s =
      db.Prepare("SELECT merchant_id, secret FROM credentials WHERE dialect = ?1 AND lookup = ?2");
  s.Bind(1, dialect).Bind(2, lookup);
  auto row = s.Step();
  if (!row.ok()) return Err(row.error());
  if (!row.value()) return std::optional<core::Credential>();
  return std::optional<core::Credential>(core::Credential{dialect, lookup, s.Text(0), s.Text(1)});
}

StoreResult<std::optional<core::Merchant>> SqliteStore::FindMerchantByName(
    const std::string& name) {
  WITH_READER(db);
  Stmt s = db.Prepare("SELECT id, name, created_ms FROM merchants WHERE name = ?1");
  s.Bind(1, name);
  auto row = s.Step();
  if (!row.ok()) return Err(row.error());
  if (!row.value()) return std::optional<core::Merchant>();
  return std::optional<core::Merchant>(core::Merchant{s.Text(0), s.Text(1), s.Int(2)});
}

StoreResult<std::optional<std::string>> SqliteStore::GetMerchantSetting(
    const std::string& merchant_id, const std::string& name) {
  WITH_READER(db);
  Stmt s = db.Prepare("SELECT value FROM merchant_settings WHERE merchant_id = ?1 AND name = ?2");
  s.Bind(1, merchant_id).Bind(2, name);
  auto row = s.Step();
  if (!row.ok()) return Err(row.error());
  if (!row.value()) return std::optional<std::string>();
  return std::optional<std::string>(s.Text(0));
}

StoreResult<bool> SqliteStore::SetMerchantSetting(const std::string& merchant_id,
                                                  const std::string& name,
                                                  const std::string& value) {
  auto error = std::make_shared<std::optional<StoreError>>();
  bool committed = SubmitAndWait([&, error](WriteTx&) {
    Stmt s = writer_db_->Prepare(
        "INSERT INTO merchant_settings (merchant_id, name, value) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (merchant_id, name) DO UPDATE SET value = excluded.value");
    s.Bind(1, merchant_id).Bind(2, name).Bind(3, value);
    auto r = s.Exec();
    if (!r.ok()) *error = r.error();
    return r.ok();
  });
  if (*error) return Err(**error);
  if (!committed) return Err(StoreError{StoreErrorKind::kUnknown, "commit failed"});
  return true;
}

StoreResult<std::vector<PaymentWithRefunds>> SqliteStore::ScanPayments(
    const std::string& after_merchant_id, const std::string& after_payment_id, int limit) {
  WITH_READER(db);
  // The payments and their refunds from one snapshot: read apart, a refund that settles in
  // between shows the payment's old totals beside the refund's new status, which `refundd verify`
  // reports as a mismatch that is not there. Each page is its own snapshot: every check verify
  // makes is within one payment (whose refunds come in the same page), and a snapshot held for a
  // whole scan would keep the writer from starting the WAL over for as long as it lasts.
  WITH_SNAPSHOT(db);
  return QueryPaymentsWithRefunds(db, after_merchant_id, after_payment_id, limit);
}

StoreResult<std::vector<core::Refund>> SqliteStore::ScanRefundsWithoutPayment(int limit) {
  WITH_READER(db);
  return QueryRefundsWithoutPayment(db, limit);
}

// In the order the records were stored (id), a chunk per write job, which goes in a batch like
// any other: the leading records that expired, up to the first one that has not.
StoreResult<int64_t> SqliteStore::PurgeIdempotency(int64_t before_ms) {
  int64_t total = 0;
  for (;;) {
    auto deleted = std::make_shared<int64_t>(0);
    bool committed = SubmitAndWait([this, before_ms, deleted](WriteTx&) {
      Db& db = *writer_db_;
      int64_t last_expired = 0;
      bool any = false;
      {  // the scan is reset (its scope ends) before the delete
        Stmt scan = db.Prepare("SELECT id, created_ms FROM idempotency ORDER BY id LIMIT ?1");
        scan.Bind(1, int64_t{kPurgeChunk});
        for (;;) {
          auto row = scan.Step();
          if (!row.ok()) return false;
          if (!row.value() || scan.Int(1) >= before_ms) break;
          last_expired = scan.Int(0);
          any = true;
        }
      }
      if (!any) return true;
      Stmt del = db.Prepare("DELETE FROM idempotency WHERE id <= ?1 AND created_ms < ?2");
      del.Bind(1, last_expired).Bind(2, before_ms);
      auto r = del.Exec();
      if (!r.ok()) return false;
      *deleted = r.value();
      return true;
    });
    if (!committed) return Err(StoreError{StoreErrorKind::kUnavailable, "purge failed"});
    total += *deleted;
    if (*deleted < kPurgeChunk) return total;
  }
}

}  // namespace refundd::store::sqlite
