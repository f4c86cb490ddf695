#include "store/memory/memory_store.h"

#include <algorithm>
#include <future>

#include "base/thread_name.h"
#include "store/memory/memory_tx.h"

namespace refundd::store::memory {

namespace {

StoreError Unavailable(std::string message) {
  return StoreError{StoreErrorKind::kUnavailable, std::move(message)};
}

// Rows of an ordered index (seq -> id) between the cursors' sequences, newest first unless
// `backwards`, at most limit + 1 of those `keep` accepts; the page's has_more and order as
// the SQL backends compute them.
template <typename T, typename Get, typename Keep>
std::pair<std::vector<T>, bool> Page(const std::map<int64_t, std::string>& order, int64_t after_seq,
                                     int64_t before_seq, bool backwards, int limit, Get get,
                                     Keep keep) {
  std::vector<T> out;
  auto take = [&](const std::pair<const int64_t, std::string>& entry) {
    if (entry.first >= after_seq || entry.first <= before_seq) return true;
    const T& row = get(entry.second);
    if (keep(row)) out.push_back(row);
    return static_cast<int>(out.size()) <= limit;
  };
  if (backwards) {
    for (auto it = order.begin(); it != order.end() && take(*it); ++it) {
    }
  } else {
    for (auto it = order.rbegin(); it != order.rend() && take(*it); ++it) {
    }
  }
  bool has_more = static_cast<int>(out.size()) > limit;
  if (has_more) out.pop_back();
  if (backwards) std::reverse(out.begin(), out.end());
  return {std::move(out), has_more};
}

}  // namespace

std::shared_ptr<MemoryDisk> NewDisk() { return std::make_shared<MemoryDisk>(); }

std::unique_ptr<MemoryStore> MemoryStore::Open(std::shared_ptr<MemoryDisk> disk) {
  std::unique_ptr<MemoryStore> store(new MemoryStore(std::move(disk)));
  store->writer_ = std::thread([s = store.get()] { s->WriterLoop(); });
  return store;
}

MemoryStore::MemoryStore(std::shared_ptr<MemoryDisk> disk) : disk_(std::move(disk)) {
  CHECK(disk_ != nullptr);
}

MemoryStore::~MemoryStore() { Close(); }

void MemoryStore::SetCommitHook(CommitHook hook) {
  std::lock_guard lock(state_mu_);
  hook_ = std::move(hook);
}

bool MemoryStore::fenced() const { return fenced_.load(); }

void MemoryStore::Submit(WriteJob job) {
  {
    std::lock_guard lock(queue_mu_);
    if (!closing_) {
      queue_.push_back(std::move(job));
      queue_cv_.notify_one();
      return;
    }
  }
  job.done(false);
}

void MemoryStore::Close() {
  {
    std::lock_guard lock(queue_mu_);
    closing_ = true;
  }
  queue_cv_.notify_all();
  if (writer_.joinable() && writer_.get_id() != std::this_thread::get_id()) writer_.join();
}

void MemoryStore::WriterLoop() {
  NameThisThread("memory-writer");
  for (;;) {
    std::vector<WriteJob> batch;
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [this] { return closing_ || !queue_.empty(); });
      if (queue_.empty()) return;  // closing, and every job submitted before is done
      while (!queue_.empty() && batch.size() < kMaxBatch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    RunBatch(batch);
  }
}

void MemoryStore::RunBatch(std::vector<WriteJob>& batch) {
  bool committed = false;
  if (!fenced_) {
    std::lock_guard lock(state_mu_);
    Tx tx(*disk_);
    batch_tx_ = &tx;
    for (WriteJob& job : batch) {
      const std::size_t mark = tx.undo().size();
      if (!job.apply(tx)) tx.undo().RollBackTo(mark);  // the job's savepoint
    }
    const CommitOutcome outcome = hook_ ? hook_(batch.size()) : CommitOutcome::kCommitted;
    switch (outcome) {
      case CommitOutcome::kCommitted:
        tx.undo().Forget();
        committed = true;
        break;
      case CommitOutcome::kFailed:
        tx.undo().RollBackTo(0);
        break;
      case CommitOutcome::kFsyncFailed:
        tx.undo().Forget();  // the writes may have reached the disk: they stay
        fenced_ = true;
        break;
    }
    batch_tx_ = nullptr;
  }
  for (WriteJob& job : batch) job.done(committed);
}

std::unique_lock<std::mutex> MemoryStore::LockForRead() const {
  if (std::this_thread::get_id() == writer_.get_id()) return {};
  return std::unique_lock(state_mu_);
}

StoreResult<bool> MemoryStore::Write(const std::function<StoreResult<bool>(Tx&)>& write) {
  if (fenced_) return Err(Unavailable("the store is fenced (a failed fsync)"));
  StoreResult<bool> result = false;
  bool committed = SubmitAndWait([&](WriteTx&) {
    result = write(*batch_tx_);
    return result.ok();
  });
  if (!result.ok()) return result;
  if (!committed) return Err(Unavailable("not committed"));
  return result;
}

// --- the request path -----------------------------------------------------------------------

StoreResult<std::optional<core::Payment>> MemoryStore::ReadPayment(const std::string& merchant_id,
                                                                   const std::string& payment_id) {
  auto lock = LockForRead();
  return Tx(*disk_).LoadPaymentForUpdate(merchant_id, payment_id);
}

StoreResult<std::optional<core::Refund>> MemoryStore::ReadRefund(const std::string& merchant_id,
                                                                 const std::string& refund_id) {
  auto lock = LockForRead();
  return Tx(*disk_).LoadRefund(merchant_id, refund_id);
}

StoreResult<std::optional<std::string>> MemoryStore::ReadAlias(const std::string& merchant_id,
                                                               const std::string& kind,
                                                               const std::string& alias) {
  auto lock = LockForRead();
  return Tx(*disk_).FindAlias(merchant_id, kind, alias);
}

StoreResult<RefundPage> MemoryStore::ListRefunds(const RefundListQuery& q) {
  auto lock = LockForRead();
  const MemoryDisk& d = *disk_;
  auto matches = [&](const core::Refund& r) {
    return r.merchant_id == q.merchant_id && (q.dialect.empty() || r.dialect == q.dialect);
  };
  // Cursors are refund ids of the same merchant (and dialect); an unknown cursor: an empty page.
  int64_t after_seq = INT64_MAX, before_seq = 0;
  for (const auto* cursor : {&q.starting_after, &q.ending_before}) {
    if (cursor->empty()) continue;
    auto it = d.refunds.find(*cursor);
    if (it == d.refunds.end() || !matches(it->second.refund)) return RefundPage{};
    (cursor == &q.starting_after ? after_seq : before_seq) = it->second.seq;
  }
  const bool backwards = !q.ending_before.empty() && q.starting_after.empty();
  auto [refunds, has_more] = Page<core::Refund>(
      d.refund_order, after_seq, before_seq, backwards, q.limit,
      [&](const std::string& id) -> const core::Refund& { return d.refunds.at(id).refund; },
      [&](const core::Refund& r) {
        return matches(r) && (q.payment_id.empty() || r.payment_id == q.payment_id);
      });
  return RefundPage{std::move(refunds), has_more};
}

StoreResult<std::optional<core::Credential>> MemoryStore::FindCredential(
    const std::string& dialect, const std::string& lookup) {
  auto lock = LockForRead();
  auto it = disk_->credentials.find({dialect, lookup});
  if (it == disk_->credentials.end()) return std::optional<core::Credential>();
  return std::optional<core::Credential>(it->second);
}

StoreResult<std::optional<std::string>> MemoryStore::GetMerchantSetting(
    const std::string& merchant_id, const std::string& name) {
  auto lock = LockForRead();
  auto it = disk_->settings.find({merchant_id, name});
  if (it == disk_->settings.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

// --- administration and audit ---------------------------------------------------------------

StoreResult<bool> MemoryStore::CreateMerchant(const core::Merchant& merchant,
                                              const std::vector<core::Credential>& credentials) {
  return Write([&](Tx& tx) -> StoreResult<bool> {
    MemoryDisk& d = tx.disk();
    if (d.merchants.count(merchant.id)) return Err(Constraint("merchant id exists"));
    for (const auto& [id, m] : d.merchants) {
      if (m.name == merchant.name) return Err(Constraint("merchant name exists"));
    }
    tx.undo().Put(d.merchants, merchant.id, merchant);
    for (const core::Credential& c : credentials) {
      if (d.credentials.count({c.dialect, c.lookup})) return Err(Constraint("credential exists"));
      tx.undo().Put(d.credentials, {c.dialect, c.lookup}, c);
    }
    return true;
  });
}

StoreResult<std::vector<core::Merchant>> MemoryStore::ListMerchants() {
  auto lock = LockForRead();
  std::vector<core::Merchant> out;
  for (const auto& [id, m] : disk_->merchants) out.push_back(m);
  return out;
}

StoreResult<std::optional<core::Merchant>> MemoryStore::FindMerchantByName(
    const std::string& name) {
  auto lock = LockForRead();
  for (const auto& [id, m] : disk_->merchants) {
    if (m.name == name) return std::optional<core::Merchant>(m);
  }
  return std::optional<core::Merchant>();
}

StoreResult<bool> MemoryStore::SetMerchantSetting(const std::string& merchant_id,
                                                  const std::string& name,
                                                  const std::string& value) {
  return Write([&](Tx& tx) -> StoreResult<bool> {
    if (!tx.disk().merchants.count(merchant_id)) return Err(Constraint("no such merchant"));
    tx.undo().Put(tx.disk().settings, {merchant_id, name}, value);
    return true;
  });
}

StoreResult<std::vector<PaymentWithRefunds>> MemoryStore::ScanPayments(
    const std::string& after_merchant_id, const std::string& after_payment_id, int limit) {
  auto lock = LockForRead();
  const MemoryDisk& d = *disk_;
  std::vector<PaymentWithRefunds> out;
  std::map<Key2, std::size_t> index;  // (merchant, payment) -> out[i]
  for (auto it = d.payments.upper_bound({after_merchant_id, after_payment_id});
       it != d.payments.end() && static_cast<int>(out.size()) < limit; ++it) {
    index.emplace(it->first, out.size());
    out.push_back({it->second, {}});
  }
  for (const auto& [seq, id] : d.refund_order) {  // oldest first
    const core::Refund& r = d.refunds.at(id).refund;
    auto found = index.find({r.merchant_id, r.payment_id});
    if (found != index.end()) out[found->second].refunds.push_back(r);
  }
  return out;
}

StoreResult<std::vector<core::Refund>> MemoryStore::ScanRefundsWithoutPayment(int limit) {
  auto lock = LockForRead();
  std::vector<core::Refund> out;
  for (const auto& [id, stored] : disk_->refunds) {
    const core::Refund& r = stored.refund;
    if (!disk_->payments.count({r.merchant_id, r.payment_id})) out.push_back(r);
  }
  std::sort(out.begin(), out.end(), [](const core::Refund& a, const core::Refund& b) {
    return std::tie(a.merchant_id, a.id) < std::tie(b.merchant_id, b.id);
  });
  if (static_cast<int>(out.size()) > limit) out.resize(static_cast<std::size_t>(limit));
  return out;
}

StoreResult<int64_t> MemoryStore::PurgeIdempotency(int64_t before_ms) {
  int64_t total = 0;
  for (;;) {
    int64_t chunk = 0;
    auto written = Write([&](Tx& tx) -> StoreResult<bool> {
      std::vector<Key2> expired;
      for (const auto& [key, record] : tx.disk().idempotency) {
        if (record.created_ms < before_ms) expired.push_back(key);
        if (static_cast<int>(expired.size()) == kPurgeChunk) break;
      }
      for (const Key2& key : expired) tx.undo().Erase(tx.disk().idempotency, key);
      chunk = static_cast<int64_t>(expired.size());
      return true;
    });
    if (!written.ok()) return Err(written.error());
    total += chunk;
    if (chunk < kPurgeChunk) return total;
  }
}

}  // namespace refundd::store::memory
