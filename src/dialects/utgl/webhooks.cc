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

  std::vector<webhooks::EventDraft> Events(const webhooks::Change& c) const override {
    return {{SortableId("evt_", c.now_ms), "refund." + std::string(RefundState(c.refund.status)),
             c.refund.id}};
  }

  std::string Body(const webhooks::EventSnapshot& e) const override {
    std::string data = RefundJson(e.refund, e.payment);
    data.pop_back();  // the closing brace: two fields follow
    data += ",\"refundStatus\":" + common::Quote(RefundState(e.refund.status));
    data += ",\"failureReason\":";
    data += e.refund.failure_reason.empty() ? "null" : common::Quote(e.refund.failure_reason);
    data += "}";
    common::JsonObject body;
    body.Str("eventId", e.id)
        .Str("eventType", e.type)
        .Str("createdAt", common::Iso8601Millis(e.now_ms))
        .Raw("data", data);
    return body.str();
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
