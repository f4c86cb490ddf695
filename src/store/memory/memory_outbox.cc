// The in-memory store's part of the lifecycle contract (store/outbox.h): claims and attempts run
// on the writer, like SQLite's; reads under the lock.
#include <algorithm>
#include <cstdint>

#include "store/memory/memory_store.h"
#include "store/memory/memory_tx.h"

namespace refundd::store::memory {

StoreResult<std::optional<int64_t>> MemoryStore::NextRefundActionDueMs() {
  auto lock = LockForRead();
  std::optional<int64_t> out;
  for (const auto& [id, a] : disk_->actions) {
    if (!out || a.next_action_ms < *out) out = a.next_action_ms;
  }
  return out;
}

StoreResult<std::vector<RefundAction>> MemoryStore::ClaimDueRefundActions(int64_t now_ms, int limit,
                                                                          int64_t lease_ms) {
  std::vector<RefundAction> out;
  auto written = Write([&](Tx& tx) -> StoreResult<bool> {
    out.clear();
    for (const auto& [id, a] : tx.disk().actions) {
      if (a.next_action_ms <= now_ms) out.push_back(a);
    }
    std::stable_sort(out.begin(), out.end(), [](const RefundAction& a, const RefundAction& b) {
      return a.next_action_ms < b.next_action_ms;
    });
    if (static_cast<int>(out.size()) > limit) out.resize(static_cast<std::size_t>(limit));
    for (RefundAction& a : out) {
      a.next_action_ms = now_ms + lease_ms;
      tx.undo().Put(tx.disk().actions, a.refund_id, a);
    }
    return true;
  });
  if (!written.ok()) return Err(written.error());
  return out;
}

StoreResult<std::optional<RefundAction>> MemoryStore::ReadRefundAction(
    const std::string& merchant_id, const std::string& refund_id) {
  auto lock = LockForRead();
  auto it = disk_->actions.find(refund_id);
  if (it == disk_->actions.end() || it->second.merchant_id != merchant_id) {
    return std::optional<RefundAction>();
  }
  return std::optional<RefundAction>(it->second);
}

StoreResult<std::optional<int64_t>> MemoryStore::NextDeliveryDueMs() {
  auto lock = LockForRead();
  std::optional<int64_t> out;
  for (const auto& [id, stored] : disk_->deliveries) {
    const Delivery& d = stored.delivery;
    if (d.status == DeliveryStatus::kPending && (!out || d.next_attempt_ms < *out)) {
      out = d.next_attempt_ms;
    }
  }
  return out;
}

StoreResult<std::vector<Delivery>> MemoryStore::ClaimDueDeliveries(int64_t now_ms, int limit,
                                                                   int64_t lease_ms) {
  std::vector<Delivery> out;
  auto written = Write([&](Tx& tx) -> StoreResult<bool> {
    std::vector<const MemoryDisk::StoredDelivery*> due;
    for (const auto& [id, stored] : tx.disk().deliveries) {
      const Delivery& d = stored.delivery;
      if (d.status == DeliveryStatus::kPending && d.next_attempt_ms <= now_ms) {
        due.push_back(&stored);
      }
    }
    std::sort(due.begin(), due.end(), [](const auto* a, const auto* b) {
      return std::tie(a->delivery.next_attempt_ms, a->seq) <
             std::tie(b->delivery.next_attempt_ms, b->seq);
    });
    if (static_cast<int>(due.size()) > limit) due.resize(static_cast<std::size_t>(limit));
    std::vector<MemoryDisk::StoredDelivery> leased;
    for (const auto* stored : due) leased.push_back(*stored);
    out.clear();
    for (MemoryDisk::StoredDelivery& stored : leased) {
      stored.delivery.next_attempt_ms = now_ms + lease_ms;
      out.push_back(stored.delivery);
      tx.undo().Put(tx.disk().deliveries, stored.delivery.id, stored);
    }
    return true;
  });
  if (!written.ok()) return Err(written.error());
  return out;
}

StoreResult<bool> MemoryStore::RecordDeliveryAttempt(const DeliveryOutcome& o) {
  bool found = false;
  auto written = Write([&](Tx& tx) -> StoreResult<bool> {
    const DeliveryAttempt& a = o.attempt;
    auto it = tx.disk().deliveries.find(a.delivery_id);
    found = it != tx.disk().deliveries.end();
    if (!found) return true;  // unknown delivery: nothing to log
    MemoryDisk::StoredDelivery next = it->second;
    next.delivery.status = o.status;
    next.delivery.attempts = a.attempt;
    next.delivery.next_attempt_ms = o.next_attempt_ms;
    next.delivery.last_attempt_ms = a.started_ms;
    next.delivery.last_http_status = a.http_status;
    next.delivery.last_error = a.error;
    tx.undo().Put(tx.disk().deliveries, a.delivery_id, std::move(next));
    tx.undo().Put(tx.disk().attempts, {a.delivery_id, a.attempt}, a);
    return true;
  });
  if (!written.ok()) return Err(written.error());
  return found;
}

StoreResult<int> MemoryStore::RedeliverEvent(const std::string& merchant_id,
                                             const std::string& event_id, int64_t now_ms) {
  int count = 0;
  auto written = Write([&](Tx& tx) -> StoreResult<bool> {
    count = 0;
    std::vector<MemoryDisk::StoredDelivery> changed;
    for (const auto& [id, stored] : tx.disk().deliveries) {
      if (stored.delivery.event_id != event_id || stored.delivery.merchant_id != merchant_id) {
        continue;
      }
      MemoryDisk::StoredDelivery next = stored;
      next.delivery.status = DeliveryStatus::kPending;
      next.delivery.next_attempt_ms = now_ms;
      next.delivery.window_start_ms = now_ms;
      changed.push_back(std::move(next));
    }
    for (MemoryDisk::StoredDelivery& next : changed) {
      const std::string id = next.delivery.id;
      tx.undo().Put(tx.disk().deliveries, id, std::move(next));
      ++count;
    }
    return true;
  });
  if (!written.ok()) return Err(written.error());
  return count;
}

StoreResult<std::optional<OutboxEvent>> MemoryStore::ReadEvent(const std::string& merchant_id,
                                                               const std::string& event_id) {
  auto lock = LockForRead();
  auto it = disk_->events.find(event_id);
  if (it == disk_->events.end() || it->second.merchant_id != merchant_id) {
    return std::optional<OutboxEvent>();
  }
  return std::optional<OutboxEvent>(it->second);
}

StoreResult<EventPage> MemoryStore::ListEvents(const EventListQuery& q) {
  auto lock = LockForRead();
  const MemoryDisk& d = *disk_;
  // Cursors are event ids of the same merchant; an unknown cursor yields an empty page.
  int64_t after_seq = INT64_MAX, before_seq = 0;
  for (const auto* cursor : {&q.starting_after, &q.ending_before}) {
    if (cursor->empty()) continue;
    auto it = d.events.find(*cursor);
    if (it == d.events.end() || it->second.merchant_id != q.merchant_id) return EventPage{};
    (cursor == &q.starting_after ? after_seq : before_seq) = it->second.sequence;
  }
  const bool backwards = !q.ending_before.empty() && q.starting_after.empty();
  EventPage page;
  // Newest first in the order written (sequence), like the SQL backends.
  std::vector<std::pair<int64_t, const OutboxEvent*>> rows;
  for (const auto& [seq, id] : d.event_order) {
    const OutboxEvent& e = d.events.at(id);
    if (seq >= after_seq || seq <= before_seq) continue;
    if (e.merchant_id != q.merchant_id || e.dialect != q.dialect) continue;
    if (!q.type.empty() && e.type != q.type) continue;
    if (!q.object_id.empty() && e.object_id != q.object_id) continue;
    rows.emplace_back(seq, &e);
  }
  if (!backwards) std::reverse(rows.begin(), rows.end());
  for (const auto& [seq, e] : rows) {
    if (static_cast<int>(page.events.size()) > q.limit) break;
    page.events.push_back(*e);
  }
  if (static_cast<int>(page.events.size()) > q.limit) {
    page.has_more = true;
    page.events.pop_back();
  }
  if (backwards) std::reverse(page.events.begin(), page.events.end());
  return page;
}

StoreResult<std::vector<Delivery>> MemoryStore::ListDeliveries(const std::string& merchant_id,
                                                               const std::string& event_id) {
  auto lock = LockForRead();
  std::vector<const MemoryDisk::StoredDelivery*> found;
  for (const auto& [id, stored] : disk_->deliveries) {
    if (stored.delivery.event_id == event_id && stored.delivery.merchant_id == merchant_id) {
      found.push_back(&stored);
    }
  }
  std::sort(found.begin(), found.end(), [](const auto* a, const auto* b) { return a->seq < b->seq; });
  std::vector<Delivery> out;
  for (const auto* stored : found) out.push_back(stored->delivery);
  return out;
}

StoreResult<std::vector<DeliveryAttempt>> MemoryStore::ListDeliveryAttempts(
    const std::string& delivery_id) {
  auto lock = LockForRead();
  std::vector<DeliveryAttempt> out;
  for (auto it = disk_->attempts.lower_bound({delivery_id, INT32_MIN});
       it != disk_->attempts.end() && it->first.first == delivery_id; ++it) {
    out.push_back(it->second);
  }
  return out;
}

StoreResult<std::optional<WebhookEndpoint>> MemoryStore::ReadWebhookEndpoint(
    const std::string& merchant_id, const std::string& endpoint_id) {
  auto lock = LockForRead();
  return Tx(*disk_).LoadWebhookEndpoint(merchant_id, endpoint_id);
}

StoreResult<std::vector<WebhookEndpoint>> MemoryStore::ListWebhookEndpoints(
    const std::string& merchant_id, const std::string& dialect) {
  auto lock = LockForRead();
  return EndpointsOf(*disk_, merchant_id, dialect);
}

StoreResult<std::optional<core::Credential>> MemoryStore::FindMerchantCredential(
    const std::string& merchant_id, const std::string& dialect) {
  auto lock = LockForRead();
  for (auto it = disk_->credentials.lower_bound({dialect, ""});
       it != disk_->credentials.end() && it->first.first == dialect; ++it) {
    if (it->second.merchant_id == merchant_id) return std::optional<core::Credential>(it->second);
  }
  return std::optional<core::Credential>();
}

}  // namespace refundd::store::memory
