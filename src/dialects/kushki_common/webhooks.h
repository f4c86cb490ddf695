#pragma once
// Kushki's lifecycle mapping (webhooks/format.h), shared by the online and card-present dialects:
// refund states INITIALIZED (pending), APPROVAL (succeeded), DECLINED (failed or canceled);
// events approvedTransaction and declinedTransaction, whose body is the void or refund
// transaction (camelCase, as Kushki's notifications), posted to the URLs of the refund request's
// webhooks[] (with their headers and event filter) or else the merchant's Kushki endpoint, and
// signed as Kushki signs: X-Kushki-Key (the merchant), X-Kushki-Id (unix milliseconds),
// X-Kushki-Signature = hex HMAC-SHA256(webhook signature, body + "." + X-Kushki-Id) and
// X-Kushki-SimpleSignature = hex HMAC-SHA256(webhook signature, X-Kushki-Id). The webhook
// signature is the merchant's (kept with the kushki_online credential) unless the endpoint has
// its own secret. The sandbox reads the card (BIN, last four) and the holder's name.
// See docs/lifecycle.md.

#include <memory>
#include <string_view>

#include "webhooks/format.h"

namespace refundd::dialects::kushki {

// `asynchronous`: whether the dialect's refunds settle later by default (online: semi-automatic,
// INITIALIZED first; card-present: answered at once).
std::unique_ptr<webhooks::Format> NewWebhookFormat(std::string_view dialect, bool asynchronous);

}  // namespace refundd::dialects::kushki
