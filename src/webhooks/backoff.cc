#include "webhooks/backoff.h"

#include <algorithm>
#include <cmath>

#include "base/check.h"

namespace refundd::webhooks {

namespace {
int64_t Scaled(int64_t ms, double scale) {
  const double scaled = std::round(static_cast<double>(ms) * scale);
  if (scaled >= 9.0e18) return INT64_MAX / 4;
  return std::max<int64_t>(1, static_cast<int64_t>(scaled));
}
}  // namespace

int64_t BackoffDelayMs(int retry, const RetryPolicy& policy, uint64_t random) {
  CHECK(retry >= 1 && policy.base_ms > 0 && policy.cap_ms >= policy.base_ms);
  int64_t d = policy.base_ms;
  for (int i = 1; i < retry && d < policy.cap_ms; ++i) d *= 2;
  d = std::min(d, policy.cap_ms);
  const int64_t half = d / 2;
  const int64_t jitter = static_cast<int64_t>(random % static_cast<uint64_t>(d - half + 1));
  return Scaled(half + jitter, policy.time_scale);
}

NextAttempt AfterFailure(int attempts, int64_t now_ms, int64_t window_start_ms,
                         const std::vector<int64_t>& fixed, const RetryPolicy& policy,
                         uint64_t random) {
  CHECK(attempts >= 1);
  int64_t delay_ms = 0;
  if (!fixed.empty()) {
    if (attempts > static_cast<int>(fixed.size())) return NextAttempt{true, 0};
    delay_ms = Scaled(fixed[attempts - 1], policy.time_scale);
  } else {
    delay_ms = BackoffDelayMs(attempts, policy, random);
  }
  const int64_t at_ms = now_ms + delay_ms;
  if (at_ms - window_start_ms > Scaled(policy.give_up_after_ms, policy.time_scale)) {
    return NextAttempt{true, 0};
  }
  return NextAttempt{false, at_ms};
}

}  // namespace refundd::webhooks
