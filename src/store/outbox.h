#pragma once
// The refund lifecycle's part of the Store contract (store.h's WriteTx and Store inherit these):
//
// - refund actions: when the lifecycle worker next asks the processor about a refund (a pending
//   refund, or a succeeded one the processor may still fail late);
// - the transactional outbox: events, written in the same transaction as the change they report,
//   and one delivery per event and target, with the log of every delivery attempt;
// - webhook endpoints: where a merchant's events go, per dialect, and the secrets that sign them.
//
// Claims. ClaimDueRefundActions and ClaimDueDeliveries hand each due row to one caller and move
// its due time `lease_ms` ahead, so a caller that dies mid-work leaves the row to be claimed again
// once the lease runs out (the work is then done again: processors are called with the same
// idempotency key, and receivers deduplicate deliveries by event id). SQLite runs claims on its
// single writer, which makes them exclusive; a backend with several writers maps them to
// `UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING ...`.
//
// Every method has a default that answers kUnavailable ("not supported by this backend"), so a
// backend can be built before it implements the lifecycle; the contract suite holds each backend
// to all of them. Thread-safety and transactions as in store.h.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "core/merchant.h"
#include "core/webhook_endpoint.h"

namespace refundd::store {

struct StoreError;  // store.h
// The same type as store.h's StoreResult<T> (an alias cannot be declared twice).
template <typename T>
using OutboxResult = Result<T, StoreError>;

// When the lifecycle worker next looks at one refund. At most one per refund.
struct RefundAction {
  std::string refund_id;
  std::string merchant_id;
  // "submit": the processor may not have the refund yet (send it, with the refund id as the
  // idempotency key); "lookup": it has, or may have: ask it for the refund's state.
  std::string phase = "lookup";
  int attempts = 0;  // consecutive calls that got no answer (for the backoff)
  int64_t next_action_ms = 0;
  friend bool operator==(const RefundAction&, const RefundAction&) = default;
};

// A merchant's webhook target in one dialect (core/webhook_endpoint.h).
using WebhookSecret = core::WebhookSecret;
using WebhookEndpoint = core::WebhookEndpoint;

// One event, rendered in its dialect's words when the change it reports committed.
struct OutboxEvent {
  std::string id;  // unique across merchants (evt_..., wh_..., a UUID): receivers dedupe by it
  std::string merchant_id;
  std::string dialect;
  std::string type;       // "refund.updated", "REFUND_COMPLETED", "approvedTransaction", ...
  std::string object_id;  // the object it is about (refund or payment id)
  // Assigned by the store when the event is written (ignored by InsertEvent): increasing, so a
  // later event about the same object always has a larger sequence (events about a payment's
  // objects are written under its lock). Shared by all objects, so not consecutive per object.
  int64_t sequence = 0;
  std::string body;       // the exact bytes every delivery sends
  int64_t created_ms = 0;
  friend bool operator==(const OutboxEvent&, const OutboxEvent&) = default;
};

enum class DeliveryStatus { kPending, kDelivered, kDead };
std::string_view DeliveryStatusName(DeliveryStatus status);
bool ParseDeliveryStatus(std::string_view name, DeliveryStatus& out);

using Headers = std::vector<std::pair<std::string, std::string>>;

// One event on its way to one target.
struct Delivery {
  std::string id;  // whd_...
  std::string event_id;
  std::string merchant_id;
  // The endpoint whose secrets sign it; "" when the request named the target itself (D24's
  // notification_url, Kushki's webhooks[].urls): the dialect's default secret signs it.
  std::string endpoint_id;
  std::string url;
  Headers headers;  // extra headers the target asked for (Kushki's webhooks[].headers)
  DeliveryStatus status = DeliveryStatus::kPending;
  int attempts = 0;
  int64_t next_attempt_ms = 0;
  int64_t window_start_ms = 0;  // the give-up age counts from here (creation or redelivery)
  int64_t last_attempt_ms = 0;  // 0: never tried
  int last_http_status = 0;     // 0: no HTTP answer
  std::string last_error;
  friend bool operator==(const Delivery&, const Delivery&) = default;
};

// One try of a delivery: the delivery log.
struct DeliveryAttempt {
  std::string delivery_id;
  int attempt = 0;  // 1, 2, ...
  int64_t started_ms = 0;
  int64_t duration_ms = 0;
  int http_status = 0;  // 0: no HTTP answer (refused, timeout, connection error)
  std::string error;    // "" when the receiver answered 2xx
  friend bool operator==(const DeliveryAttempt&, const DeliveryAttempt&) = default;
};

// What one attempt changes: the log row, and the delivery's new state.
struct DeliveryOutcome {
  DeliveryAttempt attempt;
  DeliveryStatus status = DeliveryStatus::kPending;
  int64_t next_attempt_ms = 0;  // when kPending
};

struct EventListQuery {
  std::string merchant_id;
  std::string dialect;
  std::string type;            // "" = every type
  std::string object_id;       // "" = every object
  std::string starting_after;  // event id cursor: older than it
  std::string ending_before;   // event id cursor: newer than it
  int limit = 10;              // 1..100
};
struct EventPage {
  std::vector<OutboxEvent> events;  // newest first (in the order they were written)
  bool has_more = false;
};

class OutboxWriteTx {
 public:
  virtual ~OutboxWriteTx() = default;

