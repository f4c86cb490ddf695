#pragma once
// A thin RAII layer over one libpq connection: statements prepared once per connection (keyed by
// the address of their SQL text), text-format parameters (arrays in binary), results as owned
// values, and errors mapped to StoreError kinds. Not thread-safe: one thread uses a Conn at a time.

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/store.h"

namespace refundd::store::postgres {

// An array parameter in PostgreSQL's binary format (ArrayLiteral::Finish()).
struct BinaryArray {
  std::string bytes;
  bool binary = true;  // false for an empty array, sent as the text literal "{}"
};

// Parameters, $1.. in order: text format, but arrays in binary (the server then copies their
// elements instead of parsing and unescaping a literal: array_in was ~8% of the machine's CPU in
// bench/pg_bench.sh).
class Params {
 public:
  Params& Add(BinaryArray array) {
    values_.push_back(std::move(array.bytes));
    binary_.resize(values_.size(), 0);
    binary_.back() = array.binary ? 1 : 0;
    return *this;
  }
  Params& Add(std::string_view text) {
    values_.emplace_back(text);
    return *this;
  }
  Params& Add(int64_t value) {
    values_.push_back(std::to_string(value));
    return *this;
  }
  // Binary data as hex text, for `decode($n, 'hex')` into a BYTEA.
  Params& AddHex(std::string_view bytes);
  int size() const { return static_cast<int>(values_.size()); }
  std::vector<const char*> Pointers() const;
  // For PQexecPrepared's paramLengths and paramFormats: null when every parameter is text.
  std::vector<int> Lengths() const;
  std::vector<int> Formats() const;

 private:
  std::vector<std::string> values_;
  std::vector<int> binary_;  // 1 per binary parameter; may be shorter than values_
};

// Builds one array parameter: `$n::text[]` (Add(text)), `$n::bigint[]` (Add(int64_t)) or
// `$n::bytea[]` (AddBytes), one element type per array, in binary format. An empty one is sent as
// the text literal "{}", which fits any array type.
class ArrayLiteral {
 public:
  void Add(std::string_view text);
  void Add(int64_t value);
  void AddBytes(std::string_view bytes);
  BinaryArray Finish() const;

 private:
  void Element(uint32_t type, std::string_view bytes);
  uint32_t type_ = 0;  // the elements' type oid; 0 until the first
  int32_t count_ = 0;
  std::string elements_;  // each: int32 length, then its bytes
};

class Rows {
 public:
  explicit Rows(PGresult* result) : result_(result, &PQclear) {}
  int size() const { return PQntuples(result_.get()); }
  std::string Text(int row, int col) const;
  int64_t Int(int row, int col) const;
  std::string Bytea(int row, int col) const;  // decodes the hex output of a BYTEA column
  // Rows changed by INSERT/UPDATE/DELETE.
  int64_t Affected() const;

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

class Conn {
 public:
  // Connects with a libpq connection string or postgresql:// URL.
  static Result<std::unique_ptr<Conn>, std::string> Open(const std::string& conninfo);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // Runs `sql` (a string literal or a string that outlives the Conn: its address keys the
  // statement cache) as a prepared statement with text parameters.
  StoreResult<Rows> Exec(const char* sql, const Params& params = Params());
  // Runs SQL without parameters through the simple protocol (BEGIN, COMMIT, migrations; may hold
  // several statements).
  StoreResult<Rows> Simple(const char* sql);

  // Sends prepared statements in one pipeline (one round trip) and returns each one's rows; the
  // first failure fails the call (its index in *failed_index) and the statements after it are
  // not run.
  struct Piped {
    const char* sql;
    Params params;
  };
  StoreResult<std::vector<Rows>> Pipeline(const std::vector<Piped>& statements,
                                          int* failed_index = nullptr);

  bool Broken() const { return PQstatus(conn_) != CONNECTION_OK; }
  // True inside a transaction (BEGIN without its COMMIT or ROLLBACK yet).
  bool InTransaction() const { return PQtransactionStatus(conn_) != PQTRANS_IDLE; }
  PGconn* raw() { return conn_; }

 private:
  explicit Conn(PGconn* conn) : conn_(conn) {}
  // The name of the prepared statement for `sql`, preparing it on first use.
  StoreResult<const std::string*> Prepared(const char* sql, int nparams);
  StoreError ErrorOf(const PGresult* result) const;

  PGconn* conn_;
  std::unordered_map<const char*, std::string> prepared_;
};

// One REPEATABLE READ READ ONLY transaction on a read connection, for a read that runs several
// statements which must agree (payments and their refunds, a cursor and the page after it): they
// all read the snapshot of the first one. Ends (COMMIT, else ROLLBACK) when destroyed, so declare
// it before the statements it covers; the store's pool never reuses a connection left
// InTransaction().
class ReadSnapshot {
 public:
  explicit ReadSnapshot(Conn& conn);
  ~ReadSnapshot();
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;
  // False when BEGIN failed: the read must not run (its statements would each see their own).
  bool ok() const { return begun_; }
  const StoreError& error() const { return error_; }

 private:
  Conn& conn_;
  bool begun_ = false;
  StoreError error_{StoreErrorKind::kUnavailable, ""};
};

// `conninfo` (a URL or key=value string) with its database replaced by `dbname`, as key=value
// text; nullopt when conninfo does not parse. For tools and tests that make databases.
std::optional<std::string> WithDatabase(const std::string& conninfo, const std::string& dbname);

}  // namespace refundd::store::postgres
