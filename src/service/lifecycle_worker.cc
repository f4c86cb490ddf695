#include "service/lifecycle_worker.h"

#include <algorithm>
#include <chrono>

#include "base/thread_name.h"
#include "service/refunds.h"

namespace refundd::service {

LifecycleWorker::LifecycleWorker(store::Store& store, const Lifecycle& lifecycle,
                                 const Clock& clock, WorkerOptions options)
    : store_(store), lifecycle_(lifecycle), clock_(clock), options_(options) {}

LifecycleWorker::~LifecycleWorker() { Stop(); }

void LifecycleWorker::Start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { Loop(); });
}

void LifecycleWorker::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LifecycleWorker::Nudge() {
  {
    std::lock_guard lock(mu_);
    nudged_ = true;
  }
  cv_.notify_all();
}

int LifecycleWorker::RunOnce() {
  auto claimed = store_.ClaimDueRefundActions(clock_.NowMs(), options_.batch, options_.lease_ms);
  if (!claimed.ok()) return 0;
  for (const auto& action : claimed.value()) Settle(action);
  return static_cast<int>(claimed.value().size());
}

void LifecycleWorker::Loop() {
  NameThisThread("lifecycle");
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    int64_t wait_ms = options_.poll_ms;
    const int64_t now = clock_.NowMs();
    auto due = store_.NextRefundActionDueMs();
    int settled = 0;
    if (due.ok() && due.value()) {
      if (*due.value() <= now) {
        settled = RunOnce();
      } else {
        wait_ms = std::clamp<int64_t>(*due.value() - now, 1, options_.poll_ms);
      }
    }
    lock.lock();
    if (settled > 0) continue;
    cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [this] { return stopping_ || nudged_; });
    nudged_ = false;
  }
}

void LifecycleWorker::Settle(const store::RefundAction& action) {
  auto refund = store_.ReadRefund(action.merchant_id, action.refund_id);
  if (!refund.ok()) return;  // the lease runs out; it is tried again
  std::optional<processor::Answer> answer;
  if (refund.value() && (refund.value()->status == core::RefundStatus::kPending ||
                         refund.value()->status == core::RefundStatus::kSucceeded)) {
    auto payment = store_.ReadPayment(action.merchant_id, refund.value()->payment_id);
    if (!payment.ok() || !payment.value()) return;
    const processor::Order order = lifecycle_.OrderFor(*refund.value(), *payment.value());
    processor::Processor& p = lifecycle_.processor();
    answer = action.phase == "submit" ? p.Submit(order, clock_.NowMs())
                                      : p.Lookup(order, clock_.NowMs());
  }
  const Lifecycle& lifecycle = lifecycle_;
  const Clock& clock = clock_;
  (void)store_.SubmitAndWait([&](store::WriteTx& tx) {
    LifecycleTx ltx(tx, lifecycle);
    const int64_t now = clock.NowMs();
    auto current = ltx.LoadRefund(action.merchant_id, action.refund_id);
    if (!current.ok()) return false;
    if (!current.value() || !answer) {
      ltx.Schedule(action.merchant_id, action.refund_id, std::nullopt);  // nothing to watch
      return ltx.Flush(now).ok();
    }
    core::Refund r = std::move(*current.value());
    std::optional<core::RefundStatus> to;
    if (answer->state == processor::State::kSucceeded && r.status == core::RefundStatus::kPending) {
      to = core::RefundStatus::kSucceeded;
    }
    if (answer->state == processor::State::kFailed &&
        (r.status == core::RefundStatus::kPending || r.status == core::RefundStatus::kSucceeded)) {
      to = core::RefundStatus::kFailed;
    }
    if (to) {
      auto moved = TransitionRefund(ltx, r.merchant_id, r.id, *to, answer->failure_reason, now);
      if (!moved.ok()) return false;  // a store error: roll back, the lease brings it back
      r = std::move(moved).value().refund;
    }
    ltx.Schedule(r.merchant_id, r.id, lifecycle.ActionAfter(*answer, r, action, now));
    return ltx.Flush(now).ok();
  });
}

}  // namespace refundd::service