  // Inserts or replaces the refund's action.
  virtual OutboxResult<bool> PutRefundAction(const RefundAction& action);
  // false when there was none.
  virtual OutboxResult<bool> DeleteRefundAction(const std::string& merchant_id,
                                                const std::string& refund_id);

  // Inserts `event`; the store assigns its sequence (OutboxEvent::sequence).
  virtual OutboxResult<bool> InsertEvent(const OutboxEvent& event);
  virtual OutboxResult<bool> InsertDelivery(const Delivery& delivery);

  // The merchant's endpoints in `dialect`, oldest first.
  virtual OutboxResult<std::vector<WebhookEndpoint>> LoadWebhookEndpoints(
      const std::string& merchant_id, const std::string& dialect);
  virtual OutboxResult<std::optional<WebhookEndpoint>> LoadWebhookEndpoint(
      const std::string& merchant_id, const std::string& endpoint_id);
  virtual OutboxResult<bool> InsertWebhookEndpoint(const WebhookEndpoint& endpoint);
  // Replaces url, description, enabled_events and secrets; false when it does not exist.
  virtual OutboxResult<bool> UpdateWebhookEndpoint(const WebhookEndpoint& endpoint);
  // false when it does not exist. Its pending deliveries stay; they die when they find it gone.
  virtual OutboxResult<bool> DeleteWebhookEndpoint(const std::string& merchant_id,
                                                   const std::string& endpoint_id);
};

class OutboxStore {
 public:
  virtual ~OutboxStore() = default;

  // The earliest next_action_ms of any refund action; nullopt when there is none. A read.
  virtual OutboxResult<std::optional<int64_t>> NextRefundActionDueMs();
  // Up to `limit` actions due at `now_ms` (earliest first), each moved to now_ms + lease_ms.
  virtual OutboxResult<std::vector<RefundAction>> ClaimDueRefundActions(int64_t now_ms, int limit,
                                                                        int64_t lease_ms);
  virtual OutboxResult<std::optional<RefundAction>> ReadRefundAction(const std::string& merchant_id,
                                                                     const std::string& refund_id);

  // The earliest next_attempt_ms of any pending delivery; nullopt when there is none. A read.
  virtual OutboxResult<std::optional<int64_t>> NextDeliveryDueMs();
  // Up to `limit` pending deliveries due at `now_ms`, each moved to now_ms + lease_ms.
  virtual OutboxResult<std::vector<Delivery>> ClaimDueDeliveries(int64_t now_ms, int limit,
                                                                 int64_t lease_ms);
  // Appends the attempt to the log and sets the delivery's state; false when it does not exist.
  virtual OutboxResult<bool> RecordDeliveryAttempt(const DeliveryOutcome& outcome);
  // Every delivery of the event goes back to pending, due at `now_ms`, its give-up window
  // starting again. Returns how many; 0 when the event has none (or is not the merchant's).
  virtual OutboxResult<int> RedeliverEvent(const std::string& merchant_id,
                                           const std::string& event_id, int64_t now_ms);

  virtual OutboxResult<std::optional<OutboxEvent>> ReadEvent(const std::string& merchant_id,
                                                             const std::string& event_id);
  // An unknown cursor yields an empty page.
  virtual OutboxResult<EventPage> ListEvents(const EventListQuery& query);
  // The event's deliveries, oldest first.
  virtual OutboxResult<std::vector<Delivery>> ListDeliveries(const std::string& merchant_id,
                                                             const std::string& event_id);
  virtual OutboxResult<std::vector<DeliveryAttempt>> ListDeliveryAttempts(
      const std::string& delivery_id);

  virtual OutboxResult<std::optional<WebhookEndpoint>> ReadWebhookEndpoint(
      const std::string& merchant_id, const std::string& endpoint_id);
  virtual OutboxResult<std::vector<WebhookEndpoint>> ListWebhookEndpoints(
      const std::string& merchant_id, const std::string& dialect);

  // The merchant's credential in `dialect` (the first, when several), with its secret: what
  // signs that dialect's webhooks (Rapyd's access and secret keys, Kushki's webhook signature).
  virtual OutboxResult<std::optional<core::Credential>> FindMerchantCredential(
      const std::string& merchant_id, const std::string& dialect);
};

// Text encodings of the list columns, shared by the backends (JSON arrays).
std::string EncodeStrings(const std::vector<std::string>& values);
std::vector<std::string> DecodeStrings(const std::string& text);  // CHECKs: the store wrote it
std::string EncodeSecrets(const std::vector<WebhookSecret>& secrets);
std::vector<WebhookSecret> DecodeSecrets(const std::string& text);
std::string EncodeHeaders(const Headers& headers);
Headers DecodeHeaders(const std::string& text);

}  // namespace refundd::store
