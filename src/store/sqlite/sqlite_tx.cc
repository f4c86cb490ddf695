#include "store/sqlite/sqlite_tx.h"

#include "store/codec.h"

namespace refundd::store::sqlite {

namespace {

core::Currency CurrencyOf(const std::string& code) {
  auto c = core::FindCurrency(code);
  CHECK(c.has_value());  // only codes the core accepted are ever written
  return *c;
}

constexpr const char* kPaymentColumns =
    "id, merchant_id, dialect, currency, amount_minor, captured_minor, refunded_minor, "
    "pending_minor, status, capture_method, payment_method, description, metadata, "
    "cancellation_reason, created_ms, updated_ms, canceled_ms, attrs, parts";

core::Payment ReadPaymentRow(const Stmt& s) {
  core::Payment p;
  p.id = s.Text(0);
  p.merchant_id = s.Text(1);
  p.dialect = s.Text(2);
  p.currency = CurrencyOf(s.Text(3));
  p.amount_minor = s.Int(4);
  p.captured_minor = s.Int(5);
  p.refunded_minor = s.Int(6);
  p.pending_minor = s.Int(7);
  CHECK(core::ParsePaymentStatus(s.Text(8), p.status));
  p.capture_method = s.Text(9);
  p.payment_method = s.Text(10);
  p.description = s.Text(11);
  p.metadata = DecodeMetadata(s.Text(12));
  p.cancellation_reason = s.Text(13);
  p.created_ms = s.Int(14);
  p.updated_ms = s.Int(15);
  p.canceled_ms = s.Int(16);
  p.attrs = s.Text(17);
  p.parts = DecodeParts(s.Text(18));
  CHECK(p.Consistent());
  return p;
}

core::Refund ReadRefundRow(const Stmt& s) {
  core::Refund r;
  r.id = s.Text(0);
  r.merchant_id = s.Text(1);
  r.payment_id = s.Text(2);
  r.dialect = s.Text(3);
  r.currency = CurrencyOf(s.Text(4));
  r.amount_minor = s.Int(5);
  CHECK(core::ParseRefundStatus(s.Text(6), r.status));
  r.reason = s.Text(7);
  r.metadata = DecodeMetadata(s.Text(8));
  r.failure_reason = s.Text(9);
  r.created_ms = s.Int(10);
  r.updated_ms = s.Int(11);
  r.attrs = s.Text(12);
  r.parts = DecodePartAmounts(s.Text(13));
  return r;
}

#define REFUND_COLUMNS                                                                      \
  "id, merchant_id, payment_id, dialect, currency, amount_minor, status, reason, metadata, " \
  "failure_reason, created_ms, updated_ms, attrs, parts"

}  // namespace

StoreResult<std::optional<core::Payment>> QueryPayment(Db& db, const std::string& merchant_id,
                                                       const std::string& payment_id) {
  static const std::string sql =
      std::string("SELECT ") + kPaymentColumns + " FROM payments WHERE id = ?1 AND merchant_id = ?2";
  Stmt s = db.Prepare(sql.c_str());
  s.Bind(1, payment_id).Bind(2, merchant_id);
  auto row = s.Step();
  if (!row.ok()) return Err(row.error());
  if (!row.value()) return std::optional<core::Payment>();
  return std::optional<core::Payment>(ReadPaymentRow(s));
}

StoreResult<std::optional<core::Refund>> QueryRefund(Db& db, const std::string& merchant_id,
                                                     const std::string& refund_id) {
  Stmt s = db.Prepare("SELECT " REFUND_COLUMNS " FROM refunds WHERE id = ?1 AND merchant_id = ?2");
  s.Bind(1, refund_id).Bind(2, merchant_id);
  auto row = s.Step();
  if (!row.ok()) return Err(row.error());
  if (!row.value()) return std::optional<core::Refund>();
  return std::optional<core::Refund>(ReadRefundRow(s));
}

StoreResult<std::optional<std::string>> QueryAlias(Db& db, const std::string& merchant_id,
                                                   const std::string& kind,
                                                   const std::string& alias) {
  Stmt s = db.Prepare(
      "SELECT object_id FROM aliases WHERE merchant_id = ?1 AND kind = ?2 AND alias = ?3");
  s.Bind(1, merchant_id).Bind(2, kind).Bind(3, alias);
  auto row = s.Step();
  if (!row.ok()) return Err(row.error());
  if (!row.value()) return std::optional<std::string>();
  return std::optional<std::string>(s.Text(0));
}

const char* RefundPageSql(bool by_payment, bool backwards) {
  // A payment's refunds are found through refunds_by_payment, so a separate statement: with
  // "(?2 = '' OR payment_id = ?2)" SQLite plans once for both cases and walks every refund of the
  // merchant. The dialect is filtered here, not by the caller, so that LIMIT counts only
  // matching rows. ?2 is bound (and unused) in the merchant-wide statements too.
#define REFUND_PAGE(where, order)                                                        \
  "SELECT " REFUND_COLUMNS " FROM refunds WHERE merchant_id = ?1 AND " where             \
  " AND seq < ?3 AND seq > ?4 AND (?6 = '' OR dialect = ?6) ORDER BY seq " order " LIMIT ?5"
  static const char* const sql[2][2] = {
      {REFUND_PAGE("?2 = ''", "DESC"), REFUND_PAGE("?2 = ''", "ASC")},
      {REFUND_PAGE("payment_id = ?2", "DESC"), REFUND_PAGE("payment_id = ?2", "ASC")},
  };
#undef REFUND_PAGE
  return sql[by_payment ? 1 : 0][backwards ? 1 : 0];
}

StoreResult<RefundPage> QueryRefundPage(Db& db, const RefundListQuery& q) {
  // Cursors are refund ids of the same merchant; an unknown cursor yields an empty page.
  int64_t after_seq = INT64_MAX, before_seq = 0;
  for (const auto* cursor : {&q.starting_after, &q.ending_before}) {
    if (cursor->empty()) continue;
    Stmt c = db.Prepare(
        "SELECT seq FROM refunds WHERE id = ?1 AND merchant_id = ?2 AND (?3 = '' OR dialect = ?3)");
    c.Bind(1, *cursor).Bind(2, q.merchant_id).Bind(3, q.dialect);
    auto row = c.Step();
    if (!row.ok()) return Err(row.error());
    if (!row.value()) return RefundPage{};
    (cursor == &q.starting_after ? after_seq : before_seq) = c.Int(0);
  }
  const bool backwards = !q.ending_before.empty() && q.starting_after.empty();
  Stmt s = db.Prepare(RefundPageSql(!q.payment_id.empty(), backwards));
  s.Bind(1, q.merchant_id).Bind(2, q.payment_id).Bind(3, after_seq).Bind(4, before_seq);
  s.Bind(5, static_cast<int64_t>(q.limit) + 1).Bind(6, q.dialect);
  RefundPage page;
  for (;;) {
    auto row = s.Step();
    if (!row.ok()) return Err(row.error());
    if (!row.value()) break;
    page.refunds.push_back(ReadRefundRow(s));
  }
  if (static_cast<int>(page.refunds.size()) > q.limit) {
    page.has_more = true;
    page.refunds.pop_back();
  }
  if (backwards) std::reverse(page.refunds.begin(), page.refunds.end());
  return page;
}

StoreResult<std::vector<PaymentWithRefunds>> QueryPaymentsWithRefunds(
    Db& db, const std::string& after_merchant_id, const std::string& after_payment_id,
    int limit) {
  static const std::string sql = std::string("SELECT ") + kPaymentColumns +
                                 " FROM payments WHERE (merchant_id, id) > (?1, ?2) "
                                 "ORDER BY merchant_id, id LIMIT ?3";
  std::vector<PaymentWithRefunds> out;
  {
    Stmt s = db.Prepare(sql.c_str());
    s.Bind(1, after_merchant_id).Bind(2, after_payment_id).Bind(3, int64_t{limit});
    for (;;) {
      auto row = s.Step();
      if (!row.ok()) return Err(row.error());
      if (!row.value()) break;
      out.push_back({ReadPaymentRow(s), {}});
    }
  }
  for (auto& item : out) {
    Stmt s = db.Prepare("SELECT " REFUND_COLUMNS
                        " FROM refunds WHERE payment_id = ?1 AND merchant_id = ?2 ORDER BY seq");
    s.Bind(1, item.payment.id).Bind(2, item.payment.merchant_id);
    for (;;) {
      auto row = s.Step();
      if (!row.ok()) return Err(row.error());
      if (!row.value()) break;
      item.refunds.push_back(ReadRefundRow(s));
    }
  }
  return out;
}

StoreResult<std::vector<core::Refund>> QueryRefundsWithoutPayment(Db& db, int limit) {
  Stmt s = db.Prepare("SELECT " REFUND_COLUMNS " FROM refunds AS r WHERE NOT EXISTS (SELECT 1 "
                      "FROM payments AS p WHERE p.merchant_id = r.merchant_id AND "
                      "p.id = r.payment_id) ORDER BY merchant_id, id LIMIT ?1");
  s.Bind(1, int64_t{limit});
  std::vector<core::Refund> out;
  for (;;) {
    auto row = s.Step();
    if (!row.ok()) return Err(row.error());
    if (!row.value()) return out;
    out.push_back(ReadRefundRow(s));
  }
}

StoreResult<std::optional<core::Payment>> SqliteWriteTx::LoadPaymentForUpdate(
    const std::string& merchant_id, const std::string& payment_id) {
  // One writer holds the database's write lock for the whole batch: no row lock is needed.
  return QueryPayment(db_, merchant_id, payment_id);
}

StoreResult<bool> SqliteWriteTx::InsertPayment(const core::Payment& p) {
  static const std::string sql = std::string("INSERT INTO payments (") + kPaymentColumns +
                                 ") VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,"
                                 "?16,?17,?18,?19)";
  CHECK(p.Consistent());
  Stmt s = db_.Prepare(sql.c_str());
  s.Bind(1, p.id).Bind(2, p.merchant_id).Bind(3, p.dialect).Bind(4, p.currency.code);
  s.Bind(5, p.amount_minor).Bind(6, p.captured_minor).Bind(7, p.refunded_minor);
  s.Bind(8, p.pending_minor).Bind(9, core::PaymentStatusName(p.status));
  s.Bind(10, p.capture_method).Bind(11, p.payment_method).Bind(12, p.description);
  s.Bind(13, EncodeMetadata(p.metadata)).Bind(14, p.cancellation_reason);
  s.Bind(15, p.created_ms).Bind(16, p.updated_ms).Bind(17, p.canceled_ms).Bind(18, p.attrs);
  s.Bind(19, EncodeParts(p.parts));
  auto r = s.Exec();
  if (!r.ok()) return Err(r.error());
  return true;
}

StoreResult<bool> SqliteWriteTx::UpdatePayment(const core::Payment& p) {
  CHECK(p.Consistent());
  Stmt s = db_.Prepare(
      "UPDATE payments SET amount_minor = ?3, captured_minor = ?4, refunded_minor = ?5, "
      "pending_minor = ?6, status = ?7, metadata = ?8, cancellation_reason = ?9, "
      "updated_ms = ?10, canceled_ms = ?11, attrs = ?12, payment_method = ?13, parts = ?14 "
      "WHERE id = ?1 AND merchant_id = ?2");
  s.Bind(1, p.id).Bind(2, p.merchant_id).Bind(3, p.amount_minor).Bind(4, p.captured_minor);
  s.Bind(5, p.refunded_minor).Bind(6, p.pending_minor).Bind(7, core::PaymentStatusName(p.status));
  s.Bind(8, EncodeMetadata(p.metadata)).Bind(9, p.cancellation_reason).Bind(10, p.updated_ms);
  s.Bind(11, p.canceled_ms).Bind(12, p.attrs).Bind(13, p.payment_method);
  s.Bind(14, EncodeParts(p.parts));
  auto r = s.Exec();
  if (!r.ok()) return Err(r.error());
  return r.value() == 1;
}

StoreResult<std::optional<core::Refund>> SqliteWriteTx::LoadRefund(const std::string& merchant_id,
                                                                   const std::string& refund_id) {
  return QueryRefund(db_, merchant_id, refund_id);
}

StoreResult<bool> SqliteWriteTx::InsertRefund(const core::Refund& r) {
  // The foreign key names payments(id) alone (ids are unique across merchants here); the EXISTS
  // also refuses a refund naming another merchant's payment, as PostgreSQL's store does.
  Stmt s = db_.Prepare("INSERT INTO refunds (" REFUND_COLUMNS
                       ") SELECT ?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14 WHERE EXISTS "
                       "(SELECT 1 FROM payments WHERE id = ?3 AND merchant_id = ?2)");
  s.Bind(1, r.id).Bind(2, r.merchant_id).Bind(3, r.payment_id).Bind(4, r.dialect);
  s.Bind(5, r.currency.code).Bind(6, r.amount_minor).Bind(7, core::RefundStatusName(r.status));
  s.Bind(8, r.reason).Bind(9, EncodeMetadata(r.metadata)).Bind(10, r.failure_reason);
  s.Bind(11, r.created_ms).Bind(12, r.updated_ms).Bind(13, r.attrs);
  s.Bind(14, EncodePartAmounts(r.parts));
  auto res = s.Exec();
  if (!res.ok()) return Err(res.error());
  if (res.value() == 0) {
    return Err(StoreError{StoreErrorKind::kConstraint,
                          "refund " + r.id + ": no payment " + r.payment_id});
  }
  return true;
}

StoreResult<bool> SqliteWriteTx::UpdateRefund(const core::Refund& r) {
  Stmt s = db_.Prepare(
      "UPDATE refunds SET status = ?3, metadata = ?4, failure_reason = ?5, updated_ms = ?6, "
      "attrs = ?7 WHERE id = ?1 AND merchant_id = ?2");
  s.Bind(1, r.id).Bind(2, r.merchant_id).Bind(3, core::RefundStatusName(r.status));
  s.Bind(4, EncodeMetadata(r.metadata)).Bind(5, r.failure_reason).Bind(6, r.updated_ms);
  s.Bind(7, r.attrs);
  auto res = s.Exec();
  if (!res.ok()) return Err(res.error());
  return res.value() == 1;
}

StoreResult<std::optional<std::string>> SqliteWriteTx::FindAlias(const std::string& merchant_id,
                                                                 const std::string& kind,
                                                                 const std::string& alias) {
  return QueryAlias(db_, merchant_id, kind, alias);
}

StoreResult<bool> SqliteWriteTx::InsertAlias(const Alias& a) {
  Stmt s = db_.Prepare(
      "INSERT INTO aliases (merchant_id, kind, alias, object_id) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT DO NOTHING");
  s.Bind(1, a.merchant_id).Bind(2, a.kind).Bind(3, a.alias).Bind(4, a.object_id);
  auto res = s.Exec();
  if (!res.ok()) return Err(res.error());
  return res.value() == 1;
}

StoreResult<std::optional<core::IdempotencyRecord>> SqliteWriteTx::LoadIdempotency(
    const std::string& merchant_id, const std::string& key) {
  Stmt s = db_.Prepare(
      "SELECT fingerprint, status, content_type, body, created_ms FROM idempotency "
      "WHERE merchant_id = ?1 AND key = ?2");
  s.Bind(1, merchant_id).Bind(2, key);
  auto row = s.Step();
  if (!row.ok()) return Err(row.error());
  if (!row.value()) return std::optional<core::IdempotencyRecord>();
  core::IdempotencyRecord r;
  r.merchant_id = merchant_id;
  r.key = key;
  r.fingerprint = s.Text(0);
  r.status = static_cast<int>(s.Int(1));
  r.content_type = s.Text(2);
  r.body = s.Text(3);
  r.created_ms = s.Int(4);
  return std::optional<core::IdempotencyRecord>(std::move(r));
}

StoreResult<std::optional<core::IdempotencyRecord>> SqliteWriteTx::ClaimIdempotency(
    const std::string& merchant_id, const std::string& key, int64_t /*now_ms*/) {
  return LoadIdempotency(merchant_id, key);
}

StoreResult<bool> SqliteWriteTx::PutIdempotency(const core::IdempotencyRecord& r) {
  Stmt s = db_.Prepare(
      "INSERT OR REPLACE INTO idempotency (merchant_id, key, fingerprint, status, content_type, "
      "body, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  s.Bind(1, r.merchant_id).Bind(2, r.key).Bind(3, r.fingerprint).Bind(4, int64_t{r.status});
  s.Bind(5, r.content_type).Bind(6, r.body).Bind(7, r.created_ms);
  auto res = s.Exec();
  if (!res.ok()) return Err(res.error());
  return true;
}

}  // namespace refundd::store::sqlite
