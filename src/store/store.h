#pragma once
// The Store contract: everything refundd persists, behind one interface that SQLite implements
// today and PostgreSQL later. Callers never see SQL.
//
// Writes go through Submit(): a WriteJob's apply() runs on the store's writer inside a batch
// transaction shared with other jobs (group commit: one fsync for many requests). A job that
// returns false rolls back only its own writes (a savepoint, or the batch runs again without it). After the
// batch commits durably, every job's done(true) is called; if the commit fails, done(false).
// Nothing may be answered to a client before done(true): that is what makes a 2xx durable.
//
// Inside apply(), the WriteTx sees the latest committed state plus the batch's earlier jobs, and
// no other writer can interleave (SQLite: one writer; PostgreSQL: row locks taken by
// LoadPaymentForUpdate and LoadRefund), so a check-then-write inside one job is atomic.
//
// apply() may run more than once for one job: SQLite runs a batch without savepoints first and
// runs it again with them when a job fails; a backend with several writers (PostgreSQL) rolls a
// job back and runs it again in a later transaction when a row it needs is held by another
// writer (the WriteTx call then fails with kAborted: return from apply() promptly) or when the
// database aborts the whole transaction (deadlock, serialization failure). Each run starts from
// rolled-back state, so apply() must not carry results across runs except through what it
// returns last; done() is called exactly once.
//
// Reads (Read*) run on the caller's thread on a separate connection and see committed data only.
// All methods are thread-safe.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "core/idempotency.h"
#include "core/merchant.h"
#include "core/payment.h"
#include "core/refund.h"
#include "store/outbox.h"

namespace refundd::store {

// Whether a failed store call may be retried, per STYLE.md.
enum class StoreErrorKind {
  kUnavailable,  // the database could not be reached or is busy: retry the call later
  kAborted,      // the transaction was rolled back (conflict): retry the whole transaction
  kUnknown,      // the outcome is unknown (commit may or may not have happened): look it up
  kConstraint,   // a uniqueness or check constraint refused the write: a bug or a race, not retried
};
struct StoreError {
  StoreErrorKind kind;
  std::string message;  // for logs; never contains secrets
};
template <typename T>
using StoreResult = Result<T, StoreError>;

// Aliases map a dialect's secondary ids (ch_..., ticket numbers, D24 integer ids) to the one
// internal payment or refund. Unique per (merchant, kind, alias).
struct Alias {
  std::string merchant_id;
  std::string kind;  // "charge", "kushki_ticket", ...
  std::string alias;
  std::string object_id;
};

// One page of a merchant's refunds. With `dialect` set, only that dialect's refunds count: the
// page is full (`limit` rows) whenever more of them exist, however many other dialects' refunds lie
// between, and a cursor naming another dialect's refund is unknown (an empty page), as any unknown
// cursor is.
struct RefundListQuery {
  std::string merchant_id;
  std::string payment_id;      // "" = all payments
  std::string starting_after;  // refund id cursor: older than it
  std::string ending_before;   // refund id cursor: newer than it
  int limit = 10;              // 1..100
  std::string dialect = "";    // "" = every dialect
};
struct RefundPage {
  std::vector<core::Refund> refunds;  // newest first
  bool has_more = false;
};

// A payment with every one of its refunds (oldest first), for `refundd verify`.
struct PaymentWithRefunds {
  core::Payment payment;
  std::vector<core::Refund> refunds;
};

// WriteTx and Store also carry the lifecycle's part of the contract (store/outbox.h).
class WriteTx : public OutboxWriteTx {
 public:
  virtual ~WriteTx() = default;
  virtual StoreResult<std::optional<core::Payment>> LoadPaymentForUpdate(
      const std::string& merchant_id, const std::string& payment_id) = 0;
  virtual StoreResult<bool> InsertPayment(const core::Payment& payment) = 0;
  virtual StoreResult<bool> UpdatePayment(const core::Payment& payment) = 0;
  virtual StoreResult<std::optional<core::Refund>> LoadRefund(const std::string& merchant_id,
                                                              const std::string& refund_id) = 0;
  virtual StoreResult<bool> InsertRefund(const core::Refund& refund) = 0;
  virtual StoreResult<bool> UpdateRefund(const core::Refund& refund) = 0;
  virtual StoreResult<std::optional<std::string>> FindAlias(const std::string& merchant_id,
                                                            const std::string& kind,
                                                            const std::string& alias) = 0;
  // false when the alias already exists.
  virtual StoreResult<bool> InsertAlias(const Alias& alias) = 0;
  virtual StoreResult<std::optional<core::IdempotencyRecord>> LoadIdempotency(
      const std::string& merchant_id, const std::string& key) = 0;
  // Takes the key (merchant_id, key) for this transaction and returns its stored record, if any.
  // A claim of the same key in another transaction (another node) waits until this one ends and
  // then sees what it committed, so a key used at two nodes at once executes once. After a claim
  // the job stores its answer with PutIdempotency; if the job rolls back, so does the claim.
  virtual StoreResult<std::optional<core::IdempotencyRecord>> ClaimIdempotency(
      const std::string& merchant_id, const std::string& key, int64_t now_ms) = 0;
  // Inserts or replaces (an expired record is replaced by a new one).
  virtual StoreResult<bool> PutIdempotency(const core::IdempotencyRecord& record) = 0;
};

struct WriteJob {
  std::function<bool(WriteTx&)> apply;       // writer thread; false = roll back this job
  std::function<void(bool committed)> done;  // writer thread; keep it short (post elsewhere)
  // Optional: the idempotency key apply() claims first, when it does. A backend may claim the
  // keys of a whole batch in one round trip before running it; ClaimIdempotency then answers
  // from what that found. Both empty when the job claims no key.
  std::string claim_merchant_id = {};
  std::string claim_key = {};
  // Optional: the payment apply() will lock (LoadPaymentForUpdate), when the caller knows it
  // before the job runs. A backend may lock the payments of a whole batch in one round trip
  // before running it. Only a hint: a wrong or missing one costs time, never correctness.
  std::string lock_merchant_id = {};
  std::string lock_payment_id = {};
};

class Store : public OutboxStore {
 public:
  virtual ~Store() = default;

