#pragma once
// One writer's batch transaction on PostgreSQL: the WriteTx its jobs see.
//
// Reads go to the server (rows are locked as they are read: payments and refunds FOR UPDATE,
// idempotency keys claimed by inserting them), and everything read or written is kept in a
// batch-local cache. Writes stay in that cache until FlushAndCommit(), which sends them as a few
// set-based statements (one per table and kind, rows as arrays) and COMMIT in one pipeline, so a
// refund costs two round trips (claim the key, lock the payment) instead of six.
//
// Jobs roll back without savepoints: each change to the cache is journaled, and RollbackJob()
// undoes the job's journal (idempotency claims it inserted are deleted at flush). Later jobs in the
// batch see earlier jobs' writes through the cache.
//
// Locks across writers: the first job of a batch (which holds nothing yet) waits for rows other
// transactions hold; later jobs take rows with SKIP LOCKED, and a job that finds a row held
// elsewhere is postponed (its call fails with kAborted, job_postponed() is true): it runs again
// first in a later batch. So two batches never wait on each other in a cycle over payments.
//
// Any statement error aborts the server's transaction: broken() then holds the error, every later
// call returns it, and the writer rolls the batch back. Not thread-safe: one writer thread.

#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/postgres/pg_conn.h"
#include "store/store.h"

namespace refundd::store::postgres {

// The key of a batch's caches (payments, refunds, event sequences...): a merchant id and an id.
inline std::string SlotKey(const std::string& merchant_id, const std::string& id) {
  return merchant_id + '\n' + id;
}

class PgWriteTx final : public WriteTx {
 public:
  explicit PgWriteTx(Conn& conn) : conn_(conn) {}

  // The statement that reads the stored records of the batch's idempotency keys (merchant_id,
  // key) at once, sent with BEGIN in the batch's first round trip. TakeClaims() records what it
  // found; ClaimIdempotency() then answers from that. A key with no record is claimed
  // optimistically: its record is inserted (no ON CONFLICT) with the batch's other writes, so if
  // another transaction stored the same key meanwhile, that insert fails, the whole batch rolls
  // back (kAborted) and runs again, and then finds the record. A key that has a record is claimed
  // for real (its row locked) when a job asks for it. So a key used at two nodes at once executes
  // once, and a new key costs one row write instead of a placeholder and its update.
  static Conn::Piped FindAll(const std::vector<std::pair<std::string, std::string>>& keys);
  void TakeClaims(const std::vector<std::pair<std::string, std::string>>& keys, const Rows& rows);

  // The statements that lock the payments the batch's jobs named (WriteJob::lock_payment_id, as
  // (merchant_id, id)), sent after the claims in the batch's first round trip: `first` (the first
  // job's, which waits for its lock as LoadPaymentForUpdate would) FOR UPDATE, the `others` FOR
  // UPDATE SKIP LOCKED. TakeLocks() reads their
  // results back (results[from], ...): the rows locked become committed state in the cache, as if
  // LoadPaymentForUpdate had read them. A payment not locked there (held elsewhere, or none such)
  // is left to LoadPaymentForUpdate: the hints only save round trips.
  std::vector<Conn::Piped> LockAll(const std::pair<std::string, std::string>& first,
                                   const std::vector<std::pair<std::string, std::string>>& others);
  void TakeLocks(const std::vector<Rows>& results, std::size_t from);

  // Starts the next job of the batch; the first job waits for locks (see above).
  void BeginJob(bool wait_for_locks);
  // Keeps the job's writes (to be flushed), or drops them.
  void CommitJob() { journal_.clear(); }
  void RollbackJob();
  bool job_postponed() const { return postponed_; }
  const std::optional<StoreError>& broken() const { return broken_; }

  // Writes every kept job's changes and commits, in one round trip. On failure, *committed_unknown
  // says whether COMMIT itself was sent and its answer lost (the outcome is then unknown).
  // `before_send` runs just before the writes and COMMIT go to the server.
  StoreResult<bool> FlushAndCommit(bool* commit_unknown,
                                   const std::function<void()>& before_send = {});

  StoreResult<std::optional<core::Payment>> LoadPaymentForUpdate(
      const std::string& merchant_id, const std::string& payment_id) override;
  StoreResult<bool> InsertPayment(const core::Payment& payment) override;
  StoreResult<bool> UpdatePayment(const core::Payment& payment) override;
  StoreResult<std::optional<core::Refund>> LoadRefund(const std::string& merchant_id,
                                                      const std::string& refund_id) override;
  StoreResult<bool> InsertRefund(const core::Refund& refund) override;
  StoreResult<bool> UpdateRefund(const core::Refund& refund) override;
  StoreResult<std::optional<std::string>> FindAlias(const std::string& merchant_id,
                                                    const std::string& kind,
                                                    const std::string& alias) override;
  StoreResult<bool> InsertAlias(const Alias& alias) override;
  StoreResult<std::optional<core::IdempotencyRecord>> LoadIdempotency(
      const std::string& merchant_id, const std::string& key) override;
  StoreResult<std::optional<core::IdempotencyRecord>> ClaimIdempotency(
      const std::string& merchant_id, const std::string& key, int64_t now_ms) override;
  StoreResult<bool> PutIdempotency(const core::IdempotencyRecord& record) override;

