#pragma once
// UTGL's lifecycle mapping (webhooks/format.h). UTGL publishes no webhooks for Partner Connect;
// refundd's choice (docs/lifecycle.md): refund statuses pending, refunded, failed, cancelled;
// one event per state a refund reaches (refund.pending, refund.refunded, refund.failed,
// refund.cancelled), body {"eventId","eventType","createdAt","data":<the refund answer plus
// refundStatus and failureReason>}, signed like Stripe's scheme with the endpoint's secret:
// X-Utgl-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>. The sandbox
// reads the card (BIN and last four digits of the bound card) and the purchase's description.

#include <memory>
#include <string_view>

#include "core/refund.h"
#include "webhooks/format.h"

namespace refundd::dialects::utgl {

// pending | refunded | failed | cancelled
std::string_view RefundState(core::RefundStatus status);

std::unique_ptr<webhooks::Format> NewWebhookFormat();

}  // namespace refundd::dialects::utgl