  virtual void Submit(WriteJob job) = 0;
  // Runs one job in its own transaction and waits for it: for the CLI and tests.
  bool SubmitAndWait(std::function<bool(WriteTx&)> apply);

  virtual StoreResult<std::optional<core::Payment>> ReadPayment(const std::string& merchant_id,
                                                                const std::string& payment_id) = 0;
  virtual StoreResult<std::optional<core::Refund>> ReadRefund(const std::string& merchant_id,
                                                              const std::string& refund_id) = 0;
  virtual StoreResult<std::optional<std::string>> ReadAlias(const std::string& merchant_id,
                                                            const std::string& kind,
                                                            const std::string& alias) = 0;
  virtual StoreResult<RefundPage> ListRefunds(const RefundListQuery& query) = 0;

  virtual StoreResult<bool> CreateMerchant(const core::Merchant& merchant,
                                           const std::vector<core::Credential>& credentials) = 0;
  virtual StoreResult<std::vector<core::Merchant>> ListMerchants() = 0;
  virtual StoreResult<std::optional<core::Credential>> FindCredential(
      const std::string& dialect, const std::string& lookup) = 0;
  virtual StoreResult<std::optional<core::Merchant>> FindMerchantByName(
      const std::string& name) = 0;

  // Merchant settings by name; nullopt when unset. Set inserts or replaces.
  virtual StoreResult<std::optional<std::string>> GetMerchantSetting(
      const std::string& merchant_id, const std::string& name) = 0;
  virtual StoreResult<bool> SetMerchantSetting(const std::string& merchant_id,
                                               const std::string& name,
                                               const std::string& value) = 0;

  // Every payment of every merchant, in (merchant_id, id) order, `limit` at a time after the
  // cursor (merchant_id, payment_id) ("", "" for the first page), each with all its refunds.
  // Committed data only; for audits (`refundd verify`), not for the request path.
  virtual StoreResult<std::vector<PaymentWithRefunds>> ScanPayments(
      const std::string& after_merchant_id, const std::string& after_payment_id, int limit) = 0;
  // Up to `limit` refunds whose payment does not exist (none, unless the data was damaged from
  // outside: SQLite's foreign key forbids them, PostgreSQL's store inserts a refund only under
  // its payment's lock). For audits, like ScanPayments.
  virtual StoreResult<std::vector<core::Refund>> ScanRefundsWithoutPayment(int limit) = 0;

  // Deletes idempotency records created before `before_ms`, a bounded chunk per transaction so
  // that a large backlog never holds up the writes. Returns how many. Never deletes a record
  // created at or after `before_ms`; one may outlive it while records stored before it have not
  // expired yet (SQLite purges in the order records were stored: a clock that stepped back
  // delays, never hastens, a purge).
  virtual StoreResult<int64_t> PurgeIdempotency(int64_t before_ms) = 0;

  // Stops the writer after the jobs already submitted have committed; later Submit()s get
  // done(false). Idempotent.
  virtual void Close() = 0;
};

}  // namespace refundd::store
