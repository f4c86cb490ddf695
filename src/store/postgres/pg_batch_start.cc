// A batch's first round trip on PostgreSQL (pg_store.cc RunOnce sends it with BEGIN): the stored
// records of every idempotency key the batch's jobs named (the rest are claimed optimistically:
// pg_tx.h), and the up-front locks of the payments they named (the first job's waiting, the others
// SKIP LOCKED).
// What comes back fills the batch's caches (pg_tx.h).
#include "store/postgres/pg_queries.h"
#include "store/postgres/pg_tx.h"

namespace refundd::store::postgres {

namespace {
// LATERAL: one probe of the (merchant_id, key) index per key, whatever the planner thinks of the
// arrays (a plain join chose a hash join over the whole table).
constexpr const char* kFindAllSql =
    "SELECT i.merchant_id, i.key, i.fingerprint, i.status, i.content_type, i.body, i.created_ms "
    "FROM unnest($1::text[], $2::text[]) AS u(m, k), LATERAL (SELECT * FROM idempotency AS x "
    "WHERE x.merchant_id = u.m AND x.key = u.k) AS i";

}  // namespace

Conn::Piped PgWriteTx::FindAll(const std::vector<std::pair<std::string, std::string>>& keys) {
  ArrayLiteral merchants, names;
  for (const auto& [merchant_id, key] : keys) {
    merchants.Add(merchant_id);
    names.Add(key);
  }
  return {kFindAllSql, Params().Add(merchants.Finish()).Add(names.Finish())};
}

void PgWriteTx::TakeClaims(const std::vector<std::pair<std::string, std::string>>& keys,
                           const Rows& rows) {
  for (const auto& [merchant_id, key] : keys) absent_.insert(SlotKey(merchant_id, key));
  for (int i = 0; i < rows.size(); ++i) {
    std::string merchant_id = rows.Text(i, 0), key = rows.Text(i, 1);
    const std::string k = SlotKey(merchant_id, key);
    absent_.erase(k);
    // Status 0 is another transaction's placeholder, which never commits: not a record. The row
    // is read, not locked: ClaimIdempotency locks it when a job claims the key.
    if (rows.Int(i, 3) == 0) continue;
    idempotency_[k] = IdempotencySlot{
        core::IdempotencyRecord{merchant_id, key, rows.Text(i, 2), static_cast<int>(rows.Int(i, 3)),
                                rows.Text(i, 4), rows.Bytea(i, 5), rows.Int(i, 6)},
        false, false};
  }
}

std::vector<Conn::Piped> PgWriteTx::LockAll(
    const std::pair<std::string, std::string>& first,
    const std::vector<std::pair<std::string, std::string>>& others) {
  std::vector<Conn::Piped> out;
  std::set<std::pair<std::string, std::string>> named;
  auto name = [&](const std::pair<std::string, std::string>& p) {
    return named.insert(p).second;
  };
  name(first);
  out.push_back(PaymentStatement(first.first, first.second, Lock::kWait));
  ArrayLiteral merchants, ids;
  int count = 0;
  for (const auto& p : others) {
    if (!name(p)) continue;
    merchants.Add(p.first), ids.Add(p.second);
    ++count;
  }
  lock_others_sent_ = count > 0;
  if (lock_others_sent_) out.push_back(PaymentsSkipLockedStatement(merchants, ids));
  return out;
}

void PgWriteTx::TakeLocks(const std::vector<Rows>& results, std::size_t from) {
  std::vector<core::Payment> locked;
  if (auto first = PaymentOf(results[from++])) locked.push_back(std::move(*first));
  if (lock_others_sent_) {
    for (core::Payment& p : PaymentsOf(results[from++])) locked.push_back(std::move(p));
  }
  for (core::Payment& p : locked) {
    std::string key = SlotKey(p.merchant_id, p.id);
    // A row read and locked is committed state: it needs no journal entry (no job changed it),
    // so a job rolled back later keeps it.
    payments_.emplace(std::move(key), PaymentSlot{std::move(p), true, false});
  }
}

}  // namespace refundd::store::postgres
