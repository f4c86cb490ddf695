#pragma once
// The lifecycle worker: asks the processor about every refund whose action is due (store/outbox.h)
// and moves the refund through the transition table with what it learns. Each move and its outbox
// events commit in one transaction (a LifecycleTx), together with the refund's next action.
//
// Durable by construction: the actions live in the store, so after a restart (even a SIGKILL)
// the worker resumes every pending refund where it was. An action is claimed with a lease; if the
// worker dies between the processor's answer and the commit, the action is claimed again when the
// lease runs out and the processor is asked again with the same idempotency key (the refund id).
// An answer that never came (kUnknown) is never taken for a result: the refund stays as it is and
// is looked up later, with backoff.
//
// One thread; Start()/Stop() are not thread-safe with each other, RunOnce() is for tests.

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "base/clock.h"
#include "service/lifecycle.h"
#include "store/store.h"

namespace refundd::service {

struct WorkerOptions {
  int64_t poll_ms = 200;     // how often it looks for due actions when idle
  int batch = 32;            // actions claimed at once
  int64_t lease_ms = 5'000;  // a claimed action is claimed again after this if not settled
};

class LifecycleWorker {
 public:
  // Every reference must outlive the worker.
  LifecycleWorker(store::Store& store, const Lifecycle& lifecycle, const Clock& clock,
                  WorkerOptions options);
  ~LifecycleWorker();

  void Start();
  void Stop();  // idempotent; waits for the action in hand
  void Nudge();

  // Claims the actions due now and settles each on the caller's thread; how many (tests).
  int RunOnce();

 private:
  void Settle(const store::RefundAction& action);
  void Loop();

  store::Store& store_;
  const Lifecycle& lifecycle_;
  const Clock& clock_;
  const WorkerOptions options_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool nudged_ = false;
  std::thread thread_;
};

}  // namespace refundd::service
