#include "core/idempotency.h"

namespace refundd::core {

IdempotencyDecision DecideIdempotency(const std::optional<IdempotencyRecord>& existing,
                                      const std::string& fingerprint, int64_t now_ms,
                                      int64_t ttl_ms) {
  if (!existing || existing->created_ms + ttl_ms <= now_ms) return IdempotencyDecision::kExecute;
  if (existing->fingerprint == fingerprint) return IdempotencyDecision::kReplay;
  return IdempotencyDecision::kMismatch;
}

}  // namespace refundd::core
