#pragma once
// What the dialects read, as core values: payments, refunds and aliases of one merchant, lists,
// merchant settings. Reads run on the caller's thread on the store's read connections and see
// committed data only; they never queue behind writes. An object of another dialect is not
// found, as one of another merchant is. Thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "core/merchant.h"
#include "core/payment.h"
#include "core/refund.h"
#include "core/webhook_endpoint.h"
#include "store/store.h"

namespace refundd::service {

// A read the store could not answer (unavailable or damaged data): the dialect's 5xx.
struct ReadFailed {
  std::string message;  // for logs
};
template <typename T>
using ReadResult = Result<T, ReadFailed>;

// The store's own query and page types are plain values; dialects use them by these names.
using RefundListQuery = store::RefundListQuery;
using RefundPage = store::RefundPage;
using EventListQuery = store::EventListQuery;
using EventPage = store::EventPage;
using OutboxEvent = store::OutboxEvent;
using Delivery = store::Delivery;
using DeliveryAttempt = store::DeliveryAttempt;
using DeliveryStatus = store::DeliveryStatus;
using store::DeliveryStatusName;

class Reads {
 public:
  explicit Reads(store::Store& store) : store_(store) {}

  ReadResult<std::optional<core::Payment>> Payment(const std::string& merchant_id,
                                                   const std::string& id,
                                                   std::string_view dialect);
  ReadResult<std::optional<core::Refund>> Refund(const std::string& merchant_id,
                                                 const std::string& id, std::string_view dialect);
  // The internal id an alias names, or nullopt.
  ReadResult<std::optional<std::string>> Alias(const std::string& merchant_id,
                                               std::string_view kind, const std::string& alias);
  // The payment (refund) an alias names, when it is of `dialect`.
  ReadResult<std::optional<core::Payment>> PaymentByAlias(const std::string& merchant_id,
                                                          std::string_view kind,
                                                          const std::string& alias,
                                                          std::string_view dialect);
  ReadResult<std::optional<core::Refund>> RefundByAlias(const std::string& merchant_id,
                                                        std::string_view kind,
                                                        const std::string& alias,
                                                        std::string_view dialect);
  ReadResult<RefundPage> Refunds(const RefundListQuery& query);
  ReadResult<std::optional<std::string>> Setting(const std::string& merchant_id,
                                                 const std::string& name);
  // The merchant named `name`, or nullopt (Store::FindMerchantByName).
  ReadResult<std::optional<core::Merchant>> MerchantByName(const std::string& name);

  store::Store& store() { return store_; }  // for service code only (lifecycle, tools)

  // The merchant's webhook endpoint (endpoints) in `dialect`, oldest first.
  ReadResult<std::optional<core::WebhookEndpoint>> WebhookEndpoint(const std::string& merchant_id,
                                                                   const std::string& id,
                                                                   std::string_view dialect);
  ReadResult<std::vector<core::WebhookEndpoint>> WebhookEndpoints(const std::string& merchant_id,
                                                                  std::string_view dialect);
  // Outbox events as the store keeps them; an event of another dialect is not found.
  ReadResult<std::optional<OutboxEvent>> Event(const std::string& merchant_id,
                                               const std::string& id, std::string_view dialect);
  ReadResult<EventPage> Events(const EventListQuery& query);
  // The event's deliveries (oldest first), and the attempts of one delivery.
  ReadResult<std::vector<Delivery>> Deliveries(const std::string& merchant_id,
                                               const std::string& event_id);
  ReadResult<std::vector<DeliveryAttempt>> DeliveryAttempts(const std::string& delivery_id);
  // Not a read: the outbox's own bookkeeping, which (like recording delivery attempts) runs in
  // its own store transaction, not through the writer. Every delivery of the event goes back to
  // pending, due at `now_ms`; returns how many (OutboxStore::RedeliverEvent).
  ReadResult<int> RedeliverEvent(const std::string& merchant_id, const std::string& event_id,
                                 int64_t now_ms);

 private:
  store::Store& store_;
};

}  // namespace refundd::service
