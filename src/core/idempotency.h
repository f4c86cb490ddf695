#pragma once
// Idempotency decisions. A key is scoped to a merchant and remembers the fingerprint of the
// request that first used it and the exact response it got. Pure.

#include <cstdint>
#include <optional>
#include <string>

namespace refundd::core {

struct IdempotencyRecord {
  std::string merchant_id;
  std::string key;
  std::string fingerprint;  // hash of method, path and canonical parameters
  int status = 0;           // the first response, byte for byte
  std::string content_type;
  std::string body;
  int64_t created_ms = 0;
};

enum class IdempotencyDecision {
  kExecute,   // no live record: run the request and store its response with it
  kReplay,    // same key, same request: answer the stored response again
  kMismatch,  // same key, different request: refuse
};

// `existing` is the stored record for (merchant, key), if any. A record older than ttl_ms is dead
// and is replaced.
IdempotencyDecision DecideIdempotency(const std::optional<IdempotencyRecord>& existing,
                                      const std::string& fingerprint, int64_t now_ms,
                                      int64_t ttl_ms);

}  // namespace refundd::core
