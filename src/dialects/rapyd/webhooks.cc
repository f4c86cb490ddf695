#include "dialects/rapyd/webhooks.h"

#include "base/ids.h"
#include "dialects/common/json_writer.h"
#include "dialects/common/uuid.h"
#include "dialects/rapyd/auth.h"
#include "dialects/rapyd/translate.h"

namespace refundd::dialects::rapyd {

namespace {

class RapydFormat final : public webhooks::Format {
 public:
  std::string_view dialect() const override { return "rapyd"; }

  std::string_view StateWord(core::RefundStatus status) const override {
    return RefundStatus(status);
  }

  void DescribeInstrument(const core::Payment& payment, processor::Order& order) const override {
    const PaymentAttrs a = DecodePaymentAttrs(payment.attrs);
    order.instrument = a.method_type.empty() ? payment.payment_method : a.method_type;
    order.asynchronous = !ClosesAtOnce(a);  // cash and bank refunds wait for a third party
  }

  std::vector<webhooks::EventDraft> Events(const webhooks::Change& c) const override {
    std::string_view type;
    switch (c.refund.status) {
      case core::RefundStatus::kPending:
        return {};  // Rapyd notifies outcomes, not the start
      case core::RefundStatus::kSucceeded:
        type = "REFUND_COMPLETED";
        break;
      case core::RefundStatus::kFailed:
        type = c.from == core::RefundStatus::kSucceeded ? "PAYMENT_REFUND_FAILED"
                                                        : "PAYMENT_REFUND_REJECTED";
        break;
      case core::RefundStatus::kCanceled:
        type = "PAYMENT_REFUND_UPDATED";
        break;
    }
    // The trigger operation's id is drawn here, once, so that every rendering shows the same.
    return {{RandomId("wh_", 32), std::string(type), c.refund.id, common::RandomUuid()}};
  }

  std::string Body(const webhooks::EventSnapshot& e) const override {
    common::JsonObject body;
    body.Str("id", e.id)
        .Str("type", e.type)
        .Raw("data", RefundJson(e.refund))
        .Str("trigger_operation_id", e.extra)
        .Str("status", "NEW")
        .Int("created_at", e.now_ms / 1000)
        .Int("extended_timestamp", e.now_ms);
    return body.str();
  }

  std::string_view credential_dialect() const override { return "rapyd"; }

  store::Headers Sign(std::string_view url, std::string_view body, int64_t now_ms,
                      const webhooks::SigningKeys& keys) const override {
    if (!keys.credential) return {};
    const std::string salt = RandomId("", 12);
    const std::string timestamp = std::to_string(now_ms / 1000);
    // The request scheme with no method and the whole URL for the path is the webhook scheme.
    const std::string signature =
        Signature(keys.credential->secret, "", url, salt, timestamp, keys.credential->lookup, body);
    return {{"salt", salt}, {"timestamp", timestamp}, {"signature", signature}};
  }
};

}  // namespace

std::unique_ptr<webhooks::Format> NewWebhookFormat() { return std::make_unique<RapydFormat>(); }

}  // namespace refundd::dialects::rapyd
