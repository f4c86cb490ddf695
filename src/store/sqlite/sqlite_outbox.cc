// The SQLite backend's part of the lifecycle contract (store/outbox.h): refund actions, webhook
// endpoints, events, deliveries and their attempts. Claims run on the single writer, which makes
// them exclusive without row locks.
#include <algorithm>
#include <memory>
#include <optional>
#include <tuple>

#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/sqlite_tx.h"

namespace refundd::store::sqlite {

namespace {

StoreError Unavailable(const char* what) { return StoreError{StoreErrorKind::kUnavailable, what}; }

#define ACTION_COLUMNS "refund_id, merchant_id, phase, attempts, next_action_ms"
RefundAction ReadActionRow(const Stmt& s) {
  return RefundAction{s.Text(0), s.Text(1), s.Text(2), static_cast<int>(s.Int(3)), s.Int(4)};
}

#define ENDPOINT_COLUMNS \
  "id, merchant_id, dialect, url, description, enabled_events, secrets, created_ms"
WebhookEndpoint ReadEndpointRow(const Stmt& s) {
  WebhookEndpoint e;
  e.id = s.Text(0);
  e.merchant_id = s.Text(1);
  e.dialect = s.Text(2);
  e.url = s.Text(3);
  e.description = s.Text(4);
  e.enabled_events = DecodeStrings(s.Text(5));
  e.secrets = DecodeSecrets(s.Text(6));
  e.created_ms = s.Int(7);
  return e;
}

// seq is the table's rowid (migration 0007): the insertion order.
#define EVENT_COLUMNS "id, merchant_id, dialect, type, object_id, seq, body, created_ms"
OutboxEvent ReadEventRow(const Stmt& s) {
  return OutboxEvent{s.Text(0), s.Text(1), s.Text(2), s.Text(3),
                     s.Text(4), s.Int(5),  s.Text(6), s.Int(7)};
}

#define DELIVERY_COLUMNS                                                     \
  "id, event_id, merchant_id, endpoint_id, url, headers, status, attempts, " \
  "next_attempt_ms, window_start_ms, last_attempt_ms, last_http_status, last_error"
Delivery ReadDeliveryRow(const Stmt& s) {
  Delivery d;
  d.id = s.Text(0);
  d.event_id = s.Text(1);
  d.merchant_id = s.Text(2);
  d.endpoint_id = s.Text(3);
  d.url = s.Text(4);
  d.headers = DecodeHeaders(s.Text(5));
  CHECK(ParseDeliveryStatus(s.Text(6), d.status));
  d.attempts = static_cast<int>(s.Int(7));
  d.next_attempt_ms = s.Int(8);
  d.window_start_ms = s.Int(9);
  d.last_attempt_ms = s.Int(10);
  d.last_http_status = static_cast<int>(s.Int(11));
  d.last_error = s.Text(12);
  return d;
}

// Collects every row of `s` with `read`.
template <typename T, typename ReadRow>
StoreResult<std::vector<T>> All(Stmt& s, ReadRow read) {
  std::vector<T> out;
  for (;;) {
    auto row = s.Step();
    if (!row.ok()) return Err(row.error());
    if (!row.value()) return out;
    out.push_back(read(s));
  }
}

// The first row of `s` with `read`, or nullopt.
template <typename T, typename ReadRow>
StoreResult<std::optional<T>> One(Stmt& s, ReadRow read) {
  auto row = s.Step();
  if (!row.ok()) return Err(row.error());
  if (!row.value()) return std::optional<T>();
  return std::optional<T>(read(s));
}

StoreResult<std::vector<WebhookEndpoint>> QueryEndpoints(Db& db, const std::string& merchant_id,
                                                         const std::string& dialect) {
  Stmt s = db.Prepare("SELECT " ENDPOINT_COLUMNS
                      " FROM webhook_endpoints WHERE merchant_id = ?1 AND dialect = ?2 "
                      "ORDER BY created_ms, id");
  s.Bind(1, merchant_id).Bind(2, dialect);
  return All<WebhookEndpoint>(s, ReadEndpointRow);
}

StoreResult<std::optional<WebhookEndpoint>> QueryEndpoint(Db& db, const std::string& merchant_id,
                                                          const std::string& endpoint_id) {
  Stmt s = db.Prepare("SELECT " ENDPOINT_COLUMNS
                      " FROM webhook_endpoints WHERE id = ?1 AND merchant_id = ?2");
  s.Bind(1, endpoint_id).Bind(2, merchant_id);
  return One<WebhookEndpoint>(s, ReadEndpointRow);
}

// Claims the due rows of a lifecycle queue on the writer, in one transaction: selects up to
// `limit` rows due at `now_ms` (select_sql binds ?1 now, ?2 limit) and moves each one's due time
// `lease_ms` ahead (lease_sql binds ?1 the row's key, ?2 its new due time), so that it comes back
// if its worker dies. `key_and_due(row)` ties the row's key and due-time fields.
template <typename T, typename ReadRow, typename KeyAndDue>
StoreResult<std::vector<T>> ClaimDue(Store& store, Db& writer, const char* select_sql,
                                     ReadRow read_row, const char* lease_sql, KeyAndDue key_and_due,
                                     int64_t now_ms, int limit, int64_t lease_ms) {
  auto out = std::make_shared<StoreResult<std::vector<T>>>(std::vector<T>{});
  bool committed = store.SubmitAndWait([&, out](WriteTx&) {
    Stmt s = writer.Prepare(select_sql);
    s.Bind(1, now_ms).Bind(2, int64_t{limit});
    auto due = All<T>(s, read_row);
    if (!due.ok()) {
      *out = Err(due.error());
      return false;
    }
    for (T& row : due.value()) {
      auto [key, due_ms] = key_and_due(row);
      due_ms = now_ms + lease_ms;
      Stmt u = writer.Prepare(lease_sql);
      u.Bind(1, key).Bind(2, due_ms);
      auto r = u.Exec();
      if (!r.ok()) {
        *out = Err(r.error());
        return false;
      }
    }
    *out = std::move(due);
    return true;
  });
  if (!out->ok()) return *out;
  if (!committed) return Err(Unavailable("claim not committed"));
  return *out;
}

}  // namespace

// --- inside the writer's transaction ------------------------------------------------------------

StoreResult<bool> SqliteWriteTx::PutRefundAction(const RefundAction& a) {
  Stmt s = db_.Prepare("INSERT OR REPLACE INTO refund_actions (" ACTION_COLUMNS
                       ") VALUES (?1, ?2, ?3, ?4, ?5)");
  s.Bind(1, a.refund_id).Bind(2, a.merchant_id).Bind(3, a.phase);
  s.Bind(4, int64_t{a.attempts}).Bind(5, a.next_action_ms);
  auto r = s.Exec();
  if (!r.ok()) return Err(r.error());
  return true;
}

StoreResult<bool> SqliteWriteTx::DeleteRefundAction(const std::string& merchant_id,
                                                    const std::string& refund_id) {
  Stmt s = db_.Prepare("DELETE FROM refund_actions WHERE refund_id = ?1 AND merchant_id = ?2");
  s.Bind(1, refund_id).Bind(2, merchant_id);
  auto r = s.Exec();
  if (!r.ok()) return Err(r.error());
  return r.value() == 1;
}

StoreResult<bool> SqliteWriteTx::InsertEvent(const OutboxEvent& e) {
  // The sequence is the new rowid: one more than the largest (events are never deleted), and the
  // writer is the only one inserting, so it increases in commit order.
  Stmt s = db_.Prepare(
      "INSERT INTO events (id, merchant_id, dialect, type, object_id, body, created_ms) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  s.Bind(1, e.id).Bind(2, e.merchant_id).Bind(3, e.dialect).Bind(4, e.type).Bind(5, e.object_id);
  s.Bind(6, e.body).Bind(7, e.created_ms);
  auto r = s.Exec();
  if (!r.ok()) return Err(r.error());
  return true;
}

StoreResult<bool> SqliteWriteTx::InsertDelivery(const Delivery& d) {
  Stmt s = db_.Prepare("INSERT INTO webhook_deliveries (" DELIVERY_COLUMNS
                       ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
  s.Bind(1, d.id).Bind(2, d.event_id).Bind(3, d.merchant_id).Bind(4, d.endpoint_id);
  s.Bind(5, d.url).Bind(6, EncodeHeaders(d.headers)).Bind(7, DeliveryStatusName(d.status));
  s.Bind(8, int64_t{d.attempts}).Bind(9, d.next_attempt_ms).Bind(10, d.window_start_ms);
  s.Bind(11, d.last_attempt_ms).Bind(12, int64_t{d.last_http_status}).Bind(13, d.last_error);
  auto r = s.Exec();
  if (!r.ok()) return Err(r.error());
  return true;
}

StoreResult<std::vector<WebhookEndpoint>> SqliteWriteTx::LoadWebhookEndpoints(
    const std::string& merchant_id, const std::string& dialect) {
  if (endpoints_written_) return QueryEndpoints(db_, merchant_id, dialect);
  std::string key = merchant_id + '\n' + dialect;
  if (auto it = endpoints_.find(key); it != endpoints_.end()) return it->second;
  auto loaded = QueryEndpoints(db_, merchant_id, dialect);
  if (loaded.ok()) endpoints_.emplace(std::move(key), loaded.value());
  return loaded;
}

StoreResult<std::optional<WebhookEndpoint>> SqliteWriteTx::LoadWebhookEndpoint(
    const std::string& merchant_id, const std::string& endpoint_id) {
  return QueryEndpoint(db_, merchant_id, endpoint_id);
}

StoreResult<bool> SqliteWriteTx::InsertWebhookEndpoint(const WebhookEndpoint& e) {
  EndpointsWritten();
  Stmt s = db_.Prepare("INSERT INTO webhook_endpoints (" ENDPOINT_COLUMNS
                       ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  s.Bind(1, e.id).Bind(2, e.merchant_id).Bind(3, e.dialect).Bind(4, e.url).Bind(5, e.description);
  s.Bind(6, EncodeStrings(e.enabled_events)).Bind(7, EncodeSecrets(e.secrets));
  s.Bind(8, e.created_ms);
  auto r = s.Exec();
  if (!r.ok()) return Err(r.error());
  return true;
}

StoreResult<bool> SqliteWriteTx::UpdateWebhookEndpoint(const WebhookEndpoint& e) {
  EndpointsWritten();
  Stmt s = db_.Prepare(
      "UPDATE webhook_endpoints SET url = ?3, description = ?4, enabled_events = ?5, "
      "secrets = ?6 WHERE id = ?1 AND merchant_id = ?2");
  s.Bind(1, e.id).Bind(2, e.merchant_id).Bind(3, e.url).Bind(4, e.description);
  s.Bind(5, EncodeStrings(e.enabled_events)).Bind(6, EncodeSecrets(e.secrets));
  auto r = s.Exec();
  if (!r.ok()) return Err(r.error());
  return r.value() == 1;
}

StoreResult<bool> SqliteWriteTx::DeleteWebhookEndpoint(const std::string& merchant_id,
                                                       const std::string& endpoint_id) {
  EndpointsWritten();
  Stmt s = db_.Prepare("DELETE FROM webhook_endpoints WHERE id = ?1 AND merchant_id = ?2");
  s.Bind(1, endpoint_id).Bind(2, merchant_id);
  auto r = s.Exec();
  if (!r.ok()) return Err(r.error());
  return r.value() == 1;
}

// --- reads and claims ---------------------------------------------------------------------------

template <typename F>
auto SqliteStore::WithReadConnection(F f) -> decltype(f(std::declval<Db&>())) {
  std::unique_ptr<Db> db;
  {
    std::lock_guard lock(readers_mu_);
    if (!idle_readers_.empty()) {
      db = std::move(idle_readers_.back());
      idle_readers_.pop_back();
    }
  }
  if (!db) {
    auto opened = Db::Open(path_);
    if (!opened.ok()) return Err(Unavailable("cannot open a reader"));
    db = std::move(opened).value();
  }
  auto result = f(*db);
  if (db->InTransaction()) return result;  // closed, not pooled (see ReadTransaction)
  std::lock_guard lock(readers_mu_);
  idle_readers_.push_back(std::move(db));
  return result;
}

StoreResult<std::optional<int64_t>> SqliteStore::NextRefundActionDueMs() {
  return WithReadConnection([](Db& db) -> StoreResult<std::optional<int64_t>> {
    Stmt s =
        db.Prepare("SELECT next_action_ms FROM refund_actions ORDER BY next_action_ms LIMIT 1");
    return One<int64_t>(s, [](const Stmt& st) { return st.Int(0); });
  });
}

StoreResult<std::vector<RefundAction>> SqliteStore::ClaimDueRefundActions(int64_t now_ms, int limit,
                                                                          int64_t lease_ms) {
  return ClaimDue<RefundAction>(
      *this, *writer_db_,
      "SELECT " ACTION_COLUMNS
      " FROM refund_actions WHERE next_action_ms <= ?1 ORDER BY next_action_ms LIMIT ?2",
      ReadActionRow, "UPDATE refund_actions SET next_action_ms = ?2 WHERE refund_id = ?1",
      [](RefundAction& a) { return std::tie(a.refund_id, a.next_action_ms); }, now_ms, limit,
      lease_ms);
}

StoreResult<std::optional<RefundAction>> SqliteStore::ReadRefundAction(
    const std::string& merchant_id, const std::string& refund_id) {
  return WithReadConnection([&](Db& db) {
    Stmt s = db.Prepare("SELECT " ACTION_COLUMNS
                        " FROM refund_actions WHERE refund_id = ?1 AND merchant_id = ?2");
    s.Bind(1, refund_id).Bind(2, merchant_id);
    return One<RefundAction>(s, ReadActionRow);
  });
}

StoreResult<std::optional<int64_t>> SqliteStore::NextDeliveryDueMs() {
  return WithReadConnection([](Db& db) -> StoreResult<std::optional<int64_t>> {
    Stmt s = db.Prepare(
        "SELECT next_attempt_ms FROM webhook_deliveries WHERE status = 'pending' "
        "ORDER BY next_attempt_ms LIMIT 1");
    return One<int64_t>(s, [](const Stmt& st) { return st.Int(0); });
  });
}

StoreResult<std::vector<Delivery>> SqliteStore::ClaimDueDeliveries(int64_t now_ms, int limit,
                                                                   int64_t lease_ms) {
  return ClaimDue<Delivery>(
      *this, *writer_db_,
      "SELECT " DELIVERY_COLUMNS
      " FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_ms <= ?1 "
      "ORDER BY next_attempt_ms LIMIT ?2",
      ReadDeliveryRow, "UPDATE webhook_deliveries SET next_attempt_ms = ?2 WHERE id = ?1",
      [](Delivery& d) { return std::tie(d.id, d.next_attempt_ms); }, now_ms, limit, lease_ms);
}

StoreResult<bool> SqliteStore::RecordDeliveryAttempt(const DeliveryOutcome& o) {
  auto found = std::make_shared<StoreResult<bool>>(false);
  bool committed = SubmitAndWait([&, found](WriteTx&) {
    const DeliveryAttempt& a = o.attempt;
    Stmt u = writer_db_->Prepare(
        "UPDATE webhook_deliveries SET status = ?2, attempts = ?3, next_attempt_ms = ?4, "
        "last_attempt_ms = ?5, last_http_status = ?6, last_error = ?7 WHERE id = ?1");
    u.Bind(1, a.delivery_id).Bind(2, DeliveryStatusName(o.status)).Bind(3, int64_t{a.attempt});
    u.Bind(4, o.next_attempt_ms).Bind(5, a.started_ms).Bind(6, int64_t{a.http_status});
    u.Bind(7, a.error);
    auto r = u.Exec();
    if (!r.ok()) {
      *found = Err(r.error());
      return false;
    }
    if (r.value() == 0) return true;  // unknown delivery: nothing to log
    Stmt s = writer_db_->Prepare(
        "INSERT OR REPLACE INTO webhook_attempts (delivery_id, attempt, started_ms, duration_ms, "
        "http_status, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    s.Bind(1, a.delivery_id).Bind(2, int64_t{a.attempt}).Bind(3, a.started_ms);
    s.Bind(4, a.duration_ms).Bind(5, int64_t{a.http_status}).Bind(6, a.error);
    auto i = s.Exec();
    if (!i.ok()) {
      *found = Err(i.error());
      return false;
    }
    *found = true;
    return true;
  });
  if (!found->ok()) return *found;
  if (!committed) return Err(StoreError{StoreErrorKind::kUnknown, "attempt not committed"});
  return *found;
}

StoreResult<int> SqliteStore::RedeliverEvent(const std::string& merchant_id,
                                             const std::string& event_id, int64_t now_ms) {
  auto count = std::make_shared<StoreResult<int>>(0);
  bool committed = SubmitAndWait([&, count](WriteTx&) {
    Stmt s = writer_db_->Prepare(
        "UPDATE webhook_deliveries SET status = 'pending', next_attempt_ms = ?3, "
        "window_start_ms = ?3 WHERE event_id = ?1 AND merchant_id = ?2");
    s.Bind(1, event_id).Bind(2, merchant_id).Bind(3, now_ms);
    auto r = s.Exec();
    if (!r.ok()) {
      *count = Err(r.error());
      return false;
    }
    *count = r.value();
    return true;
  });
  if (!count->ok()) return *count;
  if (!committed) return Err(StoreError{StoreErrorKind::kUnknown, "redelivery not committed"});
  return *count;
}

StoreResult<std::optional<OutboxEvent>> SqliteStore::ReadEvent(const std::string& merchant_id,
                                                               const std::string& event_id) {
  return WithReadConnection([&](Db& db) {
    Stmt s = db.Prepare("SELECT " EVENT_COLUMNS " FROM events WHERE id = ?1 AND merchant_id = ?2");
    s.Bind(1, event_id).Bind(2, merchant_id);
    return One<OutboxEvent>(s, ReadEventRow);
  });
}

StoreResult<EventPage> SqliteStore::ListEvents(const EventListQuery& q) {
  return WithReadConnection([&](Db& db) -> StoreResult<EventPage> {
    // Newest first in insertion (seq) order, so the events of one transaction keep the order
    // they were written in; cursors are event ids of the same merchant. With a cursor, its
    // position and the page come from one snapshot.
    std::optional<ReadTransaction> snapshot;
    if (!q.starting_after.empty() || !q.ending_before.empty()) {
      snapshot.emplace(db);
      if (!snapshot->ok()) return Err(Unavailable("cannot begin a read"));
    }
    int64_t after_row = INT64_MAX, before_row = 0;
    for (const auto* cursor : {&q.starting_after, &q.ending_before}) {
      if (cursor->empty()) continue;
      Stmt c = db.Prepare("SELECT seq FROM events WHERE id = ?1 AND merchant_id = ?2");
      c.Bind(1, *cursor).Bind(2, q.merchant_id);
      auto row = c.Step();
      if (!row.ok()) return Err(row.error());
      if (!row.value()) return EventPage{};
      (cursor == &q.starting_after ? after_row : before_row) = c.Int(0);
    }
    const bool backwards = !q.ending_before.empty() && q.starting_after.empty();
    const char* sql =
        backwards ? "SELECT " EVENT_COLUMNS
                    " FROM events WHERE merchant_id = ?1 AND dialect = ?2 AND (?3 = '' OR type = "
                    "?3) AND (?4 = '' OR object_id = ?4) AND seq < ?5 AND seq > ?6 "
                    "ORDER BY seq ASC LIMIT ?7"
                  : "SELECT " EVENT_COLUMNS
                    " FROM events WHERE merchant_id = ?1 AND dialect = ?2 AND (?3 = '' OR type = "
                    "?3) AND (?4 = '' OR object_id = ?4) AND seq < ?5 AND seq > ?6 "
                    "ORDER BY seq DESC LIMIT ?7";
    Stmt s = db.Prepare(sql);
    s.Bind(1, q.merchant_id).Bind(2, q.dialect).Bind(3, q.type).Bind(4, q.object_id);
    s.Bind(5, after_row).Bind(6, before_row).Bind(7, static_cast<int64_t>(q.limit) + 1);
    auto rows = All<OutboxEvent>(s, ReadEventRow);
    if (!rows.ok()) return Err(rows.error());
    EventPage page;
    page.events = std::move(rows).value();
    if (static_cast<int>(page.events.size()) > q.limit) {
      page.has_more = true;
      page.events.pop_back();
    }
    if (backwards) std::reverse(page.events.begin(), page.events.end());
    return page;
  });
}

StoreResult<std::vector<Delivery>> SqliteStore::ListDeliveries(const std::string& merchant_id,
                                                               const std::string& event_id) {
  return WithReadConnection([&](Db& db) {
    Stmt s = db.Prepare("SELECT " DELIVERY_COLUMNS
                        " FROM webhook_deliveries WHERE event_id = ?1 AND merchant_id = ?2 "
                        "ORDER BY rowid");
    s.Bind(1, event_id).Bind(2, merchant_id);
    return All<Delivery>(s, ReadDeliveryRow);
  });
}

StoreResult<std::vector<DeliveryAttempt>> SqliteStore::ListDeliveryAttempts(
    const std::string& delivery_id) {
  return WithReadConnection([&](Db& db) {
    Stmt s = db.Prepare(
        "SELECT delivery_id, attempt, started_ms, duration_ms, http_status, error FROM "
        "webhook_attempts WHERE delivery_id = ?1 ORDER BY attempt");
    s.Bind(1, delivery_id);
    return All<DeliveryAttempt>(s, [](const Stmt& st) {
      return DeliveryAttempt{st.Text(0), static_cast<int>(st.Int(1)), st.Int(2),
                             st.Int(3),  static_cast<int>(st.Int(4)), st.Text(5)};
    });
  });
}

StoreResult<std::optional<WebhookEndpoint>> SqliteStore::ReadWebhookEndpoint(
    const std::string& merchant_id, const std::string& endpoint_id) {
  return WithReadConnection([&](Db& db) { return QueryEndpoint(db, merchant_id, endpoint_id); });
}

StoreResult<std::vector<WebhookEndpoint>> SqliteStore::ListWebhookEndpoints(
    const std::string& merchant_id, const std::string& dialect) {
  return WithReadConnection([&](Db& db) { return QueryEndpoints(db, merchant_id, dialect); });
}

StoreResult<std::optional<core::Credential>> SqliteStore::FindMerchantCredential(
    const std::string& merchant_id, const std::string& dialect) {
  return WithReadConnection([&](Db& db) {
    Stmt s = db.Prepare(
        "SELECT lookup, secret FROM credentials WHERE merchant_id = ?1 AND dialect = ?2 "
        "ORDER BY lookup LIMIT 1");
    s.Bind(1, merchant_id).Bind(2, dialect);
    return One<core::Credential>(s, [&](const Stmt& st) {
      return core::Credential{dialect, st.Text(0), merchant_id, st.Text(1)};
    });
  });
}

}  // namespace refundd::store::sqlite
