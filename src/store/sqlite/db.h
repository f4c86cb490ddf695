#pragma once
// A thin RAII layer over one sqlite3 connection: prepared statements cached by their SQL text,
// bound and stepped with small helpers. Not thread-safe: one thread uses a Db at a time.

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/store.h"

namespace refundd::store::sqlite {

class Db;

// A cached statement in use. Resets and clears its bindings when it goes out of scope.
class Stmt {
 public:
  Stmt(sqlite3_stmt* stmt, Db* db) : stmt_(stmt), db_(db) {}
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& Bind(int index, int64_t value);
  // A named string is bound where it lies, without a copy (SQLite reads it while the statement
  // steps): it must stay alive and unchanged until the statement's last Step() or Exec(). Every
  // other text (temporaries, views, literals) is copied into the statement.
  Stmt& Bind(int index, const std::string& text);
  Stmt& Bind(int index, std::string&& text) { return BindCopy(index, text); }
  Stmt& Bind(int index, std::string_view text) { return BindCopy(index, text); }
  Stmt& Bind(int index, const char* text) { return BindCopy(index, std::string_view(text)); }
  // SQLITE_ROW -> true, SQLITE_DONE -> false, anything else -> error.
  StoreResult<bool> Step();
  // Steps to completion; returns sqlite3_changes().
  StoreResult<int> Exec();

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string Text(int col) const;

 private:
  Stmt& BindCopy(int index, std::string_view text);

  sqlite3_stmt* stmt_;
  Db* db_;
  bool failed_bind_ = false;
};

class Db {
 public:
  // How the connection writes the WAL: SQLite's default VFS, or gathering each transaction's
  // frames into one write (wal_buffer_vfs.h; for the store's one write connection).
  enum class Wal { kDefault, kGathered };
  // Opens (creating) the database file with the pragmas refundd relies on: WAL,
  // synchronous=FULL, foreign keys, busy timeout.
  static Result<std::unique_ptr<Db>, std::string> Open(const std::string& path,
                                                       Wal wal = Wal::kDefault);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // The statement for `sql`, prepared once per connection. `sql` must be a string literal (its
  // address keys the cache). CHECKs that it compiles: the SQL is ours.
  Stmt Prepare(const char* sql);
  // Runs SQL without results (pragmas, BEGIN/COMMIT, migrations).
  StoreResult<bool> Exec(const char* sql);

  StoreError Error(int rc) const;
  // True inside a transaction (BEGIN without its COMMIT or ROLLBACK yet).
  bool InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }
  sqlite3* raw() { return db_; }

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<const char*, sqlite3_stmt*> cache_;
};

// One read transaction on a read connection, for a read that runs several statements which must
// agree (a payment and its refunds, a cursor and the page after it): every statement while it
// lives reads the snapshot that its first one took, never a commit that lands in between. Ends
// (COMMIT, else ROLLBACK) when destroyed, so declare it before the statements it covers. A
// connection left InTransaction() after that must not be reused (the store's pool checks).
class ReadTransaction {
 public:
  explicit ReadTransaction(Db& db);
  ~ReadTransaction();
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;
  // False when BEGIN failed: the read must not run (its statements would each see their own).
  bool ok() const { return begun_; }

 private:
  Db& db_;
  bool begun_;
};

}  // namespace refundd::store::sqlite
