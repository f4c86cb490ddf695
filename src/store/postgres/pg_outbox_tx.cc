// The PostgreSQL backend's outbox inside a writer's batch: refund actions, webhook endpoints,
// events and deliveries are deferred and journaled like payments and refunds (pg_tx.h) and
// written set-based at flush. The reads and claims are in pg_outbox.cc.
#include <algorithm>

#include "store/postgres/pg_outbox_rows.h"
#include "store/postgres/pg_queries.h"
#include "store/postgres/pg_store.h"
#include "store/postgres/pg_tx.h"

namespace refundd::store::postgres {

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

StoreResult<bool> PgWriteTx::InsertEvent(const OutboxEvent& event) {
  if (auto stop = Stopped()) return Err(*stop);
  events_.push_back(event);  // its seq is assigned when the batch inserts it, under the locks
  journal_.push_back([this] { events_.pop_back(); });
  return true;
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
      out.push_back(
          {"UPDATE webhook_endpoints SET url = $3, description = $4, "
           "enabled_events = $5, secrets = $6 WHERE id = $1 AND merchant_id = $2",
           Params()
               .Add(e.id)
               .Add(e.merchant_id)
               .Add(e.url)
               .Add(e.description)
               .Add(EncodeStrings(e.enabled_events))
               .Add(EncodeSecrets(e.secrets))});
    } else {
      out.push_back({"INSERT INTO webhook_endpoints (" ENDPOINT_COLUMNS
                     ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                     Params()
                         .Add(e.id)
                         .Add(e.merchant_id)
                         .Add(e.dialect)
                         .Add(e.url)
                         .Add(e.description)
                         .Add(EncodeStrings(e.enabled_events))
                         .Add(EncodeSecrets(e.secrets))
                         .Add(e.created_ms)});
    }
  }
  if (!events_.empty()) {
    ArrayLiteral c[7];
    for (const OutboxEvent& e : events_) {
      c[0].Add(e.id), c[1].Add(e.merchant_id), c[2].Add(e.dialect), c[3].Add(e.type);
      c[4].Add(e.object_id), c[5].Add(e.body), c[6].Add(e.created_ms);
    }
    Params params;
    for (auto& a : c) params.Add(a.Finish());
    // In the order written, so seq (the identity) follows it.
    out.push_back({"INSERT INTO events (" EVENT_INSERT_COLUMNS ") SELECT " EVENT_INSERT_COLUMNS
                   " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], "
                   "$6::text[], $7::bigint[]) WITH ORDINALITY AS u(" EVENT_INSERT_COLUMNS
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
                   "$6::text[], $7::text[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], "
                   "$12::bigint[], $13::text[]) WITH ORDINALITY AS u(" DELIVERY_COLUMNS
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
                   ") SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], "
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

}  // namespace refundd::store::postgres
