#include "webhooks/delivery.h"

#include <chrono>
#include <iostream>

#include "base/ids.h"
#include "base/thread_name.h"
#include "webhooks/event_body.h"

namespace refundd::webhooks {

namespace {

uint64_t RandomBits() {
  uint64_t r = 0;
  RandomBytes(reinterpret_cast<unsigned char*>(&r), sizeof r);
  return r;
}

store::DeliveryOutcome Dead(const store::Delivery& d, int64_t now_ms, std::string why) {
  store::DeliveryOutcome o;
  o.attempt = store::DeliveryAttempt{d.id, d.attempts + 1, now_ms, 0, 0, std::move(why)};
  o.status = store::DeliveryStatus::kDead;
  return o;
}

}  // namespace

Deliverer::Deliverer(store::Store& store, const Formats& formats, HttpClient& client,
                     const Clock& clock, DeliveryOptions options)
    : store_(store), formats_(formats), client_(client), clock_(clock), options_(options) {}

Deliverer::~Deliverer() { Stop(); }

void Deliverer::Start() {
  std::lock_guard lock(mu_);
  if (dispatcher_.joinable()) return;
  stopping_ = false;
  dispatcher_ = std::thread([this] { DispatchLoop(); });
  for (int i = 0; i < options_.senders; ++i) senders_.emplace_back([this] { SenderLoop(); });
}

void Deliverer::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  dispatch_cv_.notify_all();
  send_cv_.notify_all();
  if (dispatcher_.joinable()) dispatcher_.join();
  for (auto& t : senders_) t.join();
  senders_.clear();
  queue_.clear();
}

void Deliverer::Nudge() {
  {
    std::lock_guard lock(mu_);
    nudged_ = true;
  }
  dispatch_cv_.notify_one();
}

int Deliverer::RunOnce() {
  const int64_t now = clock_.NowMs();
  auto claimed = store_.ClaimDueDeliveries(now, options_.claim_batch,
                                           options_.timeout_ms + options_.lease_margin_ms);
  if (!claimed.ok()) return 0;
  for (const auto& d : claimed.value()) Attempt(d);
  return static_cast<int>(claimed.value().size());
}

void Deliverer::DispatchLoop() {
  NameThisThread("hook-dispatch");
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const int free = options_.senders - busy_ - static_cast<int>(queue_.size());
    int64_t wait_ms = options_.poll_ms;
    if (free > 0) {
      lock.unlock();
      const int64_t now = clock_.NowMs();
      auto due = store_.NextDeliveryDueMs();
      std::vector<store::Delivery> claimed;
      if (due.ok() && due.value() && *due.value() <= now) {
        auto c = store_.ClaimDueDeliveries(now, std::min(free, options_.claim_batch),
                                           options_.timeout_ms + options_.lease_margin_ms);
        if (c.ok()) claimed = std::move(c).value();
      } else if (due.ok() && due.value()) {
        wait_ms = std::clamp<int64_t>(*due.value() - now, 1, options_.poll_ms);
      }
      lock.lock();
      if (!claimed.empty()) {
        for (auto& d : claimed) queue_.push_back(std::move(d));
        send_cv_.notify_all();
        continue;  // there may be more due
      }
    }
    dispatch_cv_.wait_for(lock, std::chrono::milliseconds(wait_ms),
                          [this] { return stopping_ || nudged_; });
    nudged_ = false;
  }
}

void Deliverer::SenderLoop() {
  NameThisThread("hook-send");
  std::unique_lock lock(mu_);
  for (;;) {
    send_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    store::Delivery d = std::move(queue_.front());
    queue_.pop_front();
    ++busy_;
    lock.unlock();
    Attempt(d);
    lock.lock();
    --busy_;
    nudged_ = true;  // a sender is free: the dispatcher may claim more
    dispatch_cv_.notify_one();
  }
}

