#pragma once
// The outbox's delivery loop: sends every pending delivery (store/outbox.h) to its target, signed
// by its dialect's Format, and records each attempt. At least once: a delivery is marked delivered
// only after a 2xx answer was recorded, so a crash in between sends it again later, with the same
// event id (and the same body, rendered again from the event's snapshot: event_body.h) for the
// receiver to deduplicate. An event whose snapshot does not decode is corruption: its delivery is
// dead at once, with the reason logged and in the delivery log. Failed attempts are retried on the
// schedule of backoff.h until the give-up age, then the delivery is dead (redeliverable by hand).
//
// Threads: one dispatcher claims due deliveries (store claims, leased for timeout + margin) and
// hands them to `senders` threads, each doing one blocking POST at a time. Every delivery carries
// X-Refundd-Event-Id, X-Refundd-Event-Type and X-Refundd-Event-Sequence (increasing in each object's order), so
// receivers of every dialect can deduplicate and order.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "store/store.h"
#include "webhooks/backoff.h"
#include "webhooks/client.h"
#include "webhooks/format.h"

namespace refundd::webhooks {

struct DeliveryOptions {
  int senders = 4;
  int64_t timeout_ms = 10'000;  // per attempt: resolve, connect, handshake, send, answer header
  RetryPolicy retry;
  int64_t poll_ms = 200;           // how often the dispatcher looks for due deliveries when idle
  int64_t lease_margin_ms = 2000;  // a claim is leased for timeout_ms + this
  int claim_batch = 32;
};

class Deliverer {
 public:
  // Every reference must outlive the Deliverer.
  Deliverer(store::Store& store, const Formats& formats, HttpClient& client, const Clock& clock,
            DeliveryOptions options);
  ~Deliverer();

  void Start();
  // Stops claiming, lets attempts in flight finish, joins the threads. Deliveries claimed but not
  // tried are tried again once their lease runs out (after a restart, too). Idempotent.
  void Stop();
  // Wakes the dispatcher: something may be due now.
  void Nudge();

  // Claims what is due now and tries it on the caller's thread; how many were tried (tests).
  int RunOnce();

 private:
  void Attempt(const store::Delivery& delivery);
  void DispatchLoop();
  void SenderLoop();

  store::Store& store_;
  const Formats& formats_;
  HttpClient& client_;
  const Clock& clock_;
  const DeliveryOptions options_;

  std::mutex mu_;
  std::condition_variable dispatch_cv_;
  std::condition_variable send_cv_;
  std::deque<store::Delivery> queue_;  // guarded by mu_
  int busy_ = 0;                       // senders in an attempt; guarded by mu_
  bool stopping_ = false;
  bool nudged_ = false;
  std::thread dispatcher_;
  std::vector<std::thread> senders_;
};

}  // namespace refundd::webhooks
