#pragma once
// A thin RAII layer over one libpq connection: statements prepared once per connection (keyed by
// the address of their SQL text), text-format parameters, results as owned values, and errors
// mapped to StoreError kinds. Not thread-safe: one thread uses a Conn at a time.

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

// Text-format parameters, $1.. in order.
class Params {
 public:
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

 private:
  std::vector<std::string> values_;
};

// Builds a PostgreSQL array literal ("{...}") for one `$n::text[]` or `$n::bigint[]` parameter.
class ArrayLiteral {
 public:
  void Add(std::string_view text);
  void Add(int64_t value);
  void AddHex(std::string_view bytes);  // hex digits of the bytes, for decode(x, 'hex')
  std::string Finish() const { return text_ + "}"; }

 private:
  std::string text_ = "{";
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
  PGconn* raw() { return conn_; }

 private:
  explicit Conn(PGconn* conn) : conn_(conn) {}
  // The name of the prepared statement for `sql`, preparing it on first use.
  StoreResult<const std::string*> Prepared(const char* sql, int nparams);
  StoreError ErrorOf(const PGresult* result) const;

  PGconn* conn_;
  std::unordered_map<const char*, std::string> prepared_;
};

// `conninfo` (a URL or key=value string) with its database replaced by `dbname`, as key=value
// text; nullopt when conninfo does not parse. For tools and tests that make databases.
std::optional<std::string> WithDatabase(const std::string& conninfo, const std::string& dbname);

}  // namespace refundd::store::postgres
