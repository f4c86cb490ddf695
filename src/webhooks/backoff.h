#pragma once
// When a failed delivery is tried again, and when refundd gives up on it. Pure functions: the
// caller passes the random bits, so the schedule is testable as a table.
//
// refundd's schedule (dialects that publish none, e.g. Stripe's "up to three days with an
// exponential back off"): before retry n (n = 1 after the first failure) wait
//   d = min(base * 2^(n-1), cap),  then "equal jitter": d/2 + a random part in [0, d/2],
// all multiplied by the time scale (--retry-time-scale). A dialect with a published schedule
// (D24: 5, 25, 125, 625 minutes) gives its own delays, also scaled, and is tried once plus one
// retry per delay. Either way a delivery whose next attempt would fall beyond the give-up age
// (measured from its window start, scaled too) is given up: it goes to the dead letters.

#include <cstdint>
#include <vector>

namespace refundd::webhooks {

struct RetryPolicy {
  int64_t base_ms = 60 * 1000;               // first retry after 30..60 s
  int64_t cap_ms = 6 * 3600 * 1000;          // never more than 3..6 h between attempts
  int64_t give_up_after_ms = 3 * 86400'000;  // a delivery is given up 3 days after it started
  double time_scale = 1.0;                   // multiplies every delay and the give-up age
};

// The delay before retry `retry` (1, 2, ...) under refundd's schedule, scaled; at least 1 ms.
// `random` supplies the jitter.
int64_t BackoffDelayMs(int retry, const RetryPolicy& policy, uint64_t random);

struct NextAttempt {
  bool give_up = false;
  int64_t at_ms = 0;  // when !give_up
};

// After `attempts` failed attempts (>= 1) at `now_ms`: the next attempt, or give up. `fixed`
// is the dialect's own delays (unscaled); empty for refundd's schedule.
NextAttempt AfterFailure(int attempts, int64_t now_ms, int64_t window_start_ms,
                         const std::vector<int64_t>& fixed, const RetryPolicy& policy,
                         uint64_t random);

}  // namespace refundd::webhooks
