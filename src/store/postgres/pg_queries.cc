#include "store/postgres/pg_queries.h"

#include <algorithm>

#include "store/codec.h"

namespace refundd::store::postgres {

const char* const kPaymentColumns =
    "id, merchant_id, dialect, currency, amount_minor, captured_minor, refunded_minor, "
    "pending_minor, status, capture_method, payment_method, description, metadata, "
    "cancellation_reason, created_ms, updated_ms, canceled_ms, attrs, parts";
const char* const kRefundColumns =
    "id, merchant_id, payment_id, dialect, currency, amount_minor, status, reason, metadata, "
    "failure_reason, created_ms, updated_ms, attrs, parts";

namespace {

core::Currency CurrencyOf(const std::string& code) {
  auto c = core::FindCurrency(code);
  CHECK(c.has_value());  // only codes the core accepted are ever written
  return *c;
}

core::Payment PaymentAt(const Rows& rows, int i) {
  core::Payment p;
  p.id = rows.Text(i, 0);
  p.merchant_id = rows.Text(i, 1);
  p.dialect = rows.Text(i, 2);
  p.currency = CurrencyOf(rows.Text(i, 3));
  p.amount_minor = rows.Int(i, 4);
  p.captured_minor = rows.Int(i, 5);
  p.refunded_minor = rows.Int(i, 6);
  p.pending_minor = rows.Int(i, 7);
  CHECK(core::ParsePaymentStatus(rows.Text(i, 8), p.status));
  p.capture_method = rows.Text(i, 9);
  p.payment_method = rows.Text(i, 10);
  p.description = rows.Text(i, 11);
  p.metadata = DecodeMetadata(rows.Text(i, 12));
  p.cancellation_reason = rows.Text(i, 13);
  p.created_ms = rows.Int(i, 14);
  p.updated_ms = rows.Int(i, 15);
  p.canceled_ms = rows.Int(i, 16);
  p.attrs = rows.Text(i, 17);
  p.parts = DecodeParts(rows.Text(i, 18));
  CHECK(p.Consistent());
  return p;
}

core::Refund RefundAt(const Rows& rows, int i) {
  core::Refund r;
  r.id = rows.Text(i, 0);
  r.merchant_id = rows.Text(i, 1);
  r.payment_id = rows.Text(i, 2);
  r.dialect = rows.Text(i, 3);
  r.currency = CurrencyOf(rows.Text(i, 4));
  r.amount_minor = rows.Int(i, 5);
  CHECK(core::ParseRefundStatus(rows.Text(i, 6), r.status));
  r.reason = rows.Text(i, 7);
  r.metadata = DecodeMetadata(rows.Text(i, 8));
  r.failure_reason = rows.Text(i, 9);
  r.created_ms = rows.Int(i, 10);
  r.updated_ms = rows.Int(i, 11);
  r.attrs = rows.Text(i, 12);
  r.parts = DecodePartAmounts(rows.Text(i, 13));
  return r;
}

std::string Sql(const char* head, const char* columns, const char* tail) {
  return std::string(head) + columns + tail;
}

}  // namespace

Conn::Piped PaymentStatement(const std::string& merchant_id, const std::string& payment_id,
                             Lock lock) {
  static const std::string sql[] = {
      Sql("SELECT ", kPaymentColumns, " FROM payments WHERE merchant_id = $1 AND id = $2"),
      Sql("SELECT ", kPaymentColumns,
          " FROM payments WHERE merchant_id = $1 AND id = $2 FOR UPDATE"),
      Sql("SELECT ", kPaymentColumns,
          " FROM payments WHERE merchant_id = $1 AND id = $2 FOR UPDATE SKIP LOCKED"),
  };
  return {sql[static_cast<int>(lock)].c_str(), Params().Add(merchant_id).Add(payment_id)};
}

std::optional<core::Payment> PaymentOf(const Rows& rows) {
  if (rows.size() == 0) return std::nullopt;
  return PaymentAt(rows, 0);
}

Conn::Piped PaymentsSkipLockedStatement(const ArrayLiteral& merchants, const ArrayLiteral& ids) {
  static const std::string sql =
      Sql("SELECT ", kPaymentColumns,
          " FROM payments WHERE (merchant_id, id) IN (SELECT * FROM unnest($1::text[], "
          "$2::text[])) ORDER BY merchant_id, id FOR UPDATE SKIP LOCKED");
  return {sql.c_str(), Params().Add(merchants.Finish()).Add(ids.Finish())};
}

std::vector<core::Payment> PaymentsOf(const Rows& rows) {
  std::vector<core::Payment> out;
  out.reserve(rows.size());
  for (int i = 0; i < rows.size(); ++i) out.push_back(PaymentAt(rows, i));
  return out;
}

StoreResult<std::optional<core::Payment>> QueryPayment(Conn& conn, const std::string& merchant_id,
                                                       const std::string& payment_id, Lock lock) {
  Conn::Piped statement = PaymentStatement(merchant_id, payment_id, lock);
  auto rows = conn.Exec(statement.sql, statement.params);
  if (!rows.ok()) return Err(rows.error());
  return PaymentOf(rows.value());
}

StoreResult<std::optional<core::Refund>> QueryRefund(Conn& conn, const std::string& merchant_id,
                                                     const std::string& refund_id, Lock lock) {
  static const std::string sql[] = {
      Sql("SELECT ", kRefundColumns, " FROM refunds WHERE merchant_id = $1 AND id = $2"),
      Sql("SELECT ", kRefundColumns, " FROM refunds WHERE merchant_id = $1 AND id = $2 FOR UPDATE"),
      Sql("SELECT ", kRefundColumns,
          " FROM refunds WHERE merchant_id = $1 AND id = $2 FOR UPDATE SKIP LOCKED"),
  };
  auto rows = conn.Exec(sql[static_cast<int>(lock)].c_str(), Params().Add(merchant_id).Add(refund_id));
  if (!rows.ok()) return Err(rows.error());
  if (rows.value().size() == 0) return std::optional<core::Refund>();
  return std::optional<core::Refund>(RefundAt(rows.value(), 0));
}

StoreResult<bool> PaymentExists(Conn& conn, const std::string& merchant_id,
                                const std::string& payment_id) {
  auto rows = conn.Exec("SELECT 1 FROM payments WHERE merchant_id = $1 AND id = $2",
                        Params().Add(merchant_id).Add(payment_id));
  if (!rows.ok()) return Err(rows.error());
  return rows.value().size() > 0;
}

StoreResult<bool> RefundExists(Conn& conn, const std::string& merchant_id,
                               const std::string& refund_id) {
  auto rows = conn.Exec("SELECT 1 FROM refunds WHERE merchant_id = $1 AND id = $2",
                        Params().Add(merchant_id).Add(refund_id));
  if (!rows.ok()) return Err(rows.error());
  return rows.value().size() > 0;
}

StoreResult<std::optional<std::string>> QueryAlias(Conn& conn, const std::string& merchant_id,
                                                   const std::string& kind,
                                                   const std::string& alias) {
  auto rows = conn.Exec(
      "SELECT object_id FROM aliases WHERE merchant_id = $1 AND kind = $2 AND alias = $3",
      Params().Add(merchant_id).Add(kind).Add(alias));
  if (!rows.ok()) return Err(rows.error());
  if (rows.value().size() == 0) return std::optional<std::string>();
  return std::optional<std::string>(rows.value().Text(0, 0));
}

StoreResult<std::optional<core::IdempotencyRecord>> QueryIdempotency(
    Conn& conn, const std::string& merchant_id, const std::string& key) {
  auto rows = conn.Exec(
      "SELECT fingerprint, status, content_type, body, created_ms FROM idempotency "
      "WHERE merchant_id = $1 AND key = $2",
      Params().Add(merchant_id).Add(key));
  if (!rows.ok()) return Err(rows.error());
  const Rows& r = rows.value();
  if (r.size() == 0) return std::optional<core::IdempotencyRecord>();
  return std::optional<core::IdempotencyRecord>(core::IdempotencyRecord{
      merchant_id, key, r.Text(0, 0), static_cast<int>(r.Int(0, 1)), r.Text(0, 2), r.Bytea(0, 3),
      r.Int(0, 4)});
}

const char* RefundPageSql(bool by_payment, bool backwards) {
  // A payment's refunds are found through refunds_by_payment, so a statement of its own: with
  // "($2 = '' OR payment_id = $2)" the generic plan of the prepared statement serves both cases
  // and walks every refund of the merchant. The dialect is filtered here, not by the caller, so
  // that LIMIT counts only matching rows. $2 is passed (and unused) to the merchant-wide ones.
  auto page = [](const char* where, const char* order) {
    return std::string("SELECT ") + kRefundColumns + " FROM refunds WHERE merchant_id = $1 AND " +
           where + " AND seq < $3 AND seq > $4 AND ($6 = '' OR dialect = $6) ORDER BY seq " +
           order + " LIMIT $5";
  };
  static const std::string sql[2][2] = {
      {page("$2::text = ''", "DESC"), page("$2::text = ''", "ASC")},
      {page("payment_id = $2", "DESC"), page("payment_id = $2", "ASC")},
  };
  return sql[by_payment ? 1 : 0][backwards ? 1 : 0].c_str();
}

StoreResult<RefundPage> QueryRefundPage(Conn& conn, const RefundListQuery& q) {
  // Cursors are refund ids of the same merchant; an unknown cursor yields an empty page.
  int64_t after_seq = INT64_MAX, before_seq = 0;
  for (const auto* cursor : {&q.starting_after, &q.ending_before}) {
    if (cursor->empty()) continue;
    auto rows = conn.Exec(
        "SELECT seq FROM refunds WHERE merchant_id = $1 AND id = $2 AND ($3 = '' OR dialect = $3)",
        Params().Add(q.merchant_id).Add(*cursor).Add(q.dialect));
    if (!rows.ok()) return Err(rows.error());
    if (rows.value().size() == 0) return RefundPage{};
    (cursor == &q.starting_after ? after_seq : before_seq) = rows.value().Int(0, 0);
  }
  const bool backwards = !q.ending_before.empty() && q.starting_after.empty();
  auto rows = conn.Exec(RefundPageSql(!q.payment_id.empty(), backwards),
                        Params().Add(q.merchant_id).Add(q.payment_id).Add(after_seq)
                            .Add(before_seq).Add(static_cast<int64_t>(q.limit) + 1)
                            .Add(q.dialect));
  if (!rows.ok()) return Err(rows.error());
  RefundPage page;
  for (int i = 0; i < rows.value().size(); ++i) page.refunds.push_back(RefundAt(rows.value(), i));
  if (static_cast<int>(page.refunds.size()) > q.limit) {
    page.has_more = true;
    page.refunds.pop_back();
  }
  if (backwards) std::reverse(page.refunds.begin(), page.refunds.end());
  return page;
}

StoreResult<std::vector<PaymentWithRefunds>> QueryPaymentsWithRefunds(
    Conn& conn, const std::string& after_merchant_id, const std::string& after_payment_id,
    int limit) {
  static const std::string payments_sql =
      Sql("SELECT ", kPaymentColumns,
          " FROM payments WHERE (merchant_id, id) > ($1, $2) ORDER BY merchant_id, id LIMIT $3");
  static const std::string refunds_sql =
      Sql("SELECT ", kRefundColumns,
          " FROM refunds WHERE (merchant_id, payment_id) IN "
          "(SELECT * FROM unnest($1::text[], $2::text[])) ORDER BY seq");
  auto rows = conn.Exec(payments_sql.c_str(),
                        Params().Add(after_merchant_id).Add(after_payment_id).Add(int64_t{limit}));
  if (!rows.ok()) return Err(rows.error());
  std::vector<PaymentWithRefunds> out;
  std::unordered_map<std::string, std::size_t> index;  // merchant '\n' payment -> out[i]
  ArrayLiteral merchants, payments;
  for (int i = 0; i < rows.value().size(); ++i) {
    out.push_back({PaymentAt(rows.value(), i), {}});
    const core::Payment& p = out.back().payment;
    index.emplace(p.merchant_id + '\n' + p.id, out.size() - 1);
    merchants.Add(p.merchant_id);
    payments.Add(p.id);
  }
  if (out.empty()) return out;
  auto refunds = conn.Exec(refunds_sql.c_str(),
                           Params().Add(merchants.Finish()).Add(payments.Finish()));
  if (!refunds.ok()) return Err(refunds.error());
  for (int i = 0; i < refunds.value().size(); ++i) {
    core::Refund r = RefundAt(refunds.value(), i);
    out[index.at(r.merchant_id + '\n' + r.payment_id)].refunds.push_back(std::move(r));
  }
  return out;
}

StoreResult<std::vector<core::Refund>> QueryRefundsWithoutPayment(Conn& conn, int limit) {
  static const std::string sql =
      Sql("SELECT ", kRefundColumns,
          " FROM refunds AS r WHERE NOT EXISTS (SELECT 1 FROM payments AS p WHERE "
          "p.merchant_id = r.merchant_id AND p.id = r.payment_id) ORDER BY merchant_id, id "
          "LIMIT $1");
  auto rows = conn.Exec(sql.c_str(), Params().Add(int64_t{limit}));
  if (!rows.ok()) return Err(rows.error());
  std::vector<core::Refund> out;
  for (int i = 0; i < rows.value().size(); ++i) out.push_back(RefundAt(rows.value(), i));
  return out;
}

}  // namespace refundd::store::postgres
