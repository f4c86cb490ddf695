// The PostgreSQL backend's part of the lifecycle contract (store/outbox.h): refund actions,
// webhook endpoints, events, deliveries and their attempts.
//
// This file holds the reads and claims (the batch side is pg_outbox_tx.cc). Claims run as one
// statement each on a pooled connection: UPDATE ... WHERE key IN (SELECT ... FOR UPDATE SKIP
// LOCKED LIMIT n) RETURNING ..., so nodes claiming at once take disjoint rows, and a node that
// dies leaves its leased rows to be claimed again when their lease runs out.
#include <algorithm>
#include <optional>

#include "store/postgres/pg_outbox_rows.h"
#include "store/postgres/pg_queries.h"
#include "store/postgres/pg_store.h"
#include "store/postgres/pg_tx.h"

namespace refundd::store::postgres {

// --- reads and claims ---------------------------------------------------------------------------

#define WITH_CONN(var)                                                                    \
  Pooled pooled_guard = Acquire();                                                        \
  if (!pooled_guard.get())                                                                \
    return Err(StoreError{StoreErrorKind::kUnavailable, "cannot connect to PostgreSQL"}); \
  Conn& var = *pooled_guard.get()

StoreResult<std::optional<int64_t>> PostgresStore::NextRefundActionDueMs() {
  WITH_CONN(conn);
  auto rows =
      conn.Exec("SELECT next_action_ms FROM refund_actions ORDER BY next_action_ms LIMIT 1");
  if (!rows.ok()) return Err(rows.error());
  if (rows.value().size() == 0) return std::optional<int64_t>();
  return std::optional<int64_t>(rows.value().Int(0, 0));
}

StoreResult<std::vector<RefundAction>> PostgresStore::ClaimDueRefundActions(int64_t now_ms,
                                                                            int limit,
                                                                            int64_t lease_ms) {
  WITH_CONN(conn);
  auto rows = conn.Exec(
      "WITH due AS (SELECT refund_id, next_action_ms FROM refund_actions "
      "WHERE next_action_ms <= $1 ORDER BY next_action_ms LIMIT $2 FOR UPDATE SKIP LOCKED) "
      "UPDATE refund_actions AS a SET next_action_ms = $1 + $3 FROM due "
      "WHERE a.refund_id = due.refund_id RETURNING a.refund_id, a.merchant_id, a.phase, "
      "a.attempts, a.next_action_ms, due.next_action_ms",
      Params().Add(now_ms).Add(int64_t{limit}).Add(lease_ms));
  if (!rows.ok()) return Err(rows.error());
  std::vector<std::pair<int64_t, RefundAction>> due;
  for (int i = 0; i < rows.value().size(); ++i) {
    due.emplace_back(rows.value().Int(i, 5), ActionAt(rows.value(), i));
  }
  std::stable_sort(due.begin(), due.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<RefundAction> out;
  for (auto& [when, action] : due) out.push_back(std::move(action));
  return out;
}

StoreResult<std::optional<RefundAction>> PostgresStore::ReadRefundAction(
    const std::string& merchant_id, const std::string& refund_id) {
  WITH_CONN(conn);
  auto rows = conn.Exec("SELECT " ACTION_COLUMNS
                        " FROM refund_actions WHERE refund_id = $1 AND merchant_id = $2",
                        Params().Add(refund_id).Add(merchant_id));
  if (!rows.ok()) return Err(rows.error());
  if (rows.value().size() == 0) return std::optional<RefundAction>();
  return std::optional<RefundAction>(ActionAt(rows.value(), 0));
}

StoreResult<std::optional<int64_t>> PostgresStore::NextDeliveryDueMs() {
  WITH_CONN(conn);
  auto rows = conn.Exec(
      "SELECT next_attempt_ms FROM webhook_deliveries WHERE status = 'pending' "
      "ORDER BY next_attempt_ms LIMIT 1");
  if (!rows.ok()) return Err(rows.error());
  if (rows.value().size() == 0) return std::optional<int64_t>();
  return std::optional<int64_t>(rows.value().Int(0, 0));
}

StoreResult<std::vector<Delivery>> PostgresStore::ClaimDueDeliveries(int64_t now_ms, int limit,
                                                                     int64_t lease_ms) {
  WITH_CONN(conn);
  auto rows = conn.Exec(
      "WITH due AS (SELECT id, next_attempt_ms, seq FROM webhook_deliveries "
      "WHERE status = 'pending' AND next_attempt_ms <= $1 ORDER BY next_attempt_ms, seq "
      "LIMIT $2 FOR UPDATE SKIP LOCKED) "
      "UPDATE webhook_deliveries AS d SET next_attempt_ms = $1 + $3 FROM due WHERE d.id = due.id "
      "RETURNING d.id, d.event_id, d.merchant_id, d.endpoint_id, d.url, d.headers, d.status, "
      "d.attempts, d.next_attempt_ms, d.window_start_ms, d.last_attempt_ms, d.last_http_status, "
      "d.last_error, due.next_attempt_ms, due.seq",
      Params().Add(now_ms).Add(int64_t{limit}).Add(lease_ms));
  if (!rows.ok()) return Err(rows.error());
  std::vector<std::tuple<int64_t, int64_t, Delivery>> due;
  for (int i = 0; i < rows.value().size(); ++i) {
    due.emplace_back(rows.value().Int(i, 13), rows.value().Int(i, 14), DeliveryAt(rows.value(), i));
  }
  std::sort(due.begin(), due.end(), [](const auto& a, const auto& b) {
    return std::tie(std::get<0>(a), std::get<1>(a)) < std::tie(std::get<0>(b), std::get<1>(b));
  });
  std::vector<Delivery> out;
  for (auto& item : due) out.push_back(std::move(std::get<2>(item)));
  return out;
}

StoreResult<bool> PostgresStore::RecordDeliveryAttempt(const DeliveryOutcome& o) {
  WITH_CONN(conn);
  const DeliveryAttempt& a = o.attempt;
  // One statement, so the log row and the delivery's state commit together; nothing is logged
  // for an unknown delivery.
  auto rows = conn.Exec(
      "WITH d AS (UPDATE webhook_deliveries SET status = $2, attempts = $3, next_attempt_ms = $4, "
      "last_attempt_ms = $5, last_http_status = $6, last_error = $7 WHERE id = $1 RETURNING id) "
      "INSERT INTO webhook_attempts (delivery_id, attempt, started_ms, duration_ms, http_status, "
      "error) SELECT id, $3, $5, $8, $6, $7 FROM d ON CONFLICT (delivery_id, attempt) DO UPDATE "
      "SET started_ms = EXCLUDED.started_ms, duration_ms = EXCLUDED.duration_ms, "
      "http_status = EXCLUDED.http_status, error = EXCLUDED.error",
      Params()
          .Add(a.delivery_id)
          .Add(DeliveryStatusName(o.status))
          .Add(int64_t{a.attempt})
          .Add(o.next_attempt_ms)
          .Add(a.started_ms)
          .Add(int64_t{a.http_status})
          .Add(a.error)
          .Add(a.duration_ms));
  if (!rows.ok()) {
    if (conn.Broken()) return Err(StoreError{StoreErrorKind::kUnknown, rows.error().message});
    return Err(rows.error());
  }
  return rows.value().Affected() == 1;
}

StoreResult<int> PostgresStore::RedeliverEvent(const std::string& merchant_id,
                                               const std::string& event_id, int64_t now_ms) {
  WITH_CONN(conn);
  auto rows = conn.Exec(
      "UPDATE webhook_deliveries SET status = 'pending', next_attempt_ms = $3, "
      "window_start_ms = $3 WHERE event_id = $1 AND merchant_id = $2",
      Params().Add(event_id).Add(merchant_id).Add(now_ms));
  if (!rows.ok()) return Err(rows.error());
  return static_cast<int>(rows.value().Affected());
}

StoreResult<std::optional<OutboxEvent>> PostgresStore::ReadEvent(const std::string& merchant_id,
                                                                 const std::string& event_id) {
  WITH_CONN(conn);
  auto rows = conn.Exec("SELECT " EVENT_COLUMNS " FROM events WHERE id = $1 AND merchant_id = $2",
                        Params().Add(event_id).Add(merchant_id));
  if (!rows.ok()) return Err(rows.error());
  if (rows.value().size() == 0) return std::optional<OutboxEvent>();
  return std::optional<OutboxEvent>(EventAt(rows.value(), 0));
}

StoreResult<EventPage> PostgresStore::ListEvents(const EventListQuery& q) {
  WITH_CONN(conn);
  // Newest first in insertion order (seq), so the events of one transaction keep the order they
  // were written in; cursors are event ids of the same merchant. With a cursor, its position and
  // the page come from one snapshot.
  std::optional<ReadSnapshot> snapshot;
  if (!q.starting_after.empty() || !q.ending_before.empty()) {
    snapshot.emplace(conn);
    if (!snapshot->ok()) return Err(snapshot->error());
  }
  int64_t after_seq = INT64_MAX, before_seq = 0;
  for (const auto* cursor : {&q.starting_after, &q.ending_before}) {
    if (cursor->empty()) continue;
    auto rows = conn.Exec("SELECT seq FROM events WHERE id = $1 AND merchant_id = $2",
                          Params().Add(*cursor).Add(q.merchant_id));
    if (!rows.ok()) return Err(rows.error());
    if (rows.value().size() == 0) return EventPage{};
    (cursor == &q.starting_after ? after_seq : before_seq) = rows.value().Int(0, 0);
  }
  const bool backwards = !q.ending_before.empty() && q.starting_after.empty();
  const char* sql =
      backwards ? "SELECT " EVENT_COLUMNS
                  " FROM events WHERE merchant_id = $1 AND dialect = $2 AND ($3 = '' OR type = "
                  "$3) AND ($4 = '' OR object_id = $4) AND seq < $5 AND seq > $6 "
                  "ORDER BY seq ASC LIMIT $7"
                : "SELECT " EVENT_COLUMNS
                  " FROM events WHERE merchant_id = $1 AND dialect = $2 AND ($3 = '' OR type = "
                  "$3) AND ($4 = '' OR object_id = $4) AND seq < $5 AND seq > $6 "
                  "ORDER BY seq DESC LIMIT $7";
  auto rows = conn.Exec(sql, Params()
                                 .Add(q.merchant_id)
                                 .Add(q.dialect)
                                 .Add(q.type)
                                 .Add(q.object_id)
                                 .Add(after_seq)
                                 .Add(before_seq)
                                 .Add(static_cast<int64_t>(q.limit) + 1));
  if (!rows.ok()) return Err(rows.error());
  EventPage page;
  page.events = AllRows<OutboxEvent>(rows.value(), EventAt);
  if (static_cast<int>(page.events.size()) > q.limit) {
    page.has_more = true;
    page.events.pop_back();
  }
  if (backwards) std::reverse(page.events.begin(), page.events.end());
  return page;
}

StoreResult<std::vector<Delivery>> PostgresStore::ListDeliveries(const std::string& merchant_id,
                                                                 const std::string& event_id) {
  WITH_CONN(conn);
  auto rows = conn.Exec("SELECT " DELIVERY_COLUMNS
                        " FROM webhook_deliveries WHERE event_id = $1 AND merchant_id = $2 "
                        "ORDER BY seq",
                        Params().Add(event_id).Add(merchant_id));
  if (!rows.ok()) return Err(rows.error());
  return AllRows<Delivery>(rows.value(), DeliveryAt);
}

StoreResult<std::vector<DeliveryAttempt>> PostgresStore::ListDeliveryAttempts(
    const std::string& delivery_id) {
  WITH_CONN(conn);
  auto rows = conn.Exec(
      "SELECT delivery_id, attempt, started_ms, duration_ms, http_status, error FROM "
      "webhook_attempts WHERE delivery_id = $1 ORDER BY attempt",
      Params().Add(delivery_id));
  if (!rows.ok()) return Err(rows.error());
  return AllRows<DeliveryAttempt>(rows.value(), [](const Rows& r, int i) {
    return DeliveryAttempt{r.Text(i, 0), static_cast<int>(r.Int(i, 1)), r.Int(i, 2),
                           r.Int(i, 3),  static_cast<int>(r.Int(i, 4)), r.Text(i, 5)};
  });
}

StoreResult<std::optional<WebhookEndpoint>> PostgresStore::ReadWebhookEndpoint(
    const std::string& merchant_id, const std::string& endpoint_id) {
  WITH_CONN(conn);
  auto rows = conn.Exec("SELECT " ENDPOINT_COLUMNS
                        " FROM webhook_endpoints WHERE id = $1 AND merchant_id = $2",
                        Params().Add(endpoint_id).Add(merchant_id));
  if (!rows.ok()) return Err(rows.error());
  if (rows.value().size() == 0) return std::optional<WebhookEndpoint>();
  return std::optional<WebhookEndpoint>(EndpointAt(rows.value(), 0));
}

StoreResult<std::vector<WebhookEndpoint>> PostgresStore::ListWebhookEndpoints(
    const std::string& merchant_id, const std::string& dialect) {
  WITH_CONN(conn);
  auto rows = conn.Exec("SELECT " ENDPOINT_COLUMNS
                        " FROM webhook_endpoints WHERE merchant_id = $1 AND dialect = $2 "
                        "ORDER BY created_ms, id",
                        Params().Add(merchant_id).Add(dialect));
  if (!rows.ok()) return Err(rows.error());
  return AllRows<WebhookEndpoint>(rows.value(), EndpointAt);
}

StoreResult<std::optional<core::Credential>> PostgresStore::FindMerchantCredential(
    const std::string& merchant_id, const std::string& dialect) {
  WITH_CONN(conn);
  auto rows = conn.Exec(
      "SELECT lookup, secret FROM credentials WHERE merchant_id = $1 AND dialect = $2 "
      "ORDER BY lookup LIMIT 1",
      Params().Add(merchant_id).Add(dialect));
  if (!rows.ok()) return Err(rows.error());
  if (rows.value().size() == 0) return std::optional<core::Credential>();
  return std::optional<core::Credential>(
      core::Credential{dialect, rows.value().Text(0, 0), merchant_id, rows.value().Text(0, 1)});
}

}  // namespace refundd::store::postgres
