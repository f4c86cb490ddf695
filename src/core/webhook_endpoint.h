#pragma once
// A merchant's webhook target in one dialect, and the secrets that sign what is sent to it.
// Plain values: the store persists them, the dialects show them, the delivery loop signs with
// them.

#include <cstdint>
#include <string>
#include <vector>

namespace refundd::core {

struct WebhookSecret {
  std::string secret;
  int64_t expires_ms = 0;  // 0: current; otherwise the secret signs until this instant (rotation)
  friend bool operator==(const WebhookSecret&, const WebhookSecret&) = default;
};

struct WebhookEndpoint {
  std::string id;  // we_...
  std::string merchant_id;
  std::string dialect;  // "native", "d24", ...
  std::string url;
  std::string description;
  std::vector<std::string> enabled_events;  // event types in the dialect's words; "*" = all
  std::vector<WebhookSecret> secrets;       // newest first
  int64_t created_ms = 0;
  friend bool operator==(const WebhookEndpoint&, const WebhookEndpoint&) = default;
};

}  // namespace refundd::core
