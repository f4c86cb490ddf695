#include "store/testing/fault_store.h"

#include <chrono>
#include <thread>

#include "store/write_tx_wrapper.h"

namespace refundd::store::faults {

namespace {

// Every write asks the FaultStore first; reads pass through.
class FaultTx final : public WriteTxWrapper {
 public:
  FaultTx(WriteTx& target, FaultStore& faults) : WriteTxWrapper(target), faults_(faults) {}

#define FAULTY(call)                                     \
  if (auto injected = faults_.OnWrite()) return Err(*injected); \
  return call

  StoreResult<bool> InsertPayment(const core::Payment& p) override {
    FAULTY(WriteTxWrapper::InsertPayment(p));
  }
  StoreResult<bool> UpdatePayment(const core::Payment& p) override {
    FAULTY(WriteTxWrapper::UpdatePayment(p));
  }
  StoreResult<bool> InsertRefund(const core::Refund& r) override {
    FAULTY(WriteTxWrapper::InsertRefund(r));
  }
  StoreResult<bool> UpdateRefund(const core::Refund& r) override {
    FAULTY(WriteTxWrapper::UpdateRefund(r));
  }
  StoreResult<bool> InsertAlias(const Alias& a) override { FAULTY(WriteTxWrapper::InsertAlias(a)); }
  StoreResult<bool> PutIdempotency(const core::IdempotencyRecord& r) override {
    FAULTY(WriteTxWrapper::PutIdempotency(r));
  }
  StoreResult<bool> PutRefundAction(const RefundAction& a) override {
    FAULTY(WriteTxWrapper::PutRefundAction(a));
  }
  StoreResult<bool> DeleteRefundAction(const std::string& merchant_id,
                                       const std::string& refund_id) override {
    FAULTY(WriteTxWrapper::DeleteRefundAction(merchant_id, refund_id));
  }
  StoreResult<bool> InsertEvent(const OutboxEvent& e) override {
    FAULTY(WriteTxWrapper::InsertEvent(e));
  }
  StoreResult<bool> InsertDelivery(const Delivery& d) override {
    FAULTY(WriteTxWrapper::InsertDelivery(d));
  }
  StoreResult<bool> InsertWebhookEndpoint(const WebhookEndpoint& e) override {
    FAULTY(WriteTxWrapper::InsertWebhookEndpoint(e));
  }
  StoreResult<bool> UpdateWebhookEndpoint(const WebhookEndpoint& e) override {
    FAULTY(WriteTxWrapper::UpdateWebhookEndpoint(e));
  }
  StoreResult<bool> DeleteWebhookEndpoint(const std::string& merchant_id,
                                          const std::string& endpoint_id) override {
    FAULTY(WriteTxWrapper::DeleteWebhookEndpoint(merchant_id, endpoint_id));
  }
#undef FAULTY

 private:
  FaultStore& faults_;
};

}  // namespace

FaultStore::FaultStore(memory::MemoryStore& inner) : StoreWrapper(inner), inner_(inner) {
  inner_.SetCommitHook([this](std::size_t) { return OnCommit(); });
}

FaultStore::~FaultStore() { inner_.SetCommitHook(nullptr); }

void FaultStore::FailWrite(int64_t n) {
  std::lock_guard lock(mu_);
  fail_write_at_ = writes_ + n;
}

void FaultStore::FailCommit(int64_t n) {
  std::lock_guard lock(mu_);
  fail_commit_at_ = commits_ + n;
}

void FaultStore::FailFsync(int64_t n) {
  std::lock_guard lock(mu_);
  fail_fsync_at_ = commits_ + n;
}

void FaultStore::SlowCommits(int64_t delay_ms) {
  std::lock_guard lock(mu_);
  slow_commit_ms_ = delay_ms;
}

void FaultStore::Clear() {
  std::lock_guard lock(mu_);
  fail_write_at_ = fail_commit_at_ = fail_fsync_at_ = slow_commit_ms_ = 0;
}

int64_t FaultStore::writes() const {
  std::lock_guard lock(mu_);
  return writes_;
}

int64_t FaultStore::commits() const {
  std::lock_guard lock(mu_);
  return commits_;
}

void FaultStore::Submit(WriteJob job) {
  job.apply = [this, apply = std::move(job.apply)](WriteTx& tx) {
    FaultTx faulty(tx, *this);
    return apply(faulty);
  };
  StoreWrapper::Submit(std::move(job));
}

std::optional<StoreError> FaultStore::OnWrite() {
  std::lock_guard lock(mu_);
  if (++writes_ != fail_write_at_) return std::nullopt;
  fail_write_at_ = 0;
  return StoreError{StoreErrorKind::kUnavailable, "injected: write failed"};
}

memory::CommitOutcome FaultStore::OnCommit() {
  int64_t delay_ms = 0;
  memory::CommitOutcome outcome = memory::CommitOutcome::kCommitted;
  {
    std::lock_guard lock(mu_);
    ++commits_;
    delay_ms = slow_commit_ms_;
    if (commits_ == fail_commit_at_) {
      fail_commit_at_ = 0;
      outcome = memory::CommitOutcome::kFailed;
    } else if (commits_ == fail_fsync_at_) {
      fail_fsync_at_ = 0;
      outcome = memory::CommitOutcome::kFsyncFailed;
    }
  }
  if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
  return outcome;
}

}  // namespace refundd::store::faults
