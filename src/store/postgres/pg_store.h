#pragma once
// The PostgreSQL backend: several refundd nodes (processes) share one database.
//
// Writes: `writers` threads, each with its own connection, take whatever jobs are queued (up to
// max_batch) and run them as one transaction (PgWriteTx: rows locked as they are read, writes
// sent set-based with COMMIT in one round trip), then call each job's done(). A batch never waits
// for more work. One writer at a time gathers and runs a batch (gather_mu_); it lets the next one
// start when it sends its COMMIT, so batches stay large (a statement's fixed cost in the server is
// paid once per batch) while one batch's commit and fsync overlap the next batch's work. Across writers and nodes, the money invariant is kept by row locks: a job locks
// the payment (SELECT ... FOR UPDATE) before it decides, so two transactions never decide on the
// same payment at once (docs/scaling.md says why locks rather than conditional updates).
//
// Failures: a deadlock, serialization failure or lock timeout rolls the batch back and runs it
// again (up to kMaxAttempts); a write the server refuses (a constraint) runs the batch again one
// job per transaction so only that job fails; a lost connection answers done(false) for the batch
// (a lost COMMIT is an unknown outcome: the client retries with its idempotency key) and the
// writer reconnects with backoff. Reads, merchants and settings use a pool of other connections.
//
// Migrations run on Open(), under an advisory lock, so nodes starting together migrate once.

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/postgres/pg_conn.h"
#include "store/postgres/pg_tx.h"
#include "store/store.h"

namespace refundd::store::postgres {

struct PostgresOptions {
  std::string conninfo;  // postgresql://... or "host=... dbname=..."
  int writers = 4;       // writer connections (and threads)
  std::size_t max_batch = 256;
};

class PostgresStore final : public Store {
 public:
  static constexpr int kMaxAttempts = 8;
  // Expired idempotency records deleted per statement (PurgeIdempotency).
  static constexpr int kPurgeChunk = 1000;

  // Connects, applies pending migrations, starts the writers.
  static Result<std::unique_ptr<PostgresStore>, std::string> Open(const PostgresOptions& options);
  ~PostgresStore() override;

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
  void Close() override;

  // The lifecycle's part (store/outbox.h; pg_outbox.cc). Claims are leased with
  // UPDATE ... WHERE ... IN (SELECT ... FOR UPDATE SKIP LOCKED): each due row goes to one node.
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

  int schema_version() const { return schema_version_; }

 private:
  explicit PostgresStore(PostgresOptions options) : options_(std::move(options)) {}
  void WriterLoop(std::unique_ptr<Conn> conn);
  // Runs `jobs` in transactions until each is done or postponed (postponed ones are queued again).
  // `gather`, when given and held, is released when the batch's COMMIT is sent (or earlier).
  void RunBatch(std::unique_ptr<Conn>& conn, std::vector<WriteJob>& jobs,
                std::unique_lock<std::mutex>* gather = nullptr);
  enum class Outcome { kCommitted, kRetry, kRunAlone, kLost };
  // One attempt: BEGIN, each job, flush and COMMIT. Fills `postponed` with the jobs to run later
  // (only when the outcome is kCommitted).
  Outcome RunOnce(Conn& conn, std::vector<WriteJob>& jobs, std::vector<std::size_t>& postponed,
                  std::unique_lock<std::mutex>* gather);
  void Requeue(std::vector<WriteJob> jobs);

  // A connection from the pool (opened on demand), returned on destruction unless broken.
  class Pooled {
   public:
    Pooled(PostgresStore* store, std::unique_ptr<Conn> conn)
        : store_(store), conn_(std::move(conn)) {}
    Pooled(Pooled&&) = default;
    ~Pooled();
    Conn* get() { return conn_.get(); }

   private:
    PostgresStore* store_;
    std::unique_ptr<Conn> conn_;
  };
  Pooled Acquire();

  const PostgresOptions options_;
  int schema_version_ = 0;

  std::mutex gather_mu_;  // held by the writer gathering and running a batch, until its COMMIT
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<WriteJob> queue_;
  bool closing_ = false;
  std::vector<std::thread> writers_;

  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Conn>> idle_;
};

}  // namespace refundd::store::postgres