  // The lifecycle's part (store/outbox.h), deferred and journaled like the rest (pg_outbox.cc).
  StoreResult<bool> PutRefundAction(const RefundAction& action) override;
  StoreResult<bool> DeleteRefundAction(const std::string& merchant_id,
                                       const std::string& refund_id) override;
  StoreResult<bool> InsertEvent(const OutboxEvent& event) override;
  StoreResult<bool> InsertDelivery(const Delivery& delivery) override;
  StoreResult<std::vector<WebhookEndpoint>> LoadWebhookEndpoints(
      const std::string& merchant_id, const std::string& dialect) override;
  StoreResult<std::optional<WebhookEndpoint>> LoadWebhookEndpoint(
      const std::string& merchant_id, const std::string& endpoint_id) override;
  StoreResult<bool> InsertWebhookEndpoint(const WebhookEndpoint& endpoint) override;
  StoreResult<bool> UpdateWebhookEndpoint(const WebhookEndpoint& endpoint) override;
  StoreResult<bool> DeleteWebhookEndpoint(const std::string& merchant_id,
                                          const std::string& endpoint_id) override;

 private:
  struct PaymentSlot {
    core::Payment payment;
    bool in_db = false;  // false: inserted by this batch
    bool dirty = false;
  };
  struct RefundSlot {
    core::Refund refund;
    bool in_db = false;
    bool dirty = false;
    uint64_t order = 0;  // insertion order of new refunds (their seq follows it)
  };
  struct AliasSlot {
    std::optional<std::string> object_id;  // nullopt: known absent
    bool is_new = false;
  };
  struct IdempotencySlot {
    std::optional<core::IdempotencyRecord> record;
    bool put = false;     // to be written at flush
    bool locked = false;  // claimed: its row is locked by this transaction
  };

  // Non-null when the job may not go on (the transaction is aborted, or the job is postponed).
  std::optional<StoreError> Stopped() const;
  StoreError Fail(StoreError error);  // records a statement error: the transaction is aborted
  StoreError Postpone();
  // Journals the current state of map[key] so that RollbackJob() restores it.
  template <typename Map>
  void Journal(Map& map, const std::string& key) {
    auto it = map.find(key);
    if (it == map.end()) {
      journal_.push_back([&map, key] { map.erase(key); });
    } else {
      journal_.push_back([&map, key, old = it->second] { map[key] = old; });
    }
  }
  StoreResult<PaymentSlot*> LockedPayment(const std::string& merchant_id, const std::string& id);
  StoreResult<RefundSlot*> LockedRefund(const std::string& merchant_id, const std::string& id);

  Conn& conn_;
  bool wait_for_locks_ = true;
  bool postponed_ = false;
  std::optional<StoreError> broken_;
  std::vector<std::function<void()>> journal_;

  std::unordered_map<std::string, PaymentSlot> payments_;  // merchant '\n' id
  std::unordered_map<std::string, RefundSlot> refunds_;
  std::unordered_map<std::string, AliasSlot> aliases_;     // merchant '\n' kind '\n' alias
  std::unordered_map<std::string, IdempotencySlot> idempotency_;  // merchant '\n' key
  std::set<std::string> claimed_;  // keys whose placeholder row this transaction inserted
  std::set<std::string> absent_;   // keys FindAll found no record of: claimed optimistically
  uint64_t next_order_ = 0;

  // LockAll()'s statements, for TakeLocks(): whether the SKIP LOCKED one was sent.
  bool lock_others_sent_ = false;

  // The lifecycle's rows (pg_outbox.cc).
  struct ActionSlot {
    std::optional<RefundAction> action;  // nullopt: none (deleted, or known absent)
    bool dirty = false;
  };
  struct EndpointSlot {
    std::optional<WebhookEndpoint> endpoint;  // nullopt: deleted
    bool in_db = false;
    bool dirty = false;
  };
  StoreResult<ActionSlot*> Action(const std::string& merchant_id, const std::string& refund_id);
  StoreResult<EndpointSlot*> Endpoint(const std::string& merchant_id, const std::string& id);
  // Appends the statements that write the lifecycle's rows to `out` (before COMMIT).
  void FlushOutbox(std::vector<Conn::Piped>& out) const;

  std::unordered_map<std::string, ActionSlot> actions_;        // refund_id
  std::vector<OutboxEvent> events_;                            // new, in order
  std::vector<Delivery> deliveries_;                           // new, in order
  std::unordered_map<std::string, EndpointSlot> endpoints_;    // merchant '\n' id
  std::set<std::string> endpoint_lists_;  // merchant '\n' dialect: all its endpoints are cached
};

}  // namespace refundd::store::postgres
