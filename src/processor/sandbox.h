#pragma once
// The built-in sandbox processor: deterministic outcomes chosen by the payment's test card or
// payment method (the table is in sandbox.cc and in docs/lifecycle.md). An outcome is a pure
// function of the scenario, the refund's creation time, the settle delay and the current time, so
// a restarted refundd asks again and gets the same story: nothing is kept in memory.
// Thread-safe (immutable after construction).

#include <cstdint>
#include <string_view>

#include "processor/processor.h"

namespace refundd::processor {

enum class Scenario {
  kInstant,       // succeeds at once
  kDecline,       // refused at once (synchronous decline): "declined"
  kAsyncSuccess,  // pending, succeeds after the settle delay (cash, bank transfers, wallets)
  kAsyncFailure,  // pending, fails after the settle delay: "lost_or_stolen_card"
  kLateFailure,   // succeeds at once, fails after the settle delay: "expired_or_canceled_card"
  kStuck,         // pending until completed or canceled by hand
  kTimeout,       // no answer until the settle delay has passed, then it had succeeded
};
std::string_view ScenarioName(Scenario scenario);

// The scenario of an order: a test card (BIN 400000 + last four digits), else a test word in the
// instrument ("pm_card_refundDecline", "us_refund_async_card", "REFUND_STUCK", ...), else the
// dialect's default: kAsyncSuccess for asynchronous methods, kInstant for the rest.
Scenario ScenarioFor(const Order& order);

struct SandboxOptions {
  int64_t settle_delay_ms = 5000;
  // A stuck refund is looked at again this often (nothing changes until a hand moves it).
  int64_t stuck_recheck_ms = 3600 * 1000;
};

// What the processor says about a refund of `scenario` created at `created_ms`, at `now_ms`.
Answer Evaluate(Scenario scenario, int64_t created_ms, int64_t now_ms,
                const SandboxOptions& options);

class SandboxProcessor final : public Processor {
 public:
  explicit SandboxProcessor(SandboxOptions options) : options_(options) {}

  std::optional<Answer> Instant(const Order& order, int64_t now_ms) const override;
  Answer Submit(const Order& order, int64_t now_ms) override;
  Answer Lookup(const Order& order, int64_t now_ms) override;

 private:
  Answer Decide(const Order& order, int64_t now_ms) const;
  const SandboxOptions options_;
};

}  // namespace refundd::processor
