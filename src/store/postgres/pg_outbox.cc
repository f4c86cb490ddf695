// The PostgreSQL backend's part of the lifecycle contract (store/outbox.h): refund actions,
// webhook endpoints, events, deliveries and their attempts.
//
// Inside a batch these rows are deferred and journaled like payments and refunds (pg_tx.h) and
// written set-based at flush. Claims run as one statement each on a pooled connection:
// UPDATE ... WHERE key IN (SELECT ... FOR UPDATE SKIP LOCKED LIMIT n) RETURNING ..., so nodes
// claiming at once take disjoint rows, and a node that dies leaves its leased rows to be claimed
// again when their lease runs out.
#include <algorithm>

#include "store/postgres/pg_queries.h"
#include "store/postgres/pg_store.h"
#include "store/postgres/pg_tx.h"

namespace refundd::store::postgres {

namespace {

#define ACTION_COLUMNS "refund_id, merchant_id, phase, attempts, next_action_ms"
RefundAction ActionAt(const Rows& r, int i) {
  return RefundAction{r.Text(i, 0), r.Text(i, 1), r.Text(i, 2), static_cast<int>(r.Int(i, 3)),
                      r.Int(i, 4)};
}

#define ENDPOINT_COLUMNS \
  "id, merchant_id, dialect, url, description, enabled_events, secrets, created_ms"
WebhookEndpoint EndpointAt(const Rows& r, int i) {
  WebhookEndpoint e;
  e.id = r.Text(i, 0);
  e.merchant_id = r.Text(i, 1);
  e.dialect = r.Text(i, 2);
  e.url = r.Text(i, 3);
  e.description = r.Text(i, 4);
  e.enabled_events = DecodeStrings(r.Text(i, 5));
  e.secrets = DecodeSecrets(r.Text(i, 6));
  e.created_ms = r.Int(i, 7);
  return e;
}

#define EVENT_COLUMNS "id, merchant_id, dialect, type, object_id, object_seq, body, created_ms"
OutboxEvent EventAt(const Rows& r, int i) {
  return OutboxEvent{r.Text(i, 0), r.Text(i, 1), r.Text(i, 2), r.Text(i, 3),
                     r.Text(i, 4), r.Int(i, 5),  r.Text(i, 6), r.Int(i, 7)};
}

#define DELIVERY_COLUMNS                                                      \
  "id, event_id, merchant_id, endpoint_id, url, headers, status, attempts, " \
  "next_attempt_ms, window_start_ms, last_attempt_ms, last_http_status, last_error"
Delivery DeliveryAt(const Rows& r, int i) {
  Delivery d;
  d.id = r.Text(i, 0);
  d.event_id = r.Text(i, 1);
  d.merchant_id = r.Text(i, 2);
  d.endpoint_id = r.Text(i, 3);
  d.url = r.Text(i, 4);
  d.headers = DecodeHeaders(r.Text(i, 5));
  CHECK(ParseDeliveryStatus(r.Text(i, 6), d.status));
  d.attempts = static_cast<int>(r.Int(i, 7));
  d.next_attempt_ms = r.Int(i, 8);
  d.window_start_ms = r.Int(i, 9);
  d.last_attempt_ms = r.Int(i, 10);
  d.last_http_status = static_cast<int>(r.Int(i, 11));
  d.last_error = r.Text(i, 12);
  return d;
}

template <typename T, typename At>
std::vector<T> AllRows(const Rows& r, At at) {
  std::vector<T> out;
  for (int i = 0; i < r.size(); ++i) out.push_back(at(r, i));
  return out;
}

bool SameEndpointList(const WebhookEndpoint& a, const WebhookEndpoint& b) {
  return a.created_ms != b.created_ms ? a.created_ms < b.created_ms : a.id < b.id;
}

}  // namespace

// --- inside a writer's batch --------------------------------------------------------------------

StoreResult<PgWriteTx::ActionSlot*> PgWriteTx::Action(const std::string& merchant_id,
                                                       const std::string& refund_id) {
  if (auto stop = Stopped()) return Err(*stop);
  auto it = actions_.find(refund_id);
  auto created = refunds_.find(SlotKey(merchant_id, refund_id));
  if (it == actions_.end() && created != refunds_.end() && !created->second.in_db) {
    // A refund this batch creates has no action stored yet: no need to ask.
    it = actions_.emplace(refund_id, ActionSlot{}).first;
  }
  if (it == actions_.end()) {
    auto rows = conn_.Exec("SELECT " ACTION_COLUMNS " FROM refund_actions WHERE refund_id = $1",
                           Params().Add(refund_id));
    if (!rows.ok()) return Err(Fail(rows.error()));
    ActionSlot slot;
    if (rows.value().size() > 0) slot.action = ActionAt(rows.value(), 0);
    it = actions_.emplace(refund_id, std::move(slot)).first;
  }
  // Another merchant's action is not this merchant's to see.
  if (it->second.action && it->second.action->merchant_id != merchant_id) {
    static ActionSlot none;
    none = ActionSlot{};
    return &none;
  }
  return &it->second;
}

StoreResult<bool> PgWriteTx::PutRefundAction(const RefundAction& action) {
  if (auto stop = Stopped()) return Err(*stop);
  Journal(actions_, action.refund_id);
  actions_[action.refund_id] = ActionSlot{action, true};
  return true;
}

StoreResult<bool> PgWriteTx::DeleteRefundAction(const std::string& merchant_id,
                                                const std::string& refund_id) {
  auto slot = Action(merchant_id, refund_id);
  if (!slot.ok()) return Err(slot.error());
  if (!slot.value()->action) return false;
  Journal(actions_, refund_id);
  actions_[refund_id] = ActionSlot{std::nullopt, true};
  return true;
}

StoreResult<int64_t> PgWriteTx::InsertEvent(const OutboxEvent& event) {
  if (auto stop = Stopped()) return Err(*stop);
  const std::string key = SlotKey(event.merchant_id, event.object_id);
  if (!event_sequences_.count(key)) {
    // An object this batch created has no events yet; any other: ask.
    auto refund = refunds_.find(key);
    auto payment = payments_.find(key);
    bool fresh = (refund != refunds_.end() && !refund->second.in_db) ||
                 (payment != payments_.end() && !payment->second.in_db);
    int64_t last = 0;
    if (!fresh) {
      auto rows = conn_.Exec(
          "SELECT COALESCE(MAX(object_seq), 0) FROM events WHERE merchant_id = $1 AND "
          "object_id = $2",
          Params().Add(event.merchant_id).Add(event.object_id));
      if (!rows.ok()) return Err(Fail(rows.error()));
      last = rows.value().Int(0, 0);
      if (hints_ && !job_payment_.empty()) hints_->Learn(job_payment_, event.object_id);
    }
    event_sequences_.emplace(key, last);
  }
  Journal(event_sequences_, key);
  const int64_t sequence = ++event_sequences_[key];
  OutboxEvent stored = event;
  stored.sequence = sequence;
  events_.push_back(std::move(stored));
  journal_.push_back([this] { events_.pop_back(); });
  return sequence;
}

StoreResult<bool> PgWriteTx::InsertDelivery(const Delivery& delivery) {
  if (auto stop = Stopped()) return Err(*stop);
  deliveries_.push_back(delivery);
  journal_.push_back([this] { deliveries_.pop_back(); });
  return true;
}

StoreResult<PgWriteTx::EndpointSlot*> PgWriteTx::Endpoint(const std::string& merchant_id,
                                                           const std::string& id) {
  if (auto stop = Stopped()) return Err(*stop);
  const std::string key = SlotKey(merchant_id, id);
  auto it = endpoints_.find(key);
  if (it != endpoints_.end()) return &it->second;
  auto rows = conn_.Exec("SELECT " ENDPOINT_COLUMNS
                         " FROM webhook_endpoints WHERE id = $1 AND merchant_id = $2",
                         Params().Add(id).Add(merchant_id));
  if (!rows.ok()) return Err(Fail(rows.error()));
  EndpointSlot slot;
  if (rows.value().size() > 0) {
    slot.endpoint = EndpointAt(rows.value(), 0);
    slot.in_db = true;
  }
  return &endpoints_.emplace(key, std::move(slot)).first->second;
}

StoreResult<std::vector<WebhookEndpoint>> PgWriteTx::LoadWebhookEndpoints(
    const std::string& merchant_id, const std::string& dialect) {
  if (auto stop = Stopped()) return Err(*stop);
  const std::string list = SlotKey(merchant_id, dialect);
  if (!endpoint_lists_.count(list)) {
    auto rows = conn_.Exec("SELECT " ENDPOINT_COLUMNS
                           " FROM webhook_endpoints WHERE merchant_id = $1 AND dialect = $2",
                           Params().Add(merchant_id).Add(dialect));
    if (!rows.ok()) return Err(Fail(rows.error()));
    for (int i = 0; i < rows.value().size(); ++i) {
      WebhookEndpoint e = EndpointAt(rows.value(), i);
      endpoints_.emplace(SlotKey(merchant_id, e.id), EndpointSlot{e, true, false});
    }
    endpoint_lists_.insert(list);
  }
  std::vector<WebhookEndpoint> out;
  for (const auto& [key, slot] : endpoints_) {
    if (slot.endpoint && slot.endpoint->merchant_id == merchant_id &&
        slot.endpoint->dialect == dialect) {
      out.push_back(*slot.endpoint);
    }
  }
  std::sort(out.begin(), out.end(), SameEndpointList);
  return out;
}

StoreResult<std::optional<WebhookEndpoint>> PgWriteTx::LoadWebhookEndpoint(
    const std::string& merchant_id, const std::string& endpoint_id) {
  auto slot = Endpoint(merchant_id, endpoint_id);
  if (!slot.ok()) return Err(slot.error());
  return slot.value()->endpoint;
}

StoreResult<bool> PgWriteTx::InsertWebhookEndpoint(const WebhookEndpoint& endpoint) {
  auto slot = Endpoint(endpoint.merchant_id, endpoint.id);
  if (!slot.ok()) return Err(slot.error());
  if (slot.value()->endpoint) {
    return Err(StoreError{StoreErrorKind::kConstraint, "endpoint " + endpoint.id + " exists"});
  }
  const std::string key = SlotKey(endpoint.merchant_id, endpoint.id);
  Journal(endpoints_, key);
  EndpointSlot& s = endpoints_.at(key);
  s.endpoint = endpoint;
  s.dirty = true;
  return true;
}

StoreResult<bool> PgWriteTx::UpdateWebhookEndpoint(const WebhookEndpoint& endpoint) {
  auto slot = Endpoint(endpoint.merchant_id, endpoint.id);
  if (!slot.ok()) return Err(slot.error());
  if (!slot.value()->endpoint) return false;
  const std::string key = SlotKey(endpoint.merchant_id, endpoint.id);
  Journal(endpoints_, key);
  EndpointSlot& s = endpoints_.at(key);
  s.endpoint->url = endpoint.url;
  s.endpoint->description = endpoint.description;
  s.endpoint->enabled_events = endpoint.enabled_events;
  s.endpoint->secrets = endpoint.secrets;
  s.dirty = true;
  return true;
}

StoreResult<bool> PgWriteTx::DeleteWebhookEndpoint(const std::string& merchant_id,
                                                   const std::string& endpoint_id) {
  auto slot = Endpoint(merchant_id, endpoint_id);
  if (!slot.ok()) return Err(slot.error());
  if (!slot.value()->endpoint) return false;
  const std::string key = SlotKey(merchant_id, endpoint_id);
  Journal(endpoints_, key);
  EndpointSlot& s = endpoints_.at(key);
  s.endpoint.reset();
  s.dirty = true;
  return true;
}

void PgWriteTx::FlushOutbox(std::vector<Conn::Piped>& out) const {
  for (const auto& [key, slot] : endpoints_) {  // rare: one statement each
    if (!slot.dirty) continue;
    std::string merchant_id = key.substr(0, key.find('\n'));
    std::string id = key.substr(key.find('\n') + 1);
    if (!slot.endpoint) {
      if (slot.in_db) {
        out.push_back({"DELETE FROM webhook_endpoints WHERE id = $1 AND merchant_id = $2",
                       Params().Add(id).Add(merchant_id)});
      }
      continue;
    }
    const WebhookEndpoint& e = *slot.endpoint;
    if (slot.in_db) {
      out.push_back({"UPDATE webhook_endpoints SET url = $3, description = $4, "
                     "enabled_events = $5, secrets = $6 WHERE id = $1 AND merchant_id = $2",
                     Params().Add(e.id).Add(e.merchant_id).Add(e.url).Add(e.description)
                         .Add(EncodeStrings(e.enabled_events)).Add(EncodeSecrets(e.secrets))});
    } else {
      out.push_back({"INSERT INTO webhook_endpoints (" ENDPOINT_COLUMNS
                     ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                     Params().Add(e.id).Add(e.merchant_id).Add(e.dialect).Add(e.url)
                         .Add(e.description).Add(EncodeStrings(e.enabled_events))
                         .Add(EncodeSecrets(e.secrets)).Add(e.created_ms)});
    }
  }
  if (!events_.empty()) {
    ArrayLiteral c[8];
    for (const OutboxEvent& e : events_) {
      c[0].Add(e.id), c[1].Add(e.merchant_id), c[2].Add(e.dialect), c[3].Add(e.type);
      c[4].Add(e.object_id), c[5].Add(e.sequence), c[6].Add(e.body), c[7].Add(e.created_ms);
    }
    Params params;
    for (auto& a : c) params.Add(a.Finish());
    out.push_back({"INSERT INTO events (" EVENT_COLUMNS ") SELECT " EVENT_COLUMNS
                   " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], "
                   "$6::bigint[], $7::text[], $8::bigint[]) WITH ORDINALITY AS u(" EVENT_COLUMNS
                   ", ord) ORDER BY ord",
                   std::move(params)});
  }
  if (!deliveries_.empty()) {
    ArrayLiteral c[13];
    for (const Delivery& d : deliveries_) {
      c[0].Add(d.id), c[1].Add(d.event_id), c[2].Add(d.merchant_id), c[3].Add(d.endpoint_id);
      c[4].Add(d.url), c[5].Add(EncodeHeaders(d.headers)), c[6].Add(DeliveryStatusName(d.status));
      c[7].Add(int64_t{d.attempts}), c[8].Add(d.next_attempt_ms), c[9].Add(d.window_start_ms);
      c[10].Add(d.last_attempt_ms), c[11].Add(int64_t{d.last_http_status});
      c[12].Add(d.last_error);
    }
    Params params;
    for (auto& a : c) params.Add(a.Finish());
    out.push_back({"INSERT INTO webhook_deliveries (" DELIVERY_COLUMNS ") SELECT " DELIVERY_COLUMNS
                   " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], "
                   "$6::text[], $7::text[], $8::int[], $9::bigint[], $10::bigint[], $11::bigint[], "
                   "$12::int[], $13::text[]) WITH ORDINALITY AS u(" DELIVERY_COLUMNS
                   ", ord) ORDER BY ord",
                   std::move(params)});
  }
  ArrayLiteral put[5], gone;
  int puts = 0, deletes = 0;
  for (const auto& [refund_id, slot] : actions_) {
    if (!slot.dirty) continue;
    if (!slot.action) {
      gone.Add(refund_id);
      ++deletes;
      continue;
    }
    const RefundAction& a = *slot.action;
    put[0].Add(a.refund_id), put[1].Add(a.merchant_id), put[2].Add(a.phase);
    put[3].Add(int64_t{a.attempts}), put[4].Add(a.next_action_ms);
    ++puts;
  }
  if (puts > 0) {
    Params params;
    for (auto& a : put) params.Add(a.Finish());
    out.push_back({"INSERT INTO refund_actions (" ACTION_COLUMNS
                   ") SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], "
                   "$5::bigint[]) ON CONFLICT (refund_id) DO UPDATE SET merchant_id = "
                   "EXCLUDED.merchant_id, phase = EXCLUDED.phase, attempts = EXCLUDED.attempts, "
                   "next_action_ms = EXCLUDED.next_action_ms",
                   std::move(params)});
  }
  if (deletes > 0) {
    out.push_back({"DELETE FROM refund_actions WHERE refund_id = ANY($1::text[])",
                   Params().Add(gone.Finish())});
  }
}

// --- reads and claims ---------------------------------------------------------------------------

#define WITH_CONN(var)                                                                   \
  Pooled pooled_guard = Acquire();                                                       \
  if (!pooled_guard.get())                                                               \
    return Err(StoreError{StoreErrorKind::kUnavailable, "cannot connect to PostgreSQL"}); \
  Conn& var = *pooled_guard.get()

StoreResult<std::optional<int64_t>> PostgresStore::NextRefundActionDueMs() {
  WITH_CONN(conn);
  auto rows = conn.Exec("SELECT next_action_ms FROM refund_actions ORDER BY next_action_ms LIMIT 1");
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
      Params().Add(a.delivery_id).Add(DeliveryStatusName(o.status)).Add(int64_t{a.attempt})
          .Add(o.next_attempt_ms).Add(a.started_ms).Add(int64_t{a.http_status}).Add(a.error)
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
  // were written in; cursors are event ids of the same merchant.
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
  auto rows = conn.Exec(sql, Params().Add(q.merchant_id).Add(q.dialect).Add(q.type)
                                 .Add(q.object_id).Add(after_seq).Add(before_seq)
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
