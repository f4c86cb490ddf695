#include "service/lifecycle.h"

#include <algorithm>

#include "base/ids.h"
#include "webhooks/event_body.h"

namespace refundd::service {

namespace {
uint64_t RandomBits() {
  uint64_t r = 0;
  RandomBytes(reinterpret_cast<unsigned char*>(&r), sizeof r);
  return r;
}
}  // namespace

Lifecycle::Lifecycle(processor::Processor& processor, const webhooks::Formats& formats,
                     LifecycleOptions options)
    : processor_(processor), formats_(formats), options_(options) {}

processor::Order Lifecycle::OrderFor(const core::Refund& refund,
                                     const core::Payment& payment) const {
  processor::Order o;
  o.refund_id = refund.id;
  o.merchant_id = refund.merchant_id;
  o.dialect = refund.dialect;
  o.amount_minor = refund.amount_minor;
  o.currency = std::string(refund.currency.code);
  o.created_ms = refund.created_ms;
  if (const webhooks::Format* f = formats_.Find(refund.dialect)) {
    f->DescribeInstrument(payment, o);
  } else {
    o.instrument = payment.payment_method;
  }
  return o;
}

Lifecycle::Decision Lifecycle::DecideNew(const core::Payment& payment, const core::Refund& refund,
                                         int64_t now_ms) const {
  Decision d;
  const store::RefundAction submit{refund.id, refund.merchant_id, "submit", 0, now_ms};
  std::optional<processor::Answer> answer = processor_.Instant(OrderFor(refund, payment), now_ms);
  if (!answer) {
    d.status = core::RefundStatus::kPending;  // the worker submits it
    d.action = submit;
    return d;
  }
  switch (answer->state) {
    case processor::State::kSucceeded:
      d.status = core::RefundStatus::kSucceeded;
      break;
    case processor::State::kFailed:
      d.status = core::RefundStatus::kFailed;
      d.failure_reason = answer->failure_reason;
      break;
    case processor::State::kPending:
    case processor::State::kUnknown:
    case processor::State::kNotFound:
      d.status = core::RefundStatus::kPending;
      break;
  }
  core::Refund after = refund;
  after.status = d.status;
  d.action = ActionAfter(*answer, after, submit, now_ms);
  return d;
}

std::optional<store::RefundAction> Lifecycle::ActionAfter(const processor::Answer& answer,
                                                          const core::Refund& refund,
                                                          const store::RefundAction& previous,
                                                          int64_t now_ms) const {
  if (refund.status == core::RefundStatus::kFailed ||
      refund.status == core::RefundStatus::kCanceled) {
    return std::nullopt;  // final: nothing to watch
  }
  store::RefundAction a{refund.id, refund.merchant_id, "lookup", 0, 0};
  auto retry_at = [&](int attempts) {
    return now_ms + webhooks::BackoffDelayMs(attempts, options_.retry, RandomBits());
  };
  switch (answer.state) {
    case processor::State::kSucceeded:
      if (refund.status != core::RefundStatus::kSucceeded || answer.recheck_at_ms == 0) {
        return std::nullopt;
      }
      a.next_action_ms = answer.recheck_at_ms;  // it may still fail late
      return a;
    case processor::State::kFailed:
      return std::nullopt;
    case processor::State::kPending:
      if (refund.status != core::RefundStatus::kPending) return std::nullopt;
      a.next_action_ms =
          answer.recheck_at_ms > 0 ? answer.recheck_at_ms : now_ms + options_.poll_ms;
      return a;
    case processor::State::kUnknown:
      // It may have reached the processor: look it up (a lookup that finds nothing sends it again
      // with the same key). Never guess.
      a.attempts = previous.attempts + 1;
      a.next_action_ms = std::max(answer.recheck_at_ms, retry_at(a.attempts));
      return a;
    case processor::State::kNotFound:
      a.phase = "submit";
      a.attempts = previous.attempts + 1;
      a.next_action_ms = retry_at(a.attempts);
      return a;
  }
  return std::nullopt;
}

store::StoreResult<bool> Lifecycle::Publish(store::WriteTx& tx, const core::Refund& refund,
                                            const core::Payment& payment,
                                            std::optional<core::RefundStatus> from,
                                            int64_t now_ms) const {
  const webhooks::Format* format = formats_.Find(refund.dialect);
  if (!format) return true;  // a dialect without webhooks
  auto endpoints = tx.LoadWebhookEndpoints(refund.merchant_id, refund.dialect);
  if (!endpoints.ok()) return Err(endpoints.error());
  const webhooks::Change change{refund, payment, from, now_ms, endpoints.value()};
  std::vector<webhooks::EventDraft> drafts = format->Events(change);
  if (drafts.empty()) return true;
  const std::vector<webhooks::RequestTarget> targets = format->RequestTargets(refund, payment);
  // No body is rendered here: the row keeps the change, and delivery renders from it.
  const webhooks::SnapshotWriter snapshot(change);
  for (webhooks::EventDraft& draft : drafts) {
    int endpoints_wanting = 0;
    for (const store::WebhookEndpoint& e : endpoints.value()) {
      endpoints_wanting += webhooks::Wants(e.enabled_events, draft.type) ? 1 : 0;
    }
    store::OutboxEvent event{draft.id,
                             refund.merchant_id,
                             refund.dialect,
                             draft.type,
                             draft.object_id,
                             0,
                             snapshot.For(draft, endpoints_wanting),
                             now_ms};
    auto inserted = tx.InsertEvent(event);
    if (!inserted.ok()) return Err(inserted.error());
    auto deliver = [&](const std::string& endpoint_id, const std::string& url,
                       const store::Headers& headers) -> store::StoreResult<bool> {
      store::Delivery d;
      d.id = SortableId("whd_", now_ms);
      d.event_id = event.id;
      d.merchant_id = refund.merchant_id;
      d.endpoint_id = endpoint_id;
      d.url = url;
      d.headers = headers;
      d.next_attempt_ms = now_ms;
      d.window_start_ms = now_ms;
      return tx.InsertDelivery(d);
    };
    // Targets the request named take the place of the merchant's endpoints ("the URL given in
    // the request, or the one configured": D24's notification_url, Kushki's webhooks[]).
    for (const store::WebhookEndpoint& e : endpoints.value()) {
      if (!targets.empty()) break;
      if (!webhooks::Wants(e.enabled_events, event.type)) continue;
      auto r = deliver(e.id, e.url, {});
      if (!r.ok()) return r;
    }
    for (const webhooks::RequestTarget& t : targets) {
      if (!webhooks::Wants(t.events, event.type)) continue;
      auto r = deliver("", t.url, t.headers);
      if (!r.ok()) return r;
    }
  }
  return true;
}

void LifecycleTx::Schedule(const std::string& merchant_id, const std::string& refund_id,
                           std::optional<store::RefundAction> action) {
  schedule_[refund_id] = Planned{merchant_id, std::move(action)};
}

void LifecycleTx::Remember(const core::Payment& payment) {
  payments_.insert_or_assign(payment.merchant_id + "/" + payment.id, payment);
}

store::StoreResult<std::optional<core::Payment>> LifecycleTx::LoadPaymentForUpdate(
    const std::string& merchant_id, const std::string& payment_id) {
  auto r = target().LoadPaymentForUpdate(merchant_id, payment_id);
  if (r.ok() && r.value()) Remember(*r.value());
  return r;
}

store::StoreResult<bool> LifecycleTx::InsertPayment(const core::Payment& payment) {
  auto r = target().InsertPayment(payment);
  if (r.ok() && r.value()) Remember(payment);
  return r;
}

store::StoreResult<bool> LifecycleTx::UpdatePayment(const core::Payment& payment) {
  auto r = target().UpdatePayment(payment);
  if (r.ok() && r.value()) Remember(payment);
  return r;
}

store::StoreResult<bool> LifecycleTx::InsertRefund(const core::Refund& refund) {
  auto r = target().InsertRefund(refund);
  if (r.ok()) changes_.push_back(Noted{refund, std::nullopt});
  return r;
}

store::StoreResult<bool> LifecycleTx::UpdateRefund(const core::Refund& refund) {
  // The status before this write: from the last change noted in this job, else the store's.
  std::optional<core::RefundStatus> before;
  Noted* last = nullptr;
  for (auto it = changes_.rbegin(); it != changes_.rend(); ++it) {
    if (it->refund.id == refund.id && it->refund.merchant_id == refund.merchant_id) {
      last = &*it;
      before = it->refund.status;
      break;
    }
  }
  if (!before) {
    auto loaded = target().LoadRefund(refund.merchant_id, refund.id);
    if (!loaded.ok()) return Err(loaded.error());
    if (loaded.value()) before = loaded.value()->status;
  }
  auto r = target().UpdateRefund(refund);
  if (!r.ok() || !r.value() || !before) return r;
  if (*before != refund.status) {
    changes_.push_back(Noted{refund, before});
  } else if (last) {
    last->refund = refund;  // same state, newer fields (ids a dialect assigns after creating)
  }
  return r;
}

bool LifecycleTx::CreatedInThisJob(const std::string& refund_id) const {
  for (const Noted& n : changes_) {
    if (!n.from && n.refund.id == refund_id) return true;
  }
  return false;
}

store::StoreResult<bool> LifecycleTx::Flush(int64_t now_ms) {
  for (const Noted& n : changes_) {
    auto known = payments_.find(n.refund.merchant_id + "/" + n.refund.payment_id);
    if (known == payments_.end()) {
      auto loaded = LoadPaymentForUpdate(n.refund.merchant_id, n.refund.payment_id);
      if (!loaded.ok()) return Err(loaded.error());
      CHECK(loaded.value().has_value());  // refunds reference their payment
      known = payments_.find(n.refund.merchant_id + "/" + n.refund.payment_id);
    }
    auto published = lifecycle_.Publish(target(), n.refund, known->second, n.from, now_ms);
    if (!published.ok()) return published;
    // A transition nobody scheduled was made by hand: the processor's watch ends.
    if (n.from && !schedule_.count(n.refund.id)) {
      schedule_[n.refund.id] = Planned{n.refund.merchant_id, std::nullopt};
    }
  }
  for (const auto& [refund_id, planned] : schedule_) {
    if (planned.action) {
      auto r = target().PutRefundAction(*planned.action);
      if (!r.ok()) return r;
    } else if (!CreatedInThisJob(refund_id)) {  // a refund created here has no action to delete
      auto r = target().DeleteRefundAction(planned.merchant_id, refund_id);
      if (!r.ok()) return Err(r.error());
    }
  }
  changes_.clear();
  schedule_.clear();
  return true;
}

}  // namespace refundd::service
