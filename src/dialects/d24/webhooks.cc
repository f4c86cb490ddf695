#include "dialects/d24/webhooks.h"

#include "base/ids.h"
#include "dialects/common/json_writer.h"
#include "dialects/d24/translate.h"

namespace refundd::dialects::d24 {

namespace {

constexpr int64_t kMinuteMs = 60 * 1000;

class D24Format final : public webhooks::Format {
 public:
  std::string_view dialect() const override { return "d24"; }

  std::string_view StateWord(core::RefundStatus status) const override {
    return RefundStatus(status);
  }

  void DescribeInstrument(const core::Payment& payment, processor::Order& order) const override {
    const DepositAttrs a = DecodeDepositAttrs(payment.attrs);
    order.instrument = a.payment_type + " " + payment.payment_method;
    order.asynchronous = !a.card;  // bank and cash refunds settle later
  }

  // Every status change is notified with the same body (the receiver reads the status back).
  // A card refund's creation is not: its answer carries refund_info.result. Nor is a bank
  // refund's that starts PENDING; one that does not (a sandbox outcome) is, since its answer is
  // only the refund_id.
  std::vector<webhooks::EventDraft> Events(const webhooks::Change& c) const override {
    const RefundAttrs ra = DecodeRefundAttrs(c.refund.attrs);
    if (!c.from && (ra.card || c.refund.status == core::RefundStatus::kPending)) return {};
    return {{SortableId("evt_", c.now_ms), std::string(RefundStatus(c.refund.status)), c.refund.id}};
  }

  std::string Body(const webhooks::EventSnapshot& e) const override {
    common::JsonObject body;
    body.Int("refund_id", DecodeRefundAttrs(e.refund.attrs).refund_id);
    return body.str();
  }

  std::vector<webhooks::RequestTarget> RequestTargets(const core::Refund& refund,
                                                      const core::Payment&) const override {
    const RefundAttrs ra = DecodeRefundAttrs(refund.attrs);
    if (ra.notification_url.empty()) return {};
    return {{ra.notification_url, {}, {}}};
  }

  store::Headers Sign(std::string_view, std::string_view, int64_t,
                      const webhooks::SigningKeys&) const override {
    return {};  // D24 documents no signature on notifications
  }

  std::vector<int64_t> RetryDelaysMs() const override {
    return {5 * kMinuteMs, 25 * kMinuteMs, 125 * kMinuteMs, 625 * kMinuteMs, 3125 * kMinuteMs};
  }
};

}  // namespace

std::unique_ptr<webhooks::Format> NewWebhookFormat() { return std::make_unique<D24Format>(); }

}  // namespace refundd::dialects::d24
