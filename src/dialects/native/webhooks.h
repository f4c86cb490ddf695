#pragma once
// The native dialect's lifecycle mapping (webhooks/format.h), shaped like Stripe's:
// events refund.created, refund.updated (with data.previous_attributes.status), refund.failed and
// charge.refunded, as Stripe event objects (evt_..., api_version, data.object); signed with
// Stripe-Signature: t=<s>,v1=<hex HMAC-SHA256(whsec, t + "." + body)>, one v1 per endpoint secret
// still valid, so that Stripe's libraries verify them. Pure; see docs/lifecycle.md.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "webhooks/format.h"

namespace refundd::dialects::native {

// The event types a native endpoint may enable ("*" = all of them).
const std::vector<std::string_view>& EventTypes();
// The api_version stamped on events and endpoints.
inline constexpr std::string_view kApiVersion = "2024-06-20";

std::unique_ptr<webhooks::Format> NewWebhookFormat();
// A native event's body as its deliveries send it (GET /v1/events); nullopt, logged, when the
// row's snapshot does not decode (corruption).
std::optional<std::string> EventBody(const store::OutboxEvent& event);

}  // namespace refundd::dialects::native
