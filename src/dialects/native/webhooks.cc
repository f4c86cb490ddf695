#include "dialects/native/webhooks.h"

#include <iostream>

#include "base/ids.h"
#include "base/json_writer.h"
#include "dialects/native/translate.h"
#include "webhooks/event_body.h"
#include "webhooks/signature.h"

namespace refundd::dialects::native {

const std::vector<std::string_view>& EventTypes() {
  static const std::vector<std::string_view> kTypes = {"refund.created", "refund.updated",
                                                       "refund.failed", "charge.refunded"};
  return kTypes;
}

namespace {

// A Stripe event around `object_json` (already JSON).
std::string EventJson(const std::string& id, std::string_view type, int64_t now_ms,
                      const std::string& object_json,
                      std::optional<core::RefundStatus> previous_status, int pending_webhooks) {
  JsonWriter head;
  head.BeginObject();
  head.Key("id").String(id);
  head.Key("object").String("event");
  head.Key("api_version").String(kApiVersion);
  head.Key("created").Int(now_ms / 1000);
  head.Key("livemode").Bool(false);
  head.Key("pending_webhooks").Int(pending_webhooks);
  head.Key("request").BeginObject().Key("id").Null().Key("idempotency_key").Null().EndObject();
  head.Key("type").String(type);
  head.EndObject();
  std::string out = head.Take();
  out.pop_back();  // the closing brace: data goes last
  out += ",\"data\":{\"object\":";
  out += object_json;
  if (previous_status) {
    out += ",\"previous_attributes\":{\"status\":\"";
    out += core::RefundStatusName(*previous_status);
    out += "\"}";
  }
  out += "}}";
  return out;
}

class NativeFormat final : public webhooks::Format {
 public:
  std::string_view dialect() const override { return "native"; }

  std::string_view StateWord(core::RefundStatus status) const override {
    return core::RefundStatusName(status);
  }

  void DescribeInstrument(const core::Payment& payment, processor::Order& order) const override {
    order.instrument = payment.payment_method;  // pm_card_visa, pm_card_refundFail, ...
    order.asynchronous = false;                 // card refunds
  }

  std::vector<webhooks::EventDraft> Events(const webhooks::Change& c) const override {
    std::vector<webhooks::EventDraft> out;
    auto add = [&](std::string_view type, std::string object_id) {
      out.push_back({SortableId("evt_", c.now_ms), std::string(type), std::move(object_id)});
    };
    const core::RefundStatus to = c.refund.status;
    add(c.from ? "refund.updated" : "refund.created", c.refund.id);
    if (to == core::RefundStatus::kSucceeded) add("charge.refunded", ChargeIdFor(c.payment.id));
    if (to == core::RefundStatus::kFailed) add("refund.failed", c.refund.id);
    return out;
  }

  // charge.refunded shows the charge; the refund's events show the refund, and the state it left
  // (none when it was created).
  std::string Body(const webhooks::EventSnapshot& e) const override {
    if (e.type == "charge.refunded") {
      return EventJson(e.id, e.type, e.now_ms, ChargeJson(e.payment), std::nullopt,
                       e.endpoints_wanting);
    }
    return EventJson(e.id, e.type, e.now_ms, RefundJson(e.refund), e.from, e.endpoints_wanting);
  }

  store::Headers Sign(std::string_view, std::string_view body, int64_t now_ms,
                      const webhooks::SigningKeys& keys) const override {
    if (keys.secrets.empty()) return {};
    return {
        {"Stripe-Signature", webhooks::TimestampedSignature(now_ms / 1000, body, keys.secrets)}};
  }

  std::string NewSecret() const override { return RandomId("whsec_", 32); }
};

}  // namespace

std::unique_ptr<webhooks::Format> NewWebhookFormat() { return std::make_unique<NativeFormat>(); }

std::optional<std::string> EventBody(const store::OutboxEvent& event) {
  static const NativeFormat format{};  // pure: the same bytes as the registry's instance
  auto body = webhooks::RenderEventBody(&format, event);
  if (body.ok()) return std::move(body).value();
  std::cerr << "refundd: reading events: " << body.error() << std::endl;
  return std::nullopt;
}

}  // namespace refundd::dialects::native