void Deliverer::Attempt(const store::Delivery& d) {
  const int64_t now = clock_.NowMs();
  auto event = store_.ReadEvent(d.merchant_id, d.event_id);
  if (!event.ok()) return;  // the store is unavailable: the lease runs out, it is tried again
  if (!event.value()) {
    (void)store_.RecordDeliveryAttempt(Dead(d, now, "the event does not exist"));
    return;
  }
  const store::OutboxEvent& e = *event.value();
  const Format* format = formats_.Find(e.dialect);
  // Rendered at every attempt, before signing, so the signature covers exactly the bytes sent;
  // the snapshot is fixed, so every attempt sends the same bytes.
  auto body = RenderEventBody(format, e);
  if (!body.ok()) {
    std::cerr << "refundd: webhook " << d.id << " is dead: " << body.error() << std::endl;
    (void)store_.RecordDeliveryAttempt(Dead(d, now, body.error()));
    return;
  }

  SigningKeys keys;
  keys.merchant_id = d.merchant_id;
  std::string url = d.url;
  if (!d.endpoint_id.empty()) {
    auto endpoint = store_.ReadWebhookEndpoint(d.merchant_id, d.endpoint_id);
    if (!endpoint.ok()) return;
    if (!endpoint.value()) {
      (void)store_.RecordDeliveryAttempt(Dead(d, now, "the endpoint was deleted"));
      return;
    }
    url = endpoint.value()->url;
    for (const auto& s : endpoint.value()->secrets) {
      if (s.expires_ms == 0 || s.expires_ms > now) keys.secrets.push_back(s.secret);
    }
  }
  if (format && !format->credential_dialect().empty()) {
    auto credential =
        store_.FindMerchantCredential(d.merchant_id, std::string(format->credential_dialect()));
    if (!credential.ok()) return;
    keys.credential = credential.value();
  }

  OutboundRequest request;
  request.url = url;
  request.body = std::move(body).value();
  request.timeout_ms = options_.timeout_ms;
  request.headers = {{"X-Refundd-Event-Id", e.id},
                     {"X-Refundd-Event-Type", e.type},
                     {"X-Refundd-Event-Sequence", std::to_string(e.sequence)},
                     {"X-Refundd-Delivery-Attempt", std::to_string(d.attempts + 1)}};
  if (format) {
    for (auto& h : format->Sign(url, request.body, now, keys)) request.headers.push_back(std::move(h));
  }
  for (const auto& h : d.headers) request.headers.push_back(h);

  const auto started = std::chrono::steady_clock::now();
  OutboundResult result = client_.Post(request);
  const int64_t duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::steady_clock::now() - started)
                                  .count();
  const int64_t after = clock_.NowMs();

  store::DeliveryOutcome o;
  o.attempt.delivery_id = d.id;
  o.attempt.attempt = d.attempts + 1;
  o.attempt.started_ms = now;
  o.attempt.duration_ms = duration_ms;
  o.attempt.http_status = result.status;
  if (result.status >= 200 && result.status < 300) {
    o.status = store::DeliveryStatus::kDelivered;
  } else {
    o.attempt.error = result.status != 0 ? "HTTP " + std::to_string(result.status) : result.error;
    const std::vector<int64_t> fixed = format ? format->RetryDelaysMs() : std::vector<int64_t>{};
    NextAttempt next = AfterFailure(o.attempt.attempt, after, d.window_start_ms, fixed,
                                    options_.retry, RandomBits());
    if (next.give_up) {
      o.status = store::DeliveryStatus::kDead;
      std::cerr << "refundd: webhook " << d.id << " (event " << e.id << ") given up after "
                << o.attempt.attempt << " attempts: " << o.attempt.error << std::endl;
    } else {
      o.next_attempt_ms = next.at_ms;
    }
  }
  (void)store_.RecordDeliveryAttempt(o);  // if it fails, the lease runs out and it goes again
}

}  // namespace refundd::webhooks
