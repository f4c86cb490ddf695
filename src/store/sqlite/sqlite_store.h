#pragma once
// The embedded backend: one SQLite database file in WAL mode.
//
// One writer thread owns the write connection. It takes every job waiting in its queue (up to
// kMaxBatch), runs them in one transaction and commits; if a job fails, the transaction is rolled
// back and the batch runs again with each job in its own savepoint. A batch never
// waits for more work to arrive, so at low load a batch is one job and latency is one fsync.
//
// Durability is pipelined: the write connection runs with synchronous=NORMAL (a commit writes its
// WAL frames without fsync) and a syncer thread fdatasyncs the WAL file, then calls done(true) for
// every job committed before that fdatasync began. So the writer runs the next batch while the
// previous one is being made durable, and one fsync covers every batch committed meanwhile. No job
// is answered before its commit is on disk, exactly as with synchronous=FULL; other readers may
// see a commit up to one fsync before it is durable (never its answer). SQLite's WAL checksums
// chain frame to frame, so a later commit can never survive a crash without the earlier ones.
// Without a WAL file to sync (e.g. it cannot be opened), the writer falls back to
// synchronous=FULL and answers after its own commit.
//
// Failures: a batch that fails to write or commit (a full disk) is rolled back and its jobs
// answered done(false); the next batch tries again, so writes resume once there is space. A
// failed fdatasync fences the store: see WritesRefused().
//
// Reads use a pool of separate connections (WAL readers never block the writer). Several
// processes may open the same file (the CLI's `merchants create` while `serve` runs): SQLite's
// file lock and busy timeout serialize writers.
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/db.h"
#include "store/store.h"

namespace refundd::store::sqlite {

class SqliteStore final : public Store {
 public:
  static constexpr std::size_t kMaxBatch = 512;
  // Commits between two checkpoint passes (see CheckpointLoop).
  static constexpr int kCommitsPerCheckpoint = 8;
  // Expired idempotency records deleted per write job (PurgeIdempotency).
  static constexpr int kPurgeChunk = 1000;
  // WAL frames (of 4 KiB pages) past which the writer checkpoints the rest between two batches so
  // that the WAL starts over (64 MiB), and past which it waits to (128 MiB): RestartWalIfLong.
  static constexpr int kWalRestartFrames = 16384;
  static constexpr int kWalLimitFrames = 2 * kWalRestartFrames;

  // Opens or creates `path`, applies pending migrations, starts the writer.
  static Result<std::unique_ptr<SqliteStore>, std::string> Open(const std::string& path);
  ~SqliteStore() override;

  void Submit(WriteJob job) override;
  StoreResult<std::optional<core::Payment>> ReadPayment(const std::string& merchant_id,
                                                        const std::string& payment_id) override;
  StoreResult<std::optional<core::Refund>> ReadRefund(const std::string& merchant_id,
                                                      const std::string& refund_id) override;
  StoreResult<std::optional<std::string>> ReadAlias(const std::string& merchant_id,
                                                    const std::string& kind,
                                                    const std::string& alias) override;
  StoreResult<RefundPage> ListRefunds(const RefundListQuery& query) override;
  StoreResult<bool> CreateMerchant(const core::Merchant& merchant,
                                   const std::vector<core::Credential>& credentials) override;
  StoreResult<std::vector<core::Merchant>> ListMerchants() override;
  StoreResult<std::optional<core::Credential>> FindCredential(const std::string& dialect,
                                                              const std::string& lookup) override;
  StoreResult<std::optional<core::Merchant>> FindMerchantByName(const std::string& name) override;
  StoreResult<std::optional<std::string>> GetMerchantSetting(const std::string& merchant_id,
                                                             const std::string& name) override;
  StoreResult<bool> SetMerchantSetting(const std::string& merchant_id, const std::string& name,
                                       const std::string& value) override;
  StoreResult<std::vector<PaymentWithRefunds>> ScanPayments(const std::string& after_merchant_id,
                                                            const std::string& after_payment_id,
                                                            int limit) override;
  StoreResult<std::vector<core::Refund>> ScanRefundsWithoutPayment(int limit) override;
  StoreResult<int64_t> PurgeIdempotency(int64_t before_ms) override;

  // The lifecycle (store/outbox.h), in sqlite_outbox.cc.
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
  void Close() override;

  // Why the store refuses every write until it is reopened (a failed fdatasync of the WAL: the
  // kernel may have dropped the pages it could not write), or "" while it accepts writes. A
  // failed write or commit (a full disk) fails only its batch and never fences the store.
  std::string WritesRefused();

  // The highest migration version applied.
  int schema_version() const { return schema_version_; }

 private:
  SqliteStore(std::string path, std::unique_ptr<Db> writer);
  void WriterLoop();
  // Runs and commits one batch; true when it committed (the jobs are not answered yet).
  bool RunBatch(std::vector<WriteJob>& batch);
  // Hands a committed batch's answers to the syncer (or answers at once without one).
  void AfterCommit(std::vector<WriteJob>& batch, bool committed);
  // Between batches: lets the WAL start over once it is long (see the .cc).
  void RestartWalIfLong();
  void SyncLoop();
  void OpenWalForSync();
  void CheckpointLoop();

  // A read connection from the pool (opened on demand), returned on destruction.
  class Reader;
  Reader AcquireReader();
  // sqlite_outbox.cc: f(Db&) on a pooled read connection (kUnavailable when none opens).
  template <typename F>
  auto WithReadConnection(F f) -> decltype(f(std::declval<Db&>()));

  const std::string path_;
  std::unique_ptr<Db> writer_db_;
  int schema_version_ = 0;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<WriteJob> queue_;
  bool closing_ = false;
  std::thread writer_;
  std::condition_variable checkpoint_cv_;  // guarded by queue_mu_
  int commits_since_checkpoint_ = 0;
  // Frames in the WAL after the writer's last commit (SQLite's WAL hook). Writer thread only.
  int wal_frames_ = 0;
  std::thread checkpointer_;
  std::mutex checkpoint_mu_;  // held for each checkpoint, by the checkpointer or the writer
  // The syncer (see the top of this file). Guarded by queue_mu_ except wal_fd_, set before the
  // threads start.
  int wal_fd_ = -1;
  std::condition_variable sync_cv_;
  std::vector<std::function<void(bool)>> unsynced_;
  bool writer_stopped_ = false;
  // WritesRefused(): set once, by the syncer, when an fdatasync fails. From then on no batch
  // runs, no job is answered as committed, and nothing is checkpointed (the WAL's pages in the
  // kernel may not be what was written; reopening recovers from what is on disk).
  std::string writes_refused_;
  // The writer's: the last batch failed to commit (logged once until one commits again).
  bool commits_failing_ = false;
  std::thread syncer_;

  std::mutex readers_mu_;
  std::vector<std::unique_ptr<Db>> idle_readers_;
};

}  // namespace refundd::store::sqlite
