#include "dialects/kushki_common/webhooks.h"

#include <boost/json.hpp>

#include "base/ids.h"
#include "crypto/crypto.h"
#include "dialects/common/fields.h"
#include "dialects/common/json_writer.h"
#include "dialects/common/uuid.h"
#include "dialects/kushki_common/amount.h"
#include "dialects/kushki_common/attrs.h"
#include "dialects/kushki_common/credentials.h"

namespace refundd::dialects::kushki {

namespace {

namespace json = boost::json;

constexpr std::string_view kApproved = "approvedTransaction";
constexpr std::string_view kDeclined = "declinedTransaction";

std::string_view Word(core::RefundStatus status) {
  switch (status) {
    case core::RefundStatus::kPending:
      return "INITIALIZED";
    case core::RefundStatus::kSucceeded:
      return "APPROVAL";
    case core::RefundStatus::kFailed:
    case core::RefundStatus::kCanceled:
      return "DECLINED";
  }
  return "INITIALIZED";
}

std::string ResponseText(core::RefundStatus status) {
  switch (status) {
    case core::RefundStatus::kSucceeded:
      return "Transacción aprobada";
    case core::RefundStatus::kCanceled:
      return "Transacción anulada";
    case core::RefundStatus::kPending:
    case core::RefundStatus::kFailed:
      break;
  }
  return "Transacción rechazada por el procesador";
}

class KushkiFormat final : public webhooks::Format {
 public:
  KushkiFormat(std::string_view dialect, bool asynchronous)
      : dialect_(dialect), asynchronous_(asynchronous) {}

  std::string_view dialect() const override { return dialect_; }
  std::string_view StateWord(core::RefundStatus status) const override { return Word(status); }

  void DescribeInstrument(const core::Payment& payment, processor::Order& order) const override {
    const PaymentAttrs a = DecodePaymentAttrs(payment.attrs);
    order.instrument = a.holder + " " + payment.payment_method;
    order.card_bin = a.bin;
    order.card_last4 = a.last4;
    order.asynchronous = asynchronous_;
  }

  std::vector<webhooks::EventDraft> Events(const webhooks::Change& c) const override {
    if (c.refund.status == core::RefundStatus::kPending) return {};  // INITIALIZED: no notice
    const bool approved = c.refund.status == core::RefundStatus::kSucceeded;
    return {{common::RandomUuid(), std::string(approved ? kApproved : kDeclined), c.refund.id}};
  }

  std::string Body(const webhooks::EventSnapshot& e) const override {
    const core::Refund& refund = e.refund;
    const bool approved = refund.status == core::RefundStatus::kSucceeded;
    const PaymentAttrs sale = DecodePaymentAttrs(e.payment.attrs);
    const RefundAttrs r = DecodeRefundAttrs(refund.attrs);
    const std::string amount = common::ShortestDecimal(refund.amount_minor, refund.currency);
    common::JsonObject money;
    AddAmountFields(money, r.buckets.empty() ? refund.parts : r.buckets, refund.currency,
                    Casing::kCamel);
    common::JsonObject body;
    body.Str("id", e.id)
        .Str("merchantId", refund.merchant_id)
        .Str("ticketNumber", r.ticket_number)
        .Str("transactionReference", r.transaction_reference)
        .Str("saleTicketNumber", r.sale_ticket_number)
        .Str("saleTransactionReference", r.sale_transaction_reference)
        .Str("transactionType", r.kind.empty() ? "REFUND" : r.kind)
        .Str("transactionStatus", Word(refund.status))
        .Str("responseCode", approved ? "000" : "K505")
        .Str("responseText", ResponseText(refund.status))
        .Number("requestAmount", amount)
        .Object("amount", money)
        .Str("currency", refund.currency.code)
        .Int("created", refund.created_ms)
        .Str("paymentBrand", sale.brand)
        .Str("binCard", sale.bin)
        .Str("lastFourDigits", sale.last4)
        .Str("cardHolderName", sale.holder)
        .Bool("partialVoid", refund.amount_minor < e.payment.captured_minor)
        .Bool("forceRefund", false)
        .Bool("isSandboxTransaction", true);
    if (e.from == core::RefundStatus::kSucceeded) {
      body.Str("failureReason", refund.failure_reason);  // it failed after it was approved
    }
    return body.str();
  }

  // webhooks: [{urls: [...], events?: [...], headers?: [{label, value}]}] as the request sent it.
  std::vector<webhooks::RequestTarget> RequestTargets(const core::Refund& refund,
                                                      const core::Payment&) const override {
    std::vector<webhooks::RequestTarget> out;
    const RefundAttrs r = DecodeRefundAttrs(refund.attrs);
    const json::value* hooks = r.given.if_contains("webhooks");
    if (!hooks || !hooks->is_array()) return out;
    for (const json::value& hook : hooks->as_array()) {
      const json::object* o = hook.if_object();
      if (!o) continue;
      std::vector<std::string> events;
      store::Headers headers;
      if (const json::value* e = o->if_contains("events"); e && e->is_array()) {
        for (const json::value& name : e->as_array()) {
          if (name.is_string()) events.emplace_back(name.as_string());
        }
      }
      if (const json::value* h = o->if_contains("headers"); h && h->is_array()) {
        for (const json::value& pair : h->as_array()) {
          const json::object* p = pair.if_object();
          const json::value* label = p ? p->if_contains("label") : nullptr;
          const json::value* value = p ? p->if_contains("value") : nullptr;
          if (label && value && label->is_string() && value->is_string()) {
            headers.emplace_back(std::string(label->as_string()), std::string(value->as_string()));
          }
        }
      }
      if (const json::value* urls = o->if_contains("urls"); urls && urls->is_array()) {
        for (const json::value& url : urls->as_array()) {
          if (url.is_string()) out.push_back({std::string(url.as_string()), events, headers});
        }
      }
    }
    return out;
  }

  std::string_view credential_dialect() const override { return kOnlineDialect; }

  store::Headers Sign(std::string_view, std::string_view body, int64_t now_ms,
                      const webhooks::SigningKeys& keys) const override {
    std::string key = !keys.secrets.empty() ? keys.secrets.front()
                      : keys.credential     ? keys.credential->secret
                                            : std::string();
    if (key.empty()) return {};
    const std::string id = std::to_string(now_ms);
    std::string signed_body(body);
    signed_body += ".";
    signed_body += id;
    return {{"X-Kushki-Key", keys.merchant_id},
            {"X-Kushki-Id", id},
            {"X-Kushki-Signature", crypto::HmacSha256Hex(key, signed_body)},
            {"X-Kushki-SimpleSignature", crypto::HmacSha256Hex(key, id)}};
  }

 private:
  const std::string dialect_;
  const bool asynchronous_;
};

}  // namespace

std::unique_ptr<webhooks::Format> NewWebhookFormat(std::string_view dialect, bool asynchronous) {
  return std::make_unique<KushkiFormat>(dialect, asynchronous);
}

}  // namespace refundd::dialects::kushki
