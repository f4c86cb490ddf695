#include "store/postgres/pg_conn.h"

#include "base/check.h"

#include <cstdlib>
#include <cstring>
#include <optional>

namespace refundd::store::postgres {

namespace {
constexpr char kHex[] = "0123456789abcdef";

void AppendHex(std::string& out, std::string_view bytes) {
  out.reserve(out.size() + bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

Params& Params::AddHex(std::string_view bytes) {
  std::string hex;
  AppendHex(hex, bytes);
  values_.push_back(std::move(hex));
  return *this;
}

std::vector<const char*> Params::Pointers() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (const auto& v : values_) out.push_back(v.c_str());
  return out;
}

std::vector<int> Params::Lengths() const {
  if (binary_.empty()) return {};
  std::vector<int> out;
  out.reserve(values_.size());
  for (const auto& v : values_) out.push_back(static_cast<int>(v.size()));
  return out;
}

std::vector<int> Params::Formats() const {
  if (binary_.empty()) return {};
  std::vector<int> out(binary_);
  out.resize(values_.size(), 0);
  return out;
}

namespace {
constexpr uint32_t kTextOid = 25, kInt8Oid = 20, kByteaOid = 17;

void AppendInt32(std::string& out, uint32_t v) {
  const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                     static_cast<char>(v >> 8), static_cast<char>(v)};
  out.append(b, 4);
}
}  // namespace

void ArrayLiteral::Element(uint32_t type, std::string_view bytes) {
  CHECK(type_ == 0 || type_ == type);  // one element type per array
  type_ = type;
  ++count_;
  AppendInt32(elements_, static_cast<uint32_t>(bytes.size()));
  elements_.append(bytes);
}

void ArrayLiteral::Add(std::string_view text) { Element(kTextOid, text); }

void ArrayLiteral::Add(int64_t value) {
  std::string b;
  const auto v = static_cast<uint64_t>(value);
  AppendInt32(b, static_cast<uint32_t>(v >> 32));
  AppendInt32(b, static_cast<uint32_t>(v));
  Element(kInt8Oid, b);
}

void ArrayLiteral::AddBytes(std::string_view bytes) { Element(kByteaOid, bytes); }

BinaryArray ArrayLiteral::Finish() const {
  if (count_ == 0) return BinaryArray{"{}", false};  // fits any array type
  std::string out;
  out.reserve(20 + elements_.size());
  AppendInt32(out, 1);      // dimensions
  AppendInt32(out, 0);      // no nulls
  AppendInt32(out, type_);  // element type
  AppendInt32(out, static_cast<uint32_t>(count_));
  AppendInt32(out, 1);  // lower bound
  out += elements_;
  return BinaryArray{std::move(out)};
}

std::string Rows::Text(int row, int col) const {
  const char* v = PQgetvalue(result_.get(), row, col);
  return std::string(v, static_cast<std::size_t>(PQgetlength(result_.get(), row, col)));
}

int64_t Rows::Int(int row, int col) const {
  return std::strtoll(PQgetvalue(result_.get(), row, col), nullptr, 10);
}

std::string Rows::Bytea(int row, int col) const {
  const char* v = PQgetvalue(result_.get(), row, col);
  std::size_t n = static_cast<std::size_t>(PQgetlength(result_.get(), row, col));
  CHECK(n >= 2 && v[0] == '\\' && v[1] == 'x');  // bytea_output = hex, set on connect
  std::string out;
  out.reserve((n - 2) / 2);
  for (std::size_t i = 2; i + 1 < n; i += 2) {
    int hi = HexValue(v[i]), lo = HexValue(v[i + 1]);
    CHECK(hi >= 0 && lo >= 0);
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

int64_t Rows::Affected() const {
  const char* n = PQcmdTuples(result_.get());
  return n && *n ? std::strtoll(n, nullptr, 10) : 0;
}

std::optional<std::string> WithDatabase(const std::string& conninfo, const std::string& dbname) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (options == nullptr) {
    PQfreemem(error);
    return std::nullopt;
  }
  auto quoted = [](std::string_view v) {
    std::string out = "'";
    for (char c : v) {
      if (c == '\\' || c == '\'') out.push_back('\\');
      out.push_back(c);
    }
    return out + "'";
  };
  std::string out = "dbname=" + quoted(dbname);
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || std::string_view(o->keyword) == "dbname") continue;
    out += std::string(" ") + o->keyword + "=" + quoted(o->val);
  }
  PQconninfoFree(options);
  return out;
}

Result<std::unique_ptr<Conn>, std::string> Conn::Open(const std::string& conninfo) {
  PGconn* raw = PQconnectdb(conninfo.c_str());
  if (raw == nullptr) return Err(std::string("out of memory connecting to PostgreSQL"));
  std::unique_ptr<Conn> conn(new Conn(raw));
  if (PQstatus(raw) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(raw);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    return Err("cannot connect to PostgreSQL: " + msg);
  }
  // The settings every refundd session relies on: UTC, hex bytea, no surprises in text quoting.
  auto set = conn->Simple(
      "SET TIME ZONE 'UTC'; SET bytea_output = 'hex'; SET standard_conforming_strings = on; "
      "SET application_name = 'refundd'; SET client_min_messages = warning");
  if (!set.ok()) return Err("cannot configure the PostgreSQL session: " + set.error().message);
  return conn;
}

Conn::~Conn() { PQfinish(conn_); }

StoreError Conn::ErrorOf(const PGresult* result) const {
  std::string message = result ? PQresultErrorMessage(result) : "";
  if (message.empty()) message = PQerrorMessage(conn_);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  if (PQstatus(conn_) != CONNECTION_OK) return {StoreErrorKind::kUnavailable, message};
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string_view code = state ? state : "";
  StoreErrorKind kind = StoreErrorKind::kUnavailable;
  // 40001 serialization failure, 40P01 deadlock, 55P03 lock timeout: retry the transaction.
  if (code.starts_with("40") || code == "55P03") kind = StoreErrorKind::kAborted;
  // 23: integrity constraints; 22: data the column refuses (e.g. a NUL in text).
  if (code.starts_with("23") || code.starts_with("22")) kind = StoreErrorKind::kConstraint;
  return {kind, (code.empty() ? "" : std::string(code) + " ") + message};
}

StoreResult<const std::string*> Conn::Prepared(const char* sql, int nparams) {
  auto it = prepared_.find(sql);
  if (it != prepared_.end()) return &it->second;
  std::string name = "s" + std::to_string(prepared_.size());
  PGresult* r = PQprepare(conn_, name.c_str(), sql, nparams, nullptr);
  Rows owned(r);
  if (PQresultStatus(r) != PGRES_COMMAND_OK) {
    StoreError e = ErrorOf(r);
    // The SQL is ours: a statement that does not compile is a bug, unless the server is gone.
    if (e.kind != StoreErrorKind::kUnavailable || !Broken()) {
      std::fprintf(stderr, "bad SQL (%s): %s\n", e.message.c_str(), sql);
    }
    return Err(e);
  }
  return &prepared_.emplace(sql, std::move(name)).first->second;
}

StoreResult<Rows> Conn::Exec(const char* sql, const Params& params) {
  auto name = Prepared(sql, params.size());
  if (!name.ok()) return Err(name.error());
  std::vector<const char*> values = params.Pointers();
  std::vector<int> lengths = params.Lengths(), formats = params.Formats();
  PGresult* r = PQexecPrepared(conn_, name.value()->c_str(), params.size(), values.data(),
                               lengths.empty() ? nullptr : lengths.data(),
                               formats.empty() ? nullptr : formats.data(), 0);
  Rows rows(r);
  ExecStatusType status = PQresultStatus(r);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return Err(ErrorOf(r));
  return rows;
}

StoreResult<Rows> Conn::Simple(const char* sql) {
  PGresult* r = PQexec(conn_, sql);
  Rows rows(r);
  ExecStatusType status = PQresultStatus(r);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return Err(ErrorOf(r));
  return rows;
}

StoreResult<std::vector<Rows>> Conn::Pipeline(const std::vector<Piped>& statements,
                                              int* failed_index) {
  if (failed_index) *failed_index = -1;
  std::vector<const std::string*> names;
  for (const Piped& s : statements) {
    auto name = Prepared(s.sql, s.params.size());
    if (!name.ok()) return Err(name.error());
    names.push_back(name.value());
  }
  if (PQenterPipelineMode(conn_) != 1) return Err(ErrorOf(nullptr));
  bool sent = true;
  for (std::size_t i = 0; i < statements.size() && sent; ++i) {
    const Params& params = statements[i].params;
    std::vector<const char*> values = params.Pointers();
    std::vector<int> lengths = params.Lengths(), formats = params.Formats();
    sent = PQsendQueryPrepared(conn_, names[i]->c_str(), params.size(), values.data(),
                               lengths.empty() ? nullptr : lengths.data(),
                               formats.empty() ? nullptr : formats.data(), 0) == 1;
  }
  sent = sent && PQpipelineSync(conn_) == 1;
  if (!sent) {
    StoreError e = ErrorOf(nullptr);
    (void)PQexitPipelineMode(conn_);
    return Err(e);
  }
  // Each statement's result is followed by a null; then comes the sync's result.
  std::vector<Rows> out;
  std::optional<StoreError> failed;
  for (std::size_t i = 0; i < statements.size(); ++i) {
    PGresult* r = PQgetResult(conn_);
    if (r == nullptr) {
      if (!failed && failed_index) *failed_index = static_cast<int>(i);
      failed = failed.value_or(ErrorOf(nullptr));
      break;
    }
    Rows rows(r);
    ExecStatusType status = PQresultStatus(r);
    if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
      out.push_back(std::move(rows));
    } else if (!failed) {
      if (failed_index) *failed_index = static_cast<int>(i);
      failed = status == PGRES_PIPELINE_ABORTED
                   ? StoreError{StoreErrorKind::kUnavailable, "pipeline aborted"}
                   : ErrorOf(r);
    }
    while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
  }
  for (int nulls = 0; nulls <= static_cast<int>(statements.size()) + 2;) {
    PGresult* r = PQgetResult(conn_);
    if (r == nullptr) {
      if (Broken()) break;
      ++nulls;
      continue;
    }
    ExecStatusType status = PQresultStatus(r);
    PQclear(r);
    if (status == PGRES_PIPELINE_SYNC) break;
  }
  (void)PQexitPipelineMode(conn_);
  if (failed) return Err(*failed);
  return out;
}

ReadSnapshot::ReadSnapshot(Conn& conn) : conn_(conn) {
  if (conn.InTransaction()) {
    error_.message = "a read connection was left inside a transaction";
    return;
  }
  auto begun = conn.Simple("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  if (begun.ok()) {
    begun_ = true;
  } else {
    error_ = begun.error();
  }
}

ReadSnapshot::~ReadSnapshot() {
  if (!begun_) return;
  if (!conn_.Simple("COMMIT").ok()) (void)conn_.Simple("ROLLBACK");
}

}  // namespace refundd::store::postgres
