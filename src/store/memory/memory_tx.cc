#include "store/memory/memory_tx.h"

#include <algorithm>

namespace refundd::store::memory {

StoreError Constraint(std::string message) {
  return StoreError{StoreErrorKind::kConstraint, std::move(message)};
}

std::vector<WebhookEndpoint> EndpointsOf(const MemoryDisk& d, const std::string& merchant_id,
                                         const std::string& dialect) {
  std::vector<WebhookEndpoint> out;
  for (const auto& [id, e] : d.endpoints) {
    if (e.merchant_id == merchant_id && e.dialect == dialect) out.push_back(e);
  }
  std::sort(out.begin(), out.end(), [](const WebhookEndpoint& a, const WebhookEndpoint& b) {
    return std::tie(a.created_ms, a.id) < std::tie(b.created_ms, b.id);
  });
  return out;
}

StoreResult<std::optional<core::Payment>> MemoryStore::Tx::LoadPaymentForUpdate(
    const std::string& merchant_id, const std::string& payment_id) {
  auto it = d_.payments.find({merchant_id, payment_id});
  if (it == d_.payments.end()) return std::optional<core::Payment>();
  return std::optional<core::Payment>(it->second);
}

StoreResult<bool> MemoryStore::Tx::InsertPayment(const core::Payment& p) {
  CHECK(p.Consistent());
  if (d_.payment_owners.count(p.id)) return Err(Constraint("payment " + p.id + " exists"));
  undo_.Put(d_.payment_owners, p.id, p.merchant_id);
  undo_.Put(d_.payments, {p.merchant_id, p.id}, p);
  return true;
}

StoreResult<bool> MemoryStore::Tx::UpdatePayment(const core::Payment& p) {
  CHECK(p.Consistent());
  auto it = d_.payments.find({p.merchant_id, p.id});
  if (it == d_.payments.end()) return false;
  // The columns SQLite's and PostgreSQL's UPDATE write; the others never change.
  core::Payment next = it->second;
  next.amount_minor = p.amount_minor;
  next.captured_minor = p.captured_minor;
  next.refunded_minor = p.refunded_minor;
  next.pending_minor = p.pending_minor;
  next.status = p.status;
  next.metadata = p.metadata;
  next.cancellation_reason = p.cancellation_reason;
  next.updated_ms = p.updated_ms;
  next.canceled_ms = p.canceled_ms;
  next.attrs = p.attrs;
  next.payment_method = p.payment_method;
  next.parts = p.parts;
  undo_.Put(d_.payments, it->first, std::move(next));
  return true;
}

StoreResult<std::optional<core::Refund>> MemoryStore::Tx::LoadRefund(
    const std::string& merchant_id, const std::string& refund_id) {
  auto it = d_.refunds.find(refund_id);
  if (it == d_.refunds.end() || it->second.refund.merchant_id != merchant_id) {
    return std::optional<core::Refund>();
  }
  return std::optional<core::Refund>(it->second.refund);
}

StoreResult<bool> MemoryStore::Tx::InsertRefund(const core::Refund& r) {
  if (!d_.payments.count({r.merchant_id, r.payment_id})) {
    return Err(Constraint("refund " + r.id + ": no payment " + r.payment_id));
  }
  if (d_.refunds.count(r.id)) return Err(Constraint("refund " + r.id + " exists"));
  const int64_t seq = d_.next_seq++;
  undo_.Put(d_.refunds, r.id, MemoryDisk::StoredRefund{r, seq});
  undo_.Put(d_.refund_order, seq, r.id);
  return true;
}

StoreResult<bool> MemoryStore::Tx::UpdateRefund(const core::Refund& r) {
  auto it = d_.refunds.find(r.id);
  if (it == d_.refunds.end() || it->second.refund.merchant_id != r.merchant_id) return false;
  MemoryDisk::StoredRefund next = it->second;
  next.refund.status = r.status;
  next.refund.metadata = r.metadata;
  next.refund.failure_reason = r.failure_reason;
  next.refund.updated_ms = r.updated_ms;
  next.refund.attrs = r.attrs;
  undo_.Put(d_.refunds, r.id, std::move(next));
  return true;
}

StoreResult<std::optional<std::string>> MemoryStore::Tx::FindAlias(const std::string& merchant_id,
                                                                   const std::string& kind,
                                                                   const std::string& alias) {
  auto it = d_.aliases.find({merchant_id, kind, alias});
  if (it == d_.aliases.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

StoreResult<bool> MemoryStore::Tx::InsertAlias(const Alias& a) {
  if (d_.aliases.count({a.merchant_id, a.kind, a.alias})) return false;
  undo_.Put(d_.aliases, {a.merchant_id, a.kind, a.alias}, a.object_id);
  return true;
}

StoreResult<std::optional<core::IdempotencyRecord>> MemoryStore::Tx::LoadIdempotency(
    const std::string& merchant_id, const std::string& key) {
  auto it = d_.idempotency.find({merchant_id, key});
  if (it == d_.idempotency.end()) return std::optional<core::IdempotencyRecord>();
  return std::optional<core::IdempotencyRecord>(it->second);
}

StoreResult<std::optional<core::IdempotencyRecord>> MemoryStore::Tx::ClaimIdempotency(
    const std::string& merchant_id, const std::string& key, int64_t /*now_ms*/) {
  return LoadIdempotency(merchant_id, key);
}

StoreResult<bool> MemoryStore::Tx::PutIdempotency(const core::IdempotencyRecord& record) {
  undo_.Put(d_.idempotency, {record.merchant_id, record.key}, record);
  return true;
}

StoreResult<bool> MemoryStore::Tx::PutRefundAction(const RefundAction& action) {
  undo_.Put(d_.actions, action.refund_id, action);
  return true;
}

StoreResult<bool> MemoryStore::Tx::DeleteRefundAction(const std::string& merchant_id,
                                                      const std::string& refund_id) {
  auto it = d_.actions.find(refund_id);
  if (it == d_.actions.end() || it->second.merchant_id != merchant_id) return false;
  return undo_.Erase(d_.actions, refund_id);
}

StoreResult<bool> MemoryStore::Tx::InsertEvent(const OutboxEvent& event) {
  if (d_.events.count(event.id)) return Err(Constraint("event " + event.id + " exists"));
  OutboxEvent e = event;
  e.sequence = d_.next_seq++;
  const std::string id = e.id;  // not e.id itself: the value below is moved from e
  undo_.Put(d_.event_order, e.sequence, id);
  undo_.Put(d_.events, id, std::move(e));
  return true;
}

StoreResult<bool> MemoryStore::Tx::InsertDelivery(const Delivery& delivery) {
  if (d_.deliveries.count(delivery.id)) {
    return Err(Constraint("delivery " + delivery.id + " exists"));
  }
  undo_.Put(d_.deliveries, delivery.id, MemoryDisk::StoredDelivery{delivery, d_.next_seq++});
  return true;
}

StoreResult<std::vector<WebhookEndpoint>> MemoryStore::Tx::LoadWebhookEndpoints(
    const std::string& merchant_id, const std::string& dialect) {
  return EndpointsOf(d_, merchant_id, dialect);
}

StoreResult<std::optional<WebhookEndpoint>> MemoryStore::Tx::LoadWebhookEndpoint(
    const std::string& merchant_id, const std::string& endpoint_id) {
  auto it = d_.endpoints.find(endpoint_id);
  if (it == d_.endpoints.end() || it->second.merchant_id != merchant_id) {
    return std::optional<WebhookEndpoint>();
  }
  return std::optional<WebhookEndpoint>(it->second);
}

StoreResult<bool> MemoryStore::Tx::InsertWebhookEndpoint(const WebhookEndpoint& e) {
  if (d_.endpoints.count(e.id)) return Err(Constraint("endpoint " + e.id + " exists"));
  undo_.Put(d_.endpoints, e.id, e);
  return true;
}

StoreResult<bool> MemoryStore::Tx::UpdateWebhookEndpoint(const WebhookEndpoint& e) {
  auto it = d_.endpoints.find(e.id);
  if (it == d_.endpoints.end() || it->second.merchant_id != e.merchant_id) return false;
  WebhookEndpoint next = it->second;
  next.url = e.url;
  next.description = e.description;
  next.enabled_events = e.enabled_events;
  next.secrets = e.secrets;
  undo_.Put(d_.endpoints, e.id, std::move(next));
  return true;
}

StoreResult<bool> MemoryStore::Tx::DeleteWebhookEndpoint(const std::string& merchant_id,
                                                         const std::string& endpoint_id) {
  auto it = d_.endpoints.find(endpoint_id);
  if (it == d_.endpoints.end() || it->second.merchant_id != merchant_id) return false;
  return undo_.Erase(d_.endpoints, endpoint_id);
}

}  // namespace refundd::store::memory
