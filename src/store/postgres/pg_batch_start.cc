// A batch's first round trip on PostgreSQL (pg_store.cc RunOnce sends it with BEGIN): the claim of
// every idempotency key the batch's jobs named, and the up-front locks of the payments they named
// (the first job's waiting, the others SKIP LOCKED).
// What comes back fills the batch's caches (pg_tx.h).
#include "store/postgres/pg_queries.h"
#include "store/postgres/pg_tx.h"

namespace refundd::store::postgres {

namespace {
constexpr const char* kClaimAllSql =
    "INSERT INTO idempotency (merchant_id, key, fingerprint, status, content_type, body, "
    "created_ms) SELECT m, k, '', 0, '', ''::bytea, $3 FROM unnest($1::text[], $2::text[]) "
    "WITH ORDINALITY AS u(m, k, ord) ORDER BY ord "
    "ON CONFLICT (merchant_id, key) DO UPDATE SET status = idempotency.status "
    "RETURNING merchant_id, key, fingerprint, status, content_type, body, created_ms";

}  // namespace

Conn::Piped PgWriteTx::ClaimAll(std::vector<std::pair<std::string, std::string>> keys,
                                int64_t now_ms) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  ArrayLiteral merchants, names;
  for (const auto& [merchant_id, key] : keys) {
    merchants.Add(merchant_id);
    names.Add(key);
  }
  return {kClaimAllSql, Params().Add(merchants.Finish()).Add(names.Finish()).Add(now_ms)};
}

void PgWriteTx::TakeClaims(const Rows& rows) {
  for (int i = 0; i < rows.size(); ++i) {
    std::string merchant_id = rows.Text(i, 0), key = rows.Text(i, 1);
    const std::string k = SlotKey(merchant_id, key);
    if (rows.Int(i, 3) == 0) {
      claimed_.insert(k);  // a placeholder of ours: the key is free and now held
      continue;
    }
    idempotency_[k] = IdempotencySlot{
        core::IdempotencyRecord{merchant_id, key, rows.Text(i, 2), static_cast<int>(rows.Int(i, 3)),
                                rows.Text(i, 4), rows.Bytea(i, 5), rows.Int(i, 6)},
        false, true};
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
