#pragma once
// A merchant (tenant). Every payment, refund and idempotency key belongs to exactly one.

#include <cstdint>
#include <string>

namespace refundd::core {

struct Merchant {
  std::string id;  // mer_...
  std::string name;
  int64_t created_ms = 0;
};

// A credential that identifies a merchant in one dialect. For bearer-style keys the store keeps
// only a hash (`lookup` = SHA-256 hex of the key, `secret` empty); for signature schemes the
// public half is the lookup and the shared secret is kept to verify signatures.
struct Credential {
  std::string dialect;  // "native", ...
  std::string lookup;
  std::string merchant_id;
  std::string secret;
};

}  // namespace refundd::core
