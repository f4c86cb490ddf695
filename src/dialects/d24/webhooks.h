#pragma once
// D24's lifecycle mapping (webhooks/format.h): refund statuses PENDING, COMPLETED, REJECTED,
// CANCELLED; on every status change after creation, POST {"refund_id": N} to the refund's
// notification_url (else the merchant's D24 endpoint), unsigned as D24 documents it (receivers
// call GET /v3/refunds/{id} back), retried at 5, 25, 125, 625 and 3125 minutes. The sandbox reads
// the deposit's payment_type and payment_method. See docs/lifecycle.md.

#include <memory>

#include "webhooks/format.h"

namespace refundd::dialects::d24 {

std::unique_ptr<webhooks::Format> NewWebhookFormat();

}  // namespace refundd::dialects::d24
