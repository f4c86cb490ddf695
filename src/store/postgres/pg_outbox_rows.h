#pragma once
// Row decoding for the PostgreSQL backend's outbox tables (refund actions, webhook endpoints,
// events, deliveries), shared by the batch side (pg_outbox_tx.cc) and the reads and claims
// (pg_outbox.cc). The column lists are macros so that they can be spliced into SQL literals.

#include <vector>

#include "store/outbox.h"
#include "store/postgres/pg_conn.h"

#define ACTION_COLUMNS "refund_id, merchant_id, phase, attempts, next_action_ms"
#define ENDPOINT_COLUMNS \
  "id, merchant_id, dialect, url, description, enabled_events, secrets, created_ms"
// seq is the identity column the insert assigns (migration 0007).
#define EVENT_COLUMNS "id, merchant_id, dialect, type, object_id, seq, body, created_ms"
#define EVENT_INSERT_COLUMNS "id, merchant_id, dialect, type, object_id, body, created_ms"
#define DELIVERY_COLUMNS                                                     \
  "id, event_id, merchant_id, endpoint_id, url, headers, status, attempts, " \
  "next_attempt_ms, window_start_ms, last_attempt_ms, last_http_status, last_error"

namespace refundd::store::postgres {

// Row i of a result selected with the matching *_COLUMNS, in that order.
RefundAction ActionAt(const Rows& r, int i);
WebhookEndpoint EndpointAt(const Rows& r, int i);
OutboxEvent EventAt(const Rows& r, int i);
Delivery DeliveryAt(const Rows& r, int i);

template <typename T, typename At>
std::vector<T> AllRows(const Rows& r, At at) {
  std::vector<T> out;
  for (int i = 0; i < r.size(); ++i) out.push_back(at(r, i));
  return out;
}

// The order of a merchant's endpoint list: oldest first, then by id.
bool SameEndpointList(const WebhookEndpoint& a, const WebhookEndpoint& b);

}  // namespace refundd::store::postgres
