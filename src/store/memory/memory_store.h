#pragma once
// MemoryStore: the whole Store contract (store.h, outbox.h) in memory, for tests and the seeded
// simulator. It passes the same StoreContract suite as SQLite and PostgreSQL.
//
// Making one, and "restarting" it:
//
//   std::shared_ptr<memory::MemoryDisk> disk = memory::NewDisk();  // what survives a restart
//   std::unique_ptr<memory::MemoryStore> store = memory::MemoryStore::Open(disk);
//   ...
//   store->Close();                               // or just destroy it
//   store = memory::MemoryStore::Open(disk);      // every committed write is still there
//
// One store at a time may be open on a disk (as one process owns a data directory).
//
// Writes: one writer thread, as SQLite's. It takes every queued job (up to kMaxBatch) and runs
// them one after the other in one batch; a job whose apply() returns false has its own writes
// undone (an undo log: the savepoint), the jobs before and after it keep theirs. Then the batch
// "commits" and every job's done(true) is called, outside the store's lock. apply() runs exactly
// once per job here.
//
// Faults: SetCommitHook (store/testing/fault_store.h drives it) decides, per batch and after its
// jobs ran, whether the commit succeeds, fails (every job done(false), nothing of the batch
// exists) or fails as an fdatasync would (every job done(false), the batch's writes stay, and the
// store is fenced: every later write is done(false) at once, and claims and administrative
// writes fail with kUnavailable, until a store is opened on the disk again). The hook may also
// block for a while (a slow commit).
//
// Reads take the store's lock and run between batches, so they see committed data only; a read
// made from inside apply() (on the writer thread) sees the batch so far. Claims, delivery
// attempts, merchants, settings and purges are writes: they run as jobs on the writer.
//
// Thread-safety: every method may be called from any thread.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "store/store.h"

namespace refundd::store::memory {

// Every table, opaque: what a MemoryStore keeps across Close() and Open().
struct MemoryDisk;
std::shared_ptr<MemoryDisk> NewDisk();

enum class CommitOutcome {
  kCommitted,
  kFailed,       // the commit failed: nothing of the batch exists; the store goes on
  kFsyncFailed,  // the batch stays, its jobs are not acknowledged, the store is fenced
};
// Called on the writer thread, with the store's lock held, once per batch after its jobs ran;
// `jobs` is the batch's size.
using CommitHook = std::function<CommitOutcome(std::size_t jobs)>;

class MemoryStore final : public Store {
 public:
  static constexpr std::size_t kMaxBatch = 512;
  static constexpr int kPurgeChunk = 1000;

  // Opens a store on `disk` and starts its writer. Never fails.
  static std::unique_ptr<MemoryStore> Open(std::shared_ptr<MemoryDisk> disk);
  ~MemoryStore() override;

  void SetCommitHook(CommitHook hook);
  // Whether a failed fdatasync fenced this store (then every write fails until reopened).
  bool fenced() const;

  void Submit(WriteJob job) override;
  void Close() override;

  StoreResult<std::optional<core::Payment>> ReadPayment(const std::string& merchant_id,
                                                        const std::string& payment_id) override;
  StoreResult<std::optional<core::Refund>> ReadRefund(const std::string& merchant_id,
                                                      const std::string& refund_id) override;
  StoreResult<std::optional<std::string>> ReadAlias(const std::string& merchant_id,
                                                    const std::string& kind,
                                                    const std::string& alias) override;
  StoreResult<RefundPage> ListRefunds(const RefundListQuery& query) override;
  StoreResult<std::optional<core::Credential>> FindCredential(const std::string& dialect,
                                                              const std::string& lookup) override;
  StoreResult<std::optional<std::string>> GetMerchantSetting(const std::string& merchant_id,
                                                             const std::string& name) override;

  StoreResult<bool> CreateMerchant(const core::Merchant& merchant,
                                   const std::vector<core::Credential>& credentials) override;
  StoreResult<std::vector<core::Merchant>> ListMerchants() override;
  StoreResult<std::optional<core::Merchant>> FindMerchantByName(const std::string& name) override;
  StoreResult<bool> SetMerchantSetting(const std::string& merchant_id, const std::string& name,
                                       const std::string& value) override;
  StoreResult<std::vector<PaymentWithRefunds>> ScanPayments(const std::string& after_merchant_id,
                                                            const std::string& after_payment_id,
                                                            int limit) override;
  StoreResult<std::vector<core::Refund>> ScanRefundsWithoutPayment(int limit) override;
  StoreResult<int64_t> PurgeIdempotency(int64_t before_ms) override;

  StoreResult<std::optional<int64_t>> NextRefundActionDueMs() override;
  StoreResult<std::vector<RefundAction>> ClaimDueRefundActions(int64_t now_ms, int limit,
                                                               int64_t lease_ms) override;
  StoreResult<std::optional<RefundAction>> ReadRefundAction(const std::string& merchant_id,
                                                            const std::string& refund_id) override;
  StoreResult<std::optional<int64_t>> NextDeliveryDueMs() override;
  StoreResult<std::vector<Delivery>> ClaimDueDeliveries(int64_t now_ms, int limit,
                                                        int64_t lease_ms) override;
  StoreResult<bool> RecordDeliveryAttempt(const DeliveryOutcome& outcome) override;
  StoreResult<int> RedeliverEvent(const std::string& merchant_id, const std::string& event_id,
                                  int64_t now_ms) override;
  StoreResult<std::optional<OutboxEvent>> ReadEvent(const std::string& merchant_id,
                                                    const std::string& event_id) override;
  StoreResult<EventPage> ListEvents(const EventListQuery& query) override;
  StoreResult<std::vector<Delivery>> ListDeliveries(const std::string& merchant_id,
                                                    const std::string& event_id) override;
  StoreResult<std::vector<DeliveryAttempt>> ListDeliveryAttempts(
      const std::string& delivery_id) override;
  StoreResult<std::optional<WebhookEndpoint>> ReadWebhookEndpoint(
      const std::string& merchant_id, const std::string& endpoint_id) override;
  StoreResult<std::vector<WebhookEndpoint>> ListWebhookEndpoints(
      const std::string& merchant_id, const std::string& dialect) override;
  StoreResult<std::optional<core::Credential>> FindMerchantCredential(
      const std::string& merchant_id, const std::string& dialect) override;

 private:
  class Tx;
  explicit MemoryStore(std::shared_ptr<MemoryDisk> disk);
  void WriterLoop();
  void RunBatch(std::vector<WriteJob>& batch);
  // The state lock for a read: held, except on the writer thread inside a batch (which holds it).
  std::unique_lock<std::mutex> LockForRead() const;
  // Runs `write` as one job on the writer and waits: kUnavailable when it did not commit.
  StoreResult<bool> Write(const std::function<StoreResult<bool>(Tx&)>& write);

  const std::shared_ptr<MemoryDisk> disk_;
  mutable std::mutex state_mu_;  // guards *disk_, hook_, batch_tx_
  CommitHook hook_;
  std::atomic<bool> fenced_{false};
  Tx* batch_tx_ = nullptr;  // during a batch (writer thread)

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<WriteJob> queue_;
  bool closing_ = false;
  std::thread writer_;
};

}  // namespace refundd::store::memory
