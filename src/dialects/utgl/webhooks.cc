#include "dialects/utgl/webhooks.h"

#include "base/ids.h"
#include "dialects/common/json_writer.h"
#include "dialects/common/time_text.h"
#include "dialects/utgl/translate.h"
#include "webhooks/signature.h"

namespace refundd::dialects::utgl {

std::string_view RefundState(core::RefundStatus status) {
  switch (status) {
    case core::RefundStatus::kPending:
      return "pending";
    case core::RefundStatus::kSucceeded:
      return "refunded";
    case core::RefundStatus::kFailed:
      return "failed";
    case core::RefundStatus::kCanceled:
      return "cancelled";
  }
  return "pending";
}

namespace {

class UtglFormat final : public webhooks::Format {
 public:
  std::string_view dialect() const override { return "utgl"; }
  std::string_view StateWord(core::RefundStatus status) const override {
    return RefundState(status);
  }

  void DescribeInstrument(const core::Payment& payment, processor::Order& order) const override {
    order.instrument = payment.description;
    // The masked card number ("400000******5126") when the purchase kept it.
    const std::string& pan = payment.payment_method;
    if (pan.size() >= 10 && pan.find('*') != std::string::npos) {
      order.card_bin = pan.substr(0, 6);
      order.card_last4 = pan.substr(pan.size() - 4);
    }
    order.asynchronous = false;  // card refunds
  }

  std::vector<webhooks::EventDraft> Render(const webhooks::Change& c) const override {
    std::string data = RefundJson(c.refund, c.payment);
    data.pop_back();  // the closing brace: two fields follow
    data += ",\"refundStatus\":" + common::Quote(RefundState(c.refund.status));
    data += ",\"failureReason\":";
    data += c.refund.failure_reason.empty() ? "null" : common::Quote(c.refund.failure_reason);
    data += "}";
    std::string id = SortableId("evt_", c.now_ms);
    const std::string type = "refund." + std::string(RefundState(c.refund.status));
    common::JsonObject body;
    body.Str("eventId", id)
        .Str("eventType", type)
        .Str("createdAt", common::Iso8601Millis(c.now_ms))
        .Raw("data", data);
    return {{std::move(id), type, c.refund.id, body.str()}};
  }

  store::Headers Sign(std::string_view, std::string_view body, int64_t now_ms,
                      const webhooks::SigningKeys& keys) const override {
    if (keys.secrets.empty()) return {};
    return {
        {"X-Utgl-Signature", webhooks::TimestampedSignature(now_ms / 1000, body, keys.secrets)}};
  }

  std::string NewSecret() const override { return RandomId("whsec_", 32); }
};

}  // namespace

std::unique_ptr<webhooks::Format> NewWebhookFormat() { return std::make_unique<UtglFormat>(); }

}  // namespace refundd::dialects::utgl
