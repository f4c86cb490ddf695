#pragma once
// StoreWrapper: a Store that forwards every call to another Store (its target), the base of Store
// decorators (as WriteTxWrapper is of WriteTx ones, and LevelDB's EnvWrapper of Env ones). Derive
// and override only what you change. The target must outlive the wrapper; thread-safety is the
// target's.

#include "store/store.h"

namespace refundd::store {

class StoreWrapper : public Store {
 public:
  explicit StoreWrapper(Store& target) : target_(target) {}
  Store& target() const { return target_; }

  void Submit(WriteJob job) override { target_.Submit(std::move(job)); }
  void Close() override { target_.Close(); }

  StoreResult<std::optional<core::Payment>> ReadPayment(const std::string& merchant_id,
                                                        const std::string& payment_id) override {
    return target_.ReadPayment(merchant_id, payment_id);
  }
  StoreResult<std::optional<core::Refund>> ReadRefund(const std::string& merchant_id,
                                                      const std::string& refund_id) override {
    return target_.ReadRefund(merchant_id, refund_id);
  }
  StoreResult<std::optional<std::string>> ReadAlias(const std::string& merchant_id,
                                                    const std::string& kind,
                                                    const std::string& alias) override {
    return target_.ReadAlias(merchant_id, kind, alias);
  }
  StoreResult<RefundPage> ListRefunds(const RefundListQuery& query) override {
    return target_.ListRefunds(query);
  }
  StoreResult<std::optional<core::Credential>> FindCredential(const std::string& dialect,
                                                              const std::string& lookup) override {
    return target_.FindCredential(dialect, lookup);
  }
  StoreResult<std::optional<std::string>> GetMerchantSetting(const std::string& merchant_id,
                                                             const std::string& name) override {
    return target_.GetMerchantSetting(merchant_id, name);
  }

  StoreResult<bool> CreateMerchant(const core::Merchant& merchant,
                                   const std::vector<core::Credential>& credentials) override {
    return target_.CreateMerchant(merchant, credentials);
  }
  StoreResult<std::vector<core::Merchant>> ListMerchants() override {
    return target_.ListMerchants();
  }
  StoreResult<std::optional<core::Merchant>> FindMerchantByName(const std::string& name) override {
    return target_.FindMerchantByName(name);
  }
  StoreResult<bool> SetMerchantSetting(const std::string& merchant_id, const std::string& name,
                                       const std::string& value) override {
    return target_.SetMerchantSetting(merchant_id, name, value);
  }
  StoreResult<std::vector<PaymentWithRefunds>> ScanPayments(const std::string& after_merchant_id,
                                                            const std::string& after_payment_id,
                                                            int limit) override {
    return target_.ScanPayments(after_merchant_id, after_payment_id, limit);
  }
  StoreResult<std::vector<core::Refund>> ScanRefundsWithoutPayment(int limit) override {
    return target_.ScanRefundsWithoutPayment(limit);
  }
  StoreResult<int64_t> PurgeIdempotency(int64_t before_ms) override {
    return target_.PurgeIdempotency(before_ms);
  }

  StoreResult<std::optional<int64_t>> NextRefundActionDueMs() override {
    return target_.NextRefundActionDueMs();
  }
  StoreResult<std::vector<RefundAction>> ClaimDueRefundActions(int64_t now_ms, int limit,
                                                               int64_t lease_ms) override {
    return target_.ClaimDueRefundActions(now_ms, limit, lease_ms);
  }
  StoreResult<std::optional<RefundAction>> ReadRefundAction(const std::string& merchant_id,
                                                            const std::string& refund_id) override {
    return target_.ReadRefundAction(merchant_id, refund_id);
  }
  StoreResult<std::optional<int64_t>> NextDeliveryDueMs() override {
    return target_.NextDeliveryDueMs();
  }
  StoreResult<std::vector<Delivery>> ClaimDueDeliveries(int64_t now_ms, int limit,
                                                        int64_t lease_ms) override {
    return target_.ClaimDueDeliveries(now_ms, limit, lease_ms);
  }
  StoreResult<bool> RecordDeliveryAttempt(const DeliveryOutcome& outcome) override {
    return target_.RecordDeliveryAttempt(outcome);
  }
  StoreResult<int> RedeliverEvent(const std::string& merchant_id, const std::string& event_id,
                                  int64_t now_ms) override {
    return target_.RedeliverEvent(merchant_id, event_id, now_ms);
  }
  StoreResult<std::optional<OutboxEvent>> ReadEvent(const std::string& merchant_id,
                                                    const std::string& event_id) override {
    return target_.ReadEvent(merchant_id, event_id);
  }
  StoreResult<EventPage> ListEvents(const EventListQuery& query) override {
    return target_.ListEvents(query);
  }
  StoreResult<std::vector<Delivery>> ListDeliveries(const std::string& merchant_id,
                                                    const std::string& event_id) override {
    return target_.ListDeliveries(merchant_id, event_id);
  }
  StoreResult<std::vector<DeliveryAttempt>> ListDeliveryAttempts(
      const std::string& delivery_id) override {
    return target_.ListDeliveryAttempts(delivery_id);
  }
  StoreResult<std::optional<WebhookEndpoint>> ReadWebhookEndpoint(
      const std::string& merchant_id, const std::string& endpoint_id) override {
    return target_.ReadWebhookEndpoint(merchant_id, endpoint_id);
  }
  StoreResult<std::vector<WebhookEndpoint>> ListWebhookEndpoints(
      const std::string& merchant_id, const std::string& dialect) override {
    return target_.ListWebhookEndpoints(merchant_id, dialect);
  }
  StoreResult<std::optional<core::Credential>> FindMerchantCredential(
      const std::string& merchant_id, const std::string& dialect) override {
    return target_.FindMerchantCredential(merchant_id, dialect);
  }

 private:
  Store& target_;
};

}  // namespace refundd::store
