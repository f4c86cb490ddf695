#pragma once
// Rapyd's lifecycle mapping (webhooks/format.h): refund statuses Pending, Completed, Rejected,
// Canceled; webhooks REFUND_COMPLETED, PAYMENT_REFUND_REJECTED, PAYMENT_REFUND_FAILED (a refund
// that failed after it completed) and PAYMENT_REFUND_UPDATED (canceled), each
// {"id":"wh_...","type",...,"data":<the refund as the API shows it>,"status":"NEW","created_at",
// "extended_timestamp"}, signed with headers salt, timestamp and signature =
// BASE64(HEX(HMAC-SHA256(secret, webhook URL + salt + timestamp + access_key + secret + body))),
// as Rapyd documents it. The sandbox reads the payment method type. See docs/lifecycle.md.

#include <memory>

#include "webhooks/format.h"

namespace refundd::dialects::rapyd {

std::unique_ptr<webhooks::Format> NewWebhookFormat();

}  // namespace refundd::dialects::rapyd
