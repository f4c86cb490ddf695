#include "store/postgres/pg_tx.h"

#include <algorithm>
#include <tuple>

#include "store/codec.h"
#include "store/postgres/pg_queries.h"

namespace refundd::store::postgres {

namespace {
constexpr const char* kClaimSql =
    "INSERT INTO idempotency (merchant_id, key, fingerprint, status, content_type, body, "
    "created_ms) VALUES ($1, $2, '', 0, '', ''::bytea, $3) "
    "ON CONFLICT (merchant_id, key) DO UPDATE SET status = idempotency.status "
    "RETURNING fingerprint, status, content_type, body, created_ms";

constexpr const char* kInsertPaymentsSql =
    "INSERT INTO payments (id, merchant_id, dialect, currency, amount_minor, captured_minor, "
    "refunded_minor, pending_minor, status, capture_method, payment_method, description, "
    "metadata, cancellation_reason, created_ms, updated_ms, canceled_ms, attrs, parts) "
    "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], "
    "$6::bigint[], $7::bigint[], $8::bigint[], $9::text[], $10::text[], $11::text[], $12::text[], "
    "$13::text[], $14::text[], $15::bigint[], $16::bigint[], $17::bigint[], $18::text[], "
    "$19::text[])";

constexpr const char* kUpdatePaymentsSql =
    "UPDATE payments AS p SET amount_minor = u.amount_minor, captured_minor = u.captured_minor, "
    "refunded_minor = u.refunded_minor, pending_minor = u.pending_minor, status = u.status, "
    "metadata = u.metadata, cancellation_reason = u.cancellation_reason, "
    "updated_ms = u.updated_ms, canceled_ms = u.canceled_ms, attrs = u.attrs, "
    "payment_method = u.payment_method, parts = u.parts "
    "FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], "
    "$7::text[], $8::text[], $9::text[], $10::bigint[], $11::bigint[], $12::text[], $13::text[], "
    "$14::text[]) AS u(id, merchant_id, amount_minor, captured_minor, refunded_minor, "
    "pending_minor, status, metadata, cancellation_reason, updated_ms, canceled_ms, attrs, "
    "payment_method, parts) WHERE p.merchant_id = u.merchant_id AND p.id = u.id";

constexpr const char* kInsertRefundsSql =
    "INSERT INTO refunds (id, merchant_id, payment_id, dialect, currency, amount_minor, status, "
    "reason, metadata, failure_reason, created_ms, updated_ms, attrs, parts) "
    "SELECT id, merchant_id, payment_id, dialect, currency, amount_minor, status, reason, "
    "metadata, failure_reason, created_ms, updated_ms, attrs, parts "
    "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], "
    "$7::text[], $8::text[], $9::text[], $10::text[], $11::bigint[], $12::bigint[], $13::text[], "
    "$14::text[]) WITH ORDINALITY AS u(id, merchant_id, payment_id, dialect, currency, "
    "amount_minor, status, reason, metadata, failure_reason, created_ms, updated_ms, attrs, "
    "parts, ord) ORDER BY ord";

constexpr const char* kUpdateRefundsSql =
    "UPDATE refunds AS r SET status = u.status, metadata = u.metadata, "
    "failure_reason = u.failure_reason, updated_ms = u.updated_ms, attrs = u.attrs "
    "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], "
    "$7::text[]) AS u(id, merchant_id, status, metadata, failure_reason, updated_ms, attrs) "
    "WHERE r.merchant_id = u.merchant_id AND r.id = u.id";

constexpr const char* kInsertAliasesSql =
    "INSERT INTO aliases (merchant_id, kind, alias, object_id) "
    "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])";

// The idempotency records of a batch, as arrays ($1..$7), in the order given (ord).
#define IDEMPOTENCY_ROWS_SQL                                                            \
  "INSERT INTO idempotency (merchant_id, key, fingerprint, status, content_type, body, " \
  "created_ms) SELECT m, k, f, s, c, b, t FROM unnest($1::text[], $2::text[], "         \
  "$3::text[], $4::bigint[], $5::text[], $6::bytea[], $7::bigint[]) WITH ORDINALITY "   \
  "AS u(m, k, f, s, c, b, t, ord) ORDER BY ord"

constexpr const char* kPutIdempotencySql =
    IDEMPOTENCY_ROWS_SQL " ON CONFLICT (merchant_id, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, "
    "status = EXCLUDED.status, content_type = EXCLUDED.content_type, body = EXCLUDED.body, "
    "created_ms = EXCLUDED.created_ms";

// Records of keys nobody had stored when the batch began, in key order (two batches inserting
// overlapping keys wait for each other in the same order, so never in a cycle). No ON CONFLICT:
// a key stored by another transaction meanwhile fails the batch, which then runs again.
constexpr const char* kInsertIdempotencySql = IDEMPOTENCY_ROWS_SQL;

constexpr const char* kReleaseClaimsSql =
    "DELETE FROM idempotency WHERE status = 0 AND (merchant_id, key) IN "
    "(SELECT * FROM unnest($1::text[], $2::text[]))";

// The fields UpdatePayment and UpdateRefund change (the same as the SQLite backend's UPDATEs).
void CopyUpdatable(const core::Payment& from, core::Payment& to) {
  to.amount_minor = from.amount_minor;
  to.captured_minor = from.captured_minor;
  to.refunded_minor = from.refunded_minor;
  to.pending_minor = from.pending_minor;
  to.status = from.status;
  to.metadata = from.metadata;
  to.cancellation_reason = from.cancellation_reason;
  to.updated_ms = from.updated_ms;
  to.canceled_ms = from.canceled_ms;
  to.attrs = from.attrs;
  to.payment_method = from.payment_method;
  to.parts = from.parts;
}

void CopyUpdatable(const core::Refund& from, core::Refund& to) {
  to.status = from.status;
  to.metadata = from.metadata;
  to.failure_reason = from.failure_reason;
  to.updated_ms = from.updated_ms;
  to.attrs = from.attrs;
}
}  // namespace

void PgWriteTx::BeginJob(bool wait_for_locks) {
  wait_for_locks_ = wait_for_locks;
  postponed_ = false;
  journal_.clear();
}

void PgWriteTx::RollbackJob() {
  for (auto it = journal_.rbegin(); it != journal_.rend(); ++it) (*it)();
  journal_.clear();
}

std::optional<StoreError> PgWriteTx::Stopped() const {
  if (broken_) return broken_;
  if (postponed_) {
    return StoreError{StoreErrorKind::kAborted, "a row is held by another transaction"};
  }
  return std::nullopt;
}

StoreError PgWriteTx::Fail(StoreError error) {
  if (!broken_) broken_ = error;
  return error;
}

StoreError PgWriteTx::Postpone() {
  postponed_ = true;
  return *Stopped();
}

StoreResult<PgWriteTx::PaymentSlot*> PgWriteTx::LockedPayment(const std::string& merchant_id,
                                                               const std::string& id) {
  if (auto stop = Stopped()) return Err(*stop);
  const std::string key = SlotKey(merchant_id, id);
  auto it = payments_.find(key);
  if (it != payments_.end()) return &it->second;
  const Lock lock = wait_for_locks_ ? Lock::kWait : Lock::kSkip;
  StoreResult<std::optional<core::Payment>> row = QueryPayment(conn_, merchant_id, id, lock);
  if (!row.ok()) return Err(Fail(row.error()));
  if (!row.value()) {
    if (wait_for_locks_) return static_cast<PaymentSlot*>(nullptr);
    auto exists = PaymentExists(conn_, merchant_id, id);
    if (!exists.ok()) return Err(Fail(exists.error()));
    if (exists.value()) return Err(Postpone());
    return static_cast<PaymentSlot*>(nullptr);
  }
  // A row read and locked is committed state: it needs no journal entry.
  return &payments_.emplace(key, PaymentSlot{std::move(*row.value()), true, false})
              .first->second;
}

StoreResult<PgWriteTx::RefundSlot*> PgWriteTx::LockedRefund(const std::string& merchant_id,
                                                             const std::string& id) {
  if (auto stop = Stopped()) return Err(*stop);
  const std::string key = SlotKey(merchant_id, id);
  auto it = refunds_.find(key);
  if (it != refunds_.end()) return &it->second;
  auto row = QueryRefund(conn_, merchant_id, id, wait_for_locks_ ? Lock::kWait : Lock::kSkip);
  if (!row.ok()) return Err(Fail(row.error()));
  if (!row.value()) {
    if (wait_for_locks_) return static_cast<RefundSlot*>(nullptr);
    auto exists = RefundExists(conn_, merchant_id, id);
    if (!exists.ok()) return Err(Fail(exists.error()));
    if (exists.value()) return Err(Postpone());
    return static_cast<RefundSlot*>(nullptr);
  }
  return &refunds_.emplace(key, RefundSlot{std::move(*row.value()), true, false, 0})
              .first->second;
}

StoreResult<std::optional<core::Payment>> PgWriteTx::LoadPaymentForUpdate(
    const std::string& merchant_id, const std::string& payment_id) {
  auto slot = LockedPayment(merchant_id, payment_id);
  if (!slot.ok()) return Err(slot.error());
  if (!slot.value()) return std::optional<core::Payment>();
  return std::optional<core::Payment>(slot.value()->payment);
}

StoreResult<bool> PgWriteTx::InsertPayment(const core::Payment& payment) {
  CHECK(payment.Consistent());
  if (auto stop = Stopped()) return Err(*stop);
  const std::string key = SlotKey(payment.merchant_id, payment.id);
  if (payments_.count(key)) {
    return Err(StoreError{StoreErrorKind::kConstraint, "payment " + payment.id + " exists"});
  }
  // A payment that exists without this batch knowing it makes the flush fail; the batch is then
  // run again one job per transaction, and this job alone fails.
  Journal(payments_, key);
  payments_.emplace(key, PaymentSlot{payment, false, true});
  return true;
}

StoreResult<bool> PgWriteTx::UpdatePayment(const core::Payment& payment) {
  CHECK(payment.Consistent());
  auto slot = LockedPayment(payment.merchant_id, payment.id);
  if (!slot.ok()) return Err(slot.error());
  if (!slot.value()) return false;
  Journal(payments_, SlotKey(payment.merchant_id, payment.id));
  PaymentSlot& s = payments_.at(SlotKey(payment.merchant_id, payment.id));
  CopyUpdatable(payment, s.payment);
  s.dirty = true;
  return true;
}

StoreResult<std::optional<core::Refund>> PgWriteTx::LoadRefund(const std::string& merchant_id,
                                                               const std::string& refund_id) {
  auto slot = LockedRefund(merchant_id, refund_id);
  if (!slot.ok()) return Err(slot.error());
  if (!slot.value()) return std::optional<core::Refund>();
  return std::optional<core::Refund>(slot.value()->refund);
}

StoreResult<bool> PgWriteTx::InsertRefund(const core::Refund& refund) {
  if (auto stop = Stopped()) return Err(*stop);
  // The refund's payment must be a row this transaction holds: locked (FOR UPDATE, normally by
  // the job's LoadPaymentForUpdate already, so no round trip) or inserted by it. This is the
  // foreign key refunds -> payments, which migration 0009 dropped on PostgreSQL: its trigger ran
  // a lookup per refund row for a row the batch already holds locked, and payments are never
  // deleted, so once it is locked here it exists at COMMIT.
  auto payment = LockedPayment(refund.merchant_id, refund.payment_id);
  if (!payment.ok()) return Err(payment.error());
  if (!payment.value()) {
    return Err(StoreError{StoreErrorKind::kConstraint,
                          "refund " + refund.id + ": no payment " + refund.payment_id});
  }
  const std::string key = SlotKey(refund.merchant_id, refund.id);
  if (refunds_.count(key)) {
    return Err(StoreError{StoreErrorKind::kConstraint, "refund " + refund.id + " exists"});
  }
  Journal(refunds_, key);
  refunds_.emplace(key, RefundSlot{refund, false, true, next_order_++});
  return true;
}

StoreResult<bool> PgWriteTx::UpdateRefund(const core::Refund& refund) {
  auto slot = LockedRefund(refund.merchant_id, refund.id);
  if (!slot.ok()) return Err(slot.error());
  if (!slot.value()) return false;
  const std::string key = SlotKey(refund.merchant_id, refund.id);
  Journal(refunds_, key);
  RefundSlot& s = refunds_.at(key);
  CopyUpdatable(refund, s.refund);
  s.dirty = true;
  return true;
}

StoreResult<std::optional<std::string>> PgWriteTx::FindAlias(const std::string& merchant_id,
                                                             const std::string& kind,
                                                             const std::string& alias) {
  if (auto stop = Stopped()) return Err(*stop);
  const std::string key = SlotKey(SlotKey(merchant_id, kind), alias);
  auto it = aliases_.find(key);
  if (it != aliases_.end()) return it->second.object_id;
  auto row = QueryAlias(conn_, merchant_id, kind, alias);
  if (!row.ok()) return Err(Fail(row.error()));
  aliases_.emplace(key, AliasSlot{row.value(), false});
  return row.value();
}

StoreResult<bool> PgWriteTx::InsertAlias(const Alias& alias) {
  auto existing = FindAlias(alias.merchant_id, alias.kind, alias.alias);
  if (!existing.ok()) return Err(existing.error());
  if (existing.value()) return false;
  // Another transaction inserting the same alias at once makes the flush fail: the batch then
  // runs again one job per transaction, and this job sees that alias.
  const std::string key = SlotKey(SlotKey(alias.merchant_id, alias.kind), alias.alias);
  Journal(aliases_, key);
  aliases_[key] = AliasSlot{alias.object_id, true};
  return true;
}

StoreResult<std::optional<core::IdempotencyRecord>> PgWriteTx::LoadIdempotency(
    const std::string& merchant_id, const std::string& key) {
  if (auto stop = Stopped()) return Err(*stop);
  const std::string k = SlotKey(merchant_id, key);
  auto it = idempotency_.find(k);
  if (it != idempotency_.end()) return it->second.record;
  if (claimed_.count(k) || absent_.count(k)) return std::optional<core::IdempotencyRecord>();
  auto row = QueryIdempotency(conn_, merchant_id, key);
  if (!row.ok()) return Err(Fail(row.error()));
  idempotency_.emplace(k, IdempotencySlot{row.value(), false, false});
  return row.value();
}

StoreResult<std::optional<core::IdempotencyRecord>> PgWriteTx::ClaimIdempotency(
    const std::string& merchant_id, const std::string& key, int64_t now_ms) {
  if (auto stop = Stopped()) return Err(*stop);
  const std::string k = SlotKey(merchant_id, key);
  auto it = idempotency_.find(k);
  // Stored by an earlier job of this batch, or claimed (and so locked) earlier in it.
  if (it != idempotency_.end() && (it->second.put || it->second.locked)) return it->second.record;
  // No record when the batch began: its insert at commit is the claim (pg_tx.h FindAll).
  if (claimed_.count(k) || absent_.count(k)) return std::optional<core::IdempotencyRecord>();
  // Inserts a placeholder (status 0) or, when the key exists, locks its row and returns it; an
  // uncommitted insert of the same key by another transaction makes this wait for its outcome.
  auto rows = conn_.Exec(kClaimSql, Params().Add(merchant_id).Add(key).Add(now_ms));
  if (!rows.ok()) return Err(Fail(rows.error()));
  const Rows& r = rows.value();
  CHECK(r.size() == 1);
  if (r.Int(0, 1) == 0) {
    claimed_.insert(k);
    idempotency_.erase(k);  // a plain load earlier in the batch saw no row
    return std::optional<core::IdempotencyRecord>();
  }
  core::IdempotencyRecord record{merchant_id, key,          r.Text(0, 0), static_cast<int>(r.Int(0, 1)),
                                 r.Text(0, 2), r.Bytea(0, 3), r.Int(0, 4)};
  idempotency_[k] = IdempotencySlot{record, false, true};
  return std::optional<core::IdempotencyRecord>(std::move(record));
}

StoreResult<bool> PgWriteTx::PutIdempotency(const core::IdempotencyRecord& record) {
  if (auto stop = Stopped()) return Err(*stop);
  CHECK(record.status != 0);  // 0 marks an unanswered claim
  const std::string k = SlotKey(record.merchant_id, record.key);
  Journal(idempotency_, k);
  idempotency_[k] = IdempotencySlot{record, true, false};
  return true;
}

StoreResult<bool> PgWriteTx::FlushAndCommit(bool* commit_unknown,
                                            const std::function<void()>& before_send) {
  *commit_unknown = false;
  if (auto stop = Stopped()) return Err(*stop);
  std::vector<Conn::Piped> statements;
  int fresh_insert_at = -1;  // the index of kInsertIdempotencySql, when sent

  {  // payments: new ones inserted whole, known ones updated
    ArrayLiteral c[19];
    ArrayLiteral u[14];
    int inserts = 0, updates = 0;
    for (const auto& [key, slot] : payments_) {
      if (!slot.dirty) continue;
      const core::Payment& p = slot.payment;
      if (!slot.in_db) {
        ++inserts;
        c[0].Add(p.id), c[1].Add(p.merchant_id), c[2].Add(p.dialect), c[3].Add(p.currency.code);
        c[4].Add(p.amount_minor), c[5].Add(p.captured_minor), c[6].Add(p.refunded_minor);
        c[7].Add(p.pending_minor), c[8].Add(core::PaymentStatusName(p.status));
        c[9].Add(p.capture_method), c[10].Add(p.payment_method), c[11].Add(p.description);
        c[12].Add(EncodeMetadata(p.metadata)), c[13].Add(p.cancellation_reason);
        c[14].Add(p.created_ms), c[15].Add(p.updated_ms), c[16].Add(p.canceled_ms);
        c[17].Add(p.attrs), c[18].Add(EncodeParts(p.parts));
      } else {
        ++updates;
        u[0].Add(p.id), u[1].Add(p.merchant_id), u[2].Add(p.amount_minor);
        u[3].Add(p.captured_minor), u[4].Add(p.refunded_minor), u[5].Add(p.pending_minor);
        u[6].Add(core::PaymentStatusName(p.status)), u[7].Add(EncodeMetadata(p.metadata));
        u[8].Add(p.cancellation_reason), u[9].Add(p.updated_ms), u[10].Add(p.canceled_ms);
        u[11].Add(p.attrs), u[12].Add(p.payment_method), u[13].Add(EncodeParts(p.parts));
      }
    }
    if (inserts > 0) {
      Params params;
      for (auto& a : c) params.Add(a.Finish());
      statements.push_back({kInsertPaymentsSql, std::move(params)});
    }
    if (updates > 0) {
      Params params;
      for (auto& a : u) params.Add(a.Finish());
      statements.push_back({kUpdatePaymentsSql, std::move(params)});
    }
  }
  {  // refunds: new ones in the order they were inserted, then updates
    std::vector<const RefundSlot*> fresh;
    ArrayLiteral u[7];
    int updates = 0;
    for (const auto& [key, slot] : refunds_) {
      if (!slot.dirty) continue;
      if (!slot.in_db) {
        fresh.push_back(&slot);
        continue;
      }
      ++updates;
      const core::Refund& r = slot.refund;
      u[0].Add(r.id), u[1].Add(r.merchant_id), u[2].Add(core::RefundStatusName(r.status));
      u[3].Add(EncodeMetadata(r.metadata)), u[4].Add(r.failure_reason), u[5].Add(r.updated_ms);
      u[6].Add(r.attrs);
    }
    if (!fresh.empty()) {
      std::sort(fresh.begin(), fresh.end(),
                [](const RefundSlot* a, const RefundSlot* b) { return a->order < b->order; });
      ArrayLiteral c[14];
      for (const RefundSlot* slot : fresh) {
        const core::Refund& r = slot->refund;
        c[0].Add(r.id), c[1].Add(r.merchant_id), c[2].Add(r.payment_id), c[3].Add(r.dialect);
        c[4].Add(r.currency.code), c[5].Add(r.amount_minor);
        c[6].Add(core::RefundStatusName(r.status)), c[7].Add(r.reason);
        c[8].Add(EncodeMetadata(r.metadata)), c[9].Add(r.failure_reason);
        c[10].Add(r.created_ms), c[11].Add(r.updated_ms), c[12].Add(r.attrs);
        c[13].Add(EncodePartAmounts(r.parts));
      }
      Params params;
      for (auto& a : c) params.Add(a.Finish());
      statements.push_back({kInsertRefundsSql, std::move(params)});
    }
    if (updates > 0) {
      Params params;
      for (auto& a : u) params.Add(a.Finish());
      statements.push_back({kUpdateRefundsSql, std::move(params)});
    }
  }
  {  // aliases
    ArrayLiteral c[4];
    int count = 0;
    for (const auto& [key, slot] : aliases_) {
      if (!slot.is_new) continue;
      std::size_t a = key.find('\n'), b = key.find('\n', a + 1);
      c[0].Add(std::string_view(key).substr(0, a));
      c[1].Add(std::string_view(key).substr(a + 1, b - a - 1));
      c[2].Add(std::string_view(key).substr(b + 1));
      c[3].Add(*slot.object_id);
      ++count;
    }
    if (count > 0) {
      Params params;
      for (auto& a : c) params.Add(a.Finish());
      statements.push_back({kInsertAliasesSql, std::move(params)});
    }
  }
  {  // idempotency: answers stored, claims of rolled-back jobs released
    ArrayLiteral c[7], n[7];
    ArrayLiteral release_merchants, release_keys;
    int puts = 0, releases = 0;
    auto add = [](ArrayLiteral (&to)[7], const core::IdempotencyRecord& r) {
      to[0].Add(r.merchant_id), to[1].Add(r.key), to[2].Add(r.fingerprint);
      to[3].Add(int64_t{r.status}), to[4].Add(r.content_type), to[5].AddBytes(r.body);
      to[6].Add(r.created_ms);
    };
    std::vector<const core::IdempotencyRecord*> fresh;  // to insert, of keys in absent_
    for (const auto& [key, slot] : idempotency_) {
      if (!slot.put) continue;
      if (absent_.count(key) && !claimed_.count(key)) {
        fresh.push_back(&*slot.record);
      } else {
        add(c, *slot.record);
        ++puts;
      }
    }
    std::sort(fresh.begin(), fresh.end(), [](const auto* a, const auto* b) {
      return std::tie(a->merchant_id, a->key) < std::tie(b->merchant_id, b->key);
    });
    for (const core::IdempotencyRecord* r : fresh) add(n, *r);
    if (!fresh.empty()) {
      Params params;
      for (auto& a : n) params.Add(a.Finish());
      fresh_insert_at = static_cast<int>(statements.size());
      statements.push_back({kInsertIdempotencySql, std::move(params)});
    }
    for (const std::string& k : claimed_) {
      auto it = idempotency_.find(k);
      if (it != idempotency_.end() && it->second.put) continue;
      std::size_t a = k.find('\n');
      release_merchants.Add(std::string_view(k).substr(0, a));
      release_keys.Add(std::string_view(k).substr(a + 1));
      ++releases;
    }
    if (puts > 0) {
      Params params;
      for (auto& a : c) params.Add(a.Finish());
      statements.push_back({kPutIdempotencySql, std::move(params)});
    }
    if (releases > 0) {
      statements.push_back(
          {kReleaseClaimsSql, Params().Add(release_merchants.Finish()).Add(release_keys.Finish())});
    }
  }
  FlushOutbox(statements);
  const int writes = static_cast<int>(statements.size());
  statements.push_back({"COMMIT", Params()});
  int failed_at = -1;
  if (before_send) before_send();
  auto results = conn_.Pipeline(statements, &failed_at);
  if (!results.ok()) {
    // Only a COMMIT whose answer was lost leaves the outcome unknown; a failed write before it
    // means COMMIT never ran.
    *commit_unknown = failed_at == writes || (failed_at < 0 && conn_.Broken());
    if (failed_at >= 0 && failed_at == fresh_insert_at &&
        results.error().kind == StoreErrorKind::kConstraint) {
      // Another transaction stored one of the keys after this batch read them: run it again.
      return Err(Fail(StoreError{StoreErrorKind::kAborted,
                                 "an idempotency key was stored meanwhile: " +
                                     results.error().message}));
    }
    return Err(Fail(results.error()));
  }
  return true;
}

}  // namespace refundd::store::postgres
