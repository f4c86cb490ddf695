#include "store/sqlite/db.h"

#include "store/sqlite/wal_buffer_vfs.h"

namespace refundd::store::sqlite {

Stmt::~Stmt() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Stmt& Stmt::Bind(int index, int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) failed_bind_ = true;
  return *this;
}

Stmt& Stmt::Bind(int index, const std::string& text) {
  if (sqlite3_bind_text64(stmt_, index, text.c_str(), text.size(), SQLITE_STATIC, SQLITE_UTF8) !=
      SQLITE_OK) {
    failed_bind_ = true;
  }
  return *this;
}

Stmt& Stmt::BindCopy(int index, std::string_view text) {
  // An empty view may have a null data pointer, which SQLite would bind as NULL.
  const char* data = text.data() ? text.data() : "";
  if (sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8) !=
      SQLITE_OK) {
    failed_bind_ = true;
  }
  return *this;
}

StoreResult<bool> Stmt::Step() {
  if (failed_bind_) return Err(StoreError{StoreErrorKind::kUnavailable, "bind failed"});
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Err(db_->Error(rc));
}

StoreResult<int> Stmt::Exec() {
  for (;;) {
    auto r = Step();
    if (!r.ok()) return Err(r.error());
    if (!r.value()) break;
  }
  return sqlite3_changes(db_->raw());
}

std::string Stmt::Text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)) : "";
}

namespace {
// Process-wide SQLite settings, applied once before the first connection: no memory statistics
// (they take a global mutex on every allocation).
void ConfigureSqliteOnce() {
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return sqlite3_initialize() == SQLITE_OK;
  }();
  CHECK(configured);
}
}  // namespace

Result<std::unique_ptr<Db>, std::string> Db::Open(const std::string& path, Wal wal) {
  ConfigureSqliteOnce();
  const char* vfs = wal == Wal::kGathered ? WalBufferVfsName() : nullptr;
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, vfs);
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : "out of memory";
    sqlite3_close(raw);
    return Err("cannot open " + path + ": " + msg);
  }
  std::unique_ptr<Db> db(new Db(raw));
  sqlite3_busy_timeout(raw, 10'000);
  // A larger lookaside arena serves most of a statement's small allocations without malloc.
  sqlite3_db_config(raw, SQLITE_DBCONFIG_LOOKASIDE, nullptr, 1024, 1000);
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON",
        "PRAGMA temp_store=MEMORY", "PRAGMA cache_size=-65536"}) {
    char* err = nullptr;
    if (sqlite3_exec(raw, pragma, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown";
      sqlite3_free(err);
      return Err(std::string(pragma) + " failed: " + msg);
    }
  }
  return db;
}

Db::~Db() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Stmt Db::Prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) std::fprintf(stderr, "bad SQL (%s): %s\n", sqlite3_errmsg(db_), sql);
    CHECK(rc == SQLITE_OK);
    it = cache_.emplace(sql, stmt).first;
  }
  return Stmt(it->second, this);
}

StoreResult<bool> Db::Exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  sqlite3_free(err);
  if (rc != SQLITE_OK) return Err(Error(rc));
  return true;
}

StoreError Db::Error(int rc) const {
  int primary = rc & 0xff;
  StoreErrorKind kind = StoreErrorKind::kUnavailable;
  if (primary == SQLITE_CONSTRAINT) kind = StoreErrorKind::kConstraint;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) kind = StoreErrorKind::kAborted;
  return StoreError{kind, std::string(sqlite3_errstr(rc)) + ": " + sqlite3_errmsg(db_)};
}

ReadTransaction::ReadTransaction(Db& db)
    : db_(db), begun_(!db.InTransaction() && db.Prepare("BEGIN").Exec().ok()) {}

ReadTransaction::~ReadTransaction() {
  if (!begun_) return;
  if (!db_.Prepare("COMMIT").Exec().ok()) (void)db_.Exec("ROLLBACK");
}

}  // namespace refundd::store::sqlite
