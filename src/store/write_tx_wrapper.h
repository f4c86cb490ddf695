#pragma once
// WriteTxWrapper: a WriteTx that forwards every call to another WriteTx (its target), the base of
// WriteTx decorators, as LevelDB's EnvWrapper is of Env decorators. Derive from it and override
// only the calls you change; call WriteTxWrapper::X (or target().X) to forward from an override.
// A method added to WriteTx is added here once, and every decorator forwards it.
//
// The target must outlive the wrapper. Not thread-safe, like the WriteTx it wraps (one job's
// apply() on the writer thread).

#include "store/store.h"

namespace refundd::store {

class WriteTxWrapper : public WriteTx {
 public:
  explicit WriteTxWrapper(WriteTx& target) : target_(target) {}

  WriteTx& target() const { return target_; }

  StoreResult<std::optional<core::Payment>> LoadPaymentForUpdate(
      const std::string& merchant_id, const std::string& payment_id) override {
    return target_.LoadPaymentForUpdate(merchant_id, payment_id);
  }
  StoreResult<bool> InsertPayment(const core::Payment& payment) override {
    return target_.InsertPayment(payment);
  }
  StoreResult<bool> UpdatePayment(const core::Payment& payment) override {
    return target_.UpdatePayment(payment);
  }
  StoreResult<std::optional<core::Refund>> LoadRefund(const std::string& merchant_id,
                                                      const std::string& refund_id) override {
    return target_.LoadRefund(merchant_id, refund_id);
  }
  StoreResult<bool> InsertRefund(const core::Refund& refund) override {
    return target_.InsertRefund(refund);
  }
  StoreResult<bool> UpdateRefund(const core::Refund& refund) override {
    return target_.UpdateRefund(refund);
  }
  StoreResult<std::optional<std::string>> FindAlias(const std::string& merchant_id,
                                                    const std::string& kind,
                                                    const std::string& alias) override {
    return target_.FindAlias(merchant_id, kind, alias);
  }
  StoreResult<bool> InsertAlias(const Alias& alias) override { return target_.InsertAlias(alias); }
  StoreResult<std::optional<core::IdempotencyRecord>> LoadIdempotency(
      const std::string& merchant_id, const std::string& key) override {
    return target_.LoadIdempotency(merchant_id, key);
  }
  StoreResult<std::optional<core::IdempotencyRecord>> ClaimIdempotency(
      const std::string& merchant_id, const std::string& key, int64_t now_ms) override {
    return target_.ClaimIdempotency(merchant_id, key, now_ms);
  }
  StoreResult<bool> PutIdempotency(const core::IdempotencyRecord& record) override {
    return target_.PutIdempotency(record);
  }

  StoreResult<bool> PutRefundAction(const RefundAction& action) override {
    return target_.PutRefundAction(action);
  }
  StoreResult<bool> DeleteRefundAction(const std::string& merchant_id,
                                       const std::string& refund_id) override {
    return target_.DeleteRefundAction(merchant_id, refund_id);
  }
  StoreResult<bool> InsertEvent(const OutboxEvent& event) override {
    return target_.InsertEvent(event);
  }
  StoreResult<bool> InsertDelivery(const Delivery& delivery) override {
    return target_.InsertDelivery(delivery);
  }
  StoreResult<std::vector<WebhookEndpoint>> LoadWebhookEndpoints(
      const std::string& merchant_id, const std::string& dialect) override {
    return target_.LoadWebhookEndpoints(merchant_id, dialect);
  }
  StoreResult<std::optional<WebhookEndpoint>> LoadWebhookEndpoint(
      const std::string& merchant_id, const std::string& endpoint_id) override {
    return target_.LoadWebhookEndpoint(merchant_id, endpoint_id);
  }
  StoreResult<bool> InsertWebhookEndpoint(const WebhookEndpoint& endpoint) override {
    return target_.InsertWebhookEndpoint(endpoint);
  }
  StoreResult<bool> UpdateWebhookEndpoint(const WebhookEndpoint& endpoint) override {
    return target_.UpdateWebhookEndpoint(endpoint);
  }
  StoreResult<bool> DeleteWebhookEndpoint(const std::string& merchant_id,
                                          const std::string& endpoint_id) override {
    return target_.DeleteWebhookEndpoint(merchant_id, endpoint_id);
  }

 private:
  WriteTx& target_;
};

}  // namespace refundd::store
