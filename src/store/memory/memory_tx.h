#pragma once
// The in-memory store's tables (MemoryDisk) and its write transaction (MemoryStore::Tx): every
// change goes through the undo log, so that a job's writes (or a batch's) can be taken back.
// Internal to store/memory/. Not thread-safe: the MemoryStore's lock guards all of it.

#include <functional>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "store/memory/memory_store.h"

namespace refundd::store::memory {

using Key2 = std::pair<std::string, std::string>;

struct MemoryDisk {
  std::map<std::string, core::Merchant> merchants;    // by id
  std::map<Key2, core::Credential> credentials;       // (dialect, lookup)
  std::map<Key2, std::string> settings;               // (merchant, name)
  std::map<Key2, core::Payment> payments;             // (merchant, id)
  std::map<std::string, std::string> payment_owners;  // id -> merchant: ids are unique
  struct StoredRefund {
    core::Refund refund;
    int64_t seq = 0;
  };
  std::map<std::string, StoredRefund> refunds;  // by id (unique across merchants)
  std::map<int64_t, std::string> refund_order;  // seq -> id
  std::map<std::tuple<std::string, std::string, std::string>, std::string> aliases;
  std::map<Key2, core::IdempotencyRecord> idempotency;  // (merchant, key)
  std::map<std::string, RefundAction> actions;          // by refund id
  std::map<std::string, OutboxEvent> events;            // by id
  std::map<int64_t, std::string> event_order;           // sequence -> id
  struct StoredDelivery {
    Delivery delivery;
    int64_t seq = 0;
  };
  std::map<std::string, StoredDelivery> deliveries;  // by id
  std::map<std::pair<std::string, int>, DeliveryAttempt> attempts;  // (delivery, attempt)
  std::map<std::string, WebhookEndpoint> endpoints;                // by id
  int64_t next_seq = 1;  // refunds, events and deliveries; never rolled back (gaps are fine)
};

// Each change notes how to take itself back.
class UndoLog {
 public:
  template <typename Map>
  void Put(Map& m, const typename Map::key_type& key, typename Map::mapped_type value) {
    auto it = m.find(key);
    if (it == m.end()) {
      undo_.push_back([&m, key] { m.erase(key); });
      m.emplace(key, std::move(value));
    } else {
      undo_.push_back([&m, key, old = it->second] { m[key] = old; });
      it->second = std::move(value);
    }
  }
  template <typename Map>
  bool Erase(Map& m, const typename Map::key_type& key) {
    auto it = m.find(key);
    if (it == m.end()) return false;
    undo_.push_back([&m, key, old = it->second] { m.emplace(key, old); });
    m.erase(it);
    return true;
  }
  std::size_t size() const { return undo_.size(); }
  // Undoes every change after the first `mark`, newest first.
  void RollBackTo(std::size_t mark) {
    while (undo_.size() > mark) {
      undo_.back()();
      undo_.pop_back();
    }
  }
  void Forget() { undo_.clear(); }

 private:
  std::vector<std::function<void()>> undo_;
};

class MemoryStore::Tx final : public WriteTx {
 public:
  explicit Tx(MemoryDisk& disk) : d_(disk) {}
  MemoryDisk& disk() { return d_; }
  UndoLog& undo() { return undo_; }

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
  // One writer: claiming is loading, as in SQLite.
  StoreResult<std::optional<core::IdempotencyRecord>> ClaimIdempotency(
      const std::string& merchant_id, const std::string& key, int64_t now_ms) override;
  StoreResult<bool> PutIdempotency(const core::IdempotencyRecord& record) override;

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
  MemoryDisk& d_;
  UndoLog undo_;
};

// Reads shared by the transaction and the store's read methods (the lock held by the caller).
std::vector<WebhookEndpoint> EndpointsOf(const MemoryDisk& d, const std::string& merchant_id,
                                         const std::string& dialect);
StoreError Constraint(std::string message);

}  // namespace refundd::store::memory
