#pragma once
// The refund lifecycle inside write transactions: the processor's say on new refunds, and the
// outbox events of every refund change, committed in the same transaction as the change.
//
// How a change reaches the outbox: the Engine (and the lifecycle worker) run each job's writes
// through a LifecycleTx, a WriteTx that notes every refund inserted and every refund whose status
// an update changes. At the end of the job, Flush() renders each noted change with the refund's
// dialect Format (webhooks/format.h) into events, one delivery per event and target, and sets
// or clears the refund's action (when the lifecycle worker next asks the processor about it),
// all inside the job's transaction: a change without its event cannot commit, nor the reverse.
// No use case has to remember to publish anything.
//
// CreateRefund asks the processor (Lifecycle::DecideNew) for its instant answer when it runs under
// a LifecycleTx: the refund starts succeeded, failed (a synchronous decline: created and failed
// in the same transaction, its hold released) or pending.
//
// A change made by hand (a cancel, a sandbox "complete", a transition from the CLI) ends the
// processor's watch over the refund (its action is deleted); the worker and DecideNew set actions
// explicitly (Schedule()).
//
// Lifecycle is immutable after construction and thread-safe; a LifecycleTx lives for one run of
// one job's apply() on the writer thread.

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/payment.h"
#include "core/refund.h"
#include "processor/processor.h"
#include "store/store.h"
#include "store/write_tx_wrapper.h"
#include "webhooks/backoff.h"
#include "webhooks/format.h"

namespace refundd::service {

struct LifecycleOptions {
  // How long the worker waits before asking again about a refund the processor left pending
  // without saying when (a processor with no recheck hint).
  int64_t poll_ms = 60 * 1000;
  // Retries of processor calls that got no answer: refundd's exponential schedule, scaled.
  webhooks::RetryPolicy retry{1000, 5 * 60 * 1000, INT64_MAX / 4, 1.0};
};

class Lifecycle {
 public:
  // `processor` and `formats` must outlive the Lifecycle.
  Lifecycle(processor::Processor& processor, const webhooks::Formats& formats,
            LifecycleOptions options);

  // What a new refund becomes: its status (and failure reason) and its action.
  struct Decision {
    core::RefundStatus status = core::RefundStatus::kPending;
    std::string failure_reason;
    std::optional<store::RefundAction> action;
  };
  Decision DecideNew(const core::Payment& payment, const core::Refund& refund,
                     int64_t now_ms) const;

  // The order the processor sees for a refund of `payment`.
  processor::Order OrderFor(const core::Refund& refund, const core::Payment& payment) const;

  // The action after an answer about a refund now in `status`; nullopt = nothing left to watch.
  // `previous` is the action that led to the call (attempts count the calls without answer).
  std::optional<store::RefundAction> ActionAfter(const processor::Answer& answer,
                                                 const core::Refund& refund,
                                                 const store::RefundAction& previous,
                                                 int64_t now_ms) const;

  // Writes one change's events (each with the snapshot its body is rendered from) and their
  // deliveries inside `tx`.
  store::StoreResult<bool> Publish(store::WriteTx& tx, const core::Refund& refund,
                                   const core::Payment& payment,
                                   std::optional<core::RefundStatus> from, int64_t now_ms) const;

  processor::Processor& processor() const { return processor_; }
  const webhooks::Formats& formats() const { return formats_; }
  const LifecycleOptions& options() const { return options_; }

 private:
  processor::Processor& processor_;
  const webhooks::Formats& formats_;
  const LifecycleOptions options_;
};

class LifecycleTx final : public store::WriteTxWrapper {
 public:
  LifecycleTx(store::WriteTx& inner, const Lifecycle& lifecycle)
      : WriteTxWrapper(inner), lifecycle_(lifecycle) {}

  // The LifecycleTx behind `tx`, or nullptr when `tx` is a plain transaction.
  static LifecycleTx* Of(store::WriteTx& tx) { return dynamic_cast<LifecycleTx*>(&tx); }

  const Lifecycle& lifecycle() const { return lifecycle_; }
  // Sets what Flush() does with the refund's action: put `action`, or delete it (nullopt).
  void Schedule(const std::string& merchant_id, const std::string& refund_id,
                std::optional<store::RefundAction> action);
  // Publishes every noted change and applies the actions. Call once, at the end of the job.
  store::StoreResult<bool> Flush(int64_t now_ms);

  // WriteTx: everything not overridden here goes to the inner transaction (WriteTxWrapper);
  // refund inserts and updates are noted.
  store::StoreResult<bool> InsertRefund(const core::Refund& refund) override;
  store::StoreResult<bool> UpdateRefund(const core::Refund& refund) override;

  // Payments are remembered as this job last loaded or wrote them, so that Flush() renders
  // events without loading them again.
  store::StoreResult<std::optional<core::Payment>> LoadPaymentForUpdate(
      const std::string& merchant_id, const std::string& payment_id) override;
  store::StoreResult<bool> InsertPayment(const core::Payment& payment) override;
  store::StoreResult<bool> UpdatePayment(const core::Payment& payment) override;

 private:
  struct Noted {
    core::Refund refund;  // as last written
    std::optional<core::RefundStatus> from;
  };
  const Lifecycle& lifecycle_;
  std::vector<Noted> changes_;
  struct Planned {
    std::string merchant_id;
    std::optional<store::RefundAction> action;  // nullopt: delete
  };
  std::unordered_map<std::string, Planned> schedule_;  // by refund id
  // The job's latest view of each payment it touched, by merchant id + '/' + payment id.
  std::unordered_map<std::string, core::Payment> payments_;
  void Remember(const core::Payment& payment);
  // Whether `refund_id` was inserted by this job (its first noted change has no `from`).
  bool CreatedInThisJob(const std::string& refund_id) const;
};

}  // namespace refundd::service
