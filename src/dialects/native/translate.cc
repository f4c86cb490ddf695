#include "dialects/native/translate.h"

#include <boost/json.hpp>

#include "base/json_writer.h"
#include "core/money.h"
#include "dialects/native/params.h"

namespace refundd::dialects::native {

namespace json = boost::json;

#define RETURN_IF_ERROR(parsed) \
  if (!(parsed).ok()) return Err((parsed).error())

http::Response ErrorResponse(const ApiError& e) {
  json::object inner;
  inner["type"] = e.type;
  if (!e.code.empty()) inner["code"] = e.code;
  inner["message"] = e.message;
  if (!e.param.empty()) inner["param"] = e.param;
  json::object outer;
  outer["error"] = std::move(inner);
  return http::Response{e.status, "application/json", {}, json::serialize(outer)};
}

http::Response Ok(std::string body) {
  return http::Response{200, "application/json", {}, std::move(body)};
}

ApiError NotFound(std::string_view object_name, std::string_view id, std::string_view param) {
  return ApiError{404, "invalid_request_error", "resource_missing",
                  "No such " + std::string(object_name) + ": '" + std::string(id) + "'",
                  std::string(param)};
}

ApiError BadKey(bool key_given) {
  return ApiError{401, "invalid_request_error", "api_key_invalid",
                  key_given ? "Invalid API Key provided."
                            : "You did not provide an API key. Provide it in the Authorization "
                              "header as a Bearer token (Authorization: Bearer sk_test_...).",
                  ""};
}

ApiError ErrorFor(core::Refusal refusal, const core::Payment* payment) {
  auto refundable = [&] {
    if (!payment) return std::string();
    return " (" + core::FormatMajorUnits(payment->RefundableMinor(), payment->currency) + " " +
           std::string(payment->currency.code) + " remains)";
  };
  auto bad = [](std::string code, std::string message, std::string param = "") {
    return ApiError{400, "invalid_request_error", std::move(code), std::move(message),
                    std::move(param)};
  };
  switch (refusal) {
    case core::Refusal::kAmountNotPositive:
      return bad("amount_too_small", "Amount must be a positive integer.", "amount");
    case core::Refusal::kAmountTooLarge:
      return bad("amount_too_large", "Amount is above the maximum.", "amount");
    case core::Refusal::kCurrencyMismatch:
      return bad("currency_mismatch", "The currency does not match the charge's currency.",
                 "currency");
    case core::Refusal::kPaymentNotCaptured:
      return bad("charge_not_refundable",
                 "This PaymentIntent has not been captured, so there is nothing to refund. "
                 "Cancel it to release the authorization.");
    case core::Refusal::kPaymentVoided:
      return bad("charge_not_refundable", "This PaymentIntent was canceled; nothing to refund.");
    case core::Refusal::kAmountExceedsRefundable:
      return bad("amount_too_large",
                 "Refund amount is greater than the unrefunded amount on the charge" +
                     refundable() + ".",
                 "amount");
    case core::Refusal::kFullyRefunded:
      return bad("charge_already_refunded", "The charge has already been refunded in full.");
    case core::Refusal::kPaymentNotCapturable:
      return bad("payment_intent_unexpected_state",
                 "This PaymentIntent could not be captured because it is not in the "
                 "requires_capture state.");
    case core::Refusal::kCaptureExceedsAuthorized:
      return bad("amount_too_large", "amount_to_capture is greater than the amount capturable.",
                 "amount_to_capture");
    case core::Refusal::kPaymentNotVoidable:
      return bad("payment_intent_unexpected_state",
                 "This PaymentIntent can no longer be canceled: it has been captured or canceled.");
    case core::Refusal::kPaymentNotConfirmable:
      return bad("payment_intent_unexpected_state",
                 "This PaymentIntent cannot be confirmed in its current state.");
    case core::Refusal::kRefundNotCancelable:
      return bad("refund_unexpected_state", "Only a pending refund can be canceled.");
    case core::Refusal::kRefundTransitionInvalid:
      return bad("refund_unexpected_state", "The refund cannot change to that state.");
    case core::Refusal::kUnknownPart:
    case core::Refusal::kPartExceedsRefundable:
    case core::Refusal::kPartsDoNotAddUp:
      // The native API never sends parts; payments created elsewhere are not visible to it.
      return bad("parameter_invalid", "The refund does not fit the charge's split.", "amount");
  }
  return bad("invalid_request", "The request was refused.");
}

Parsed<PaymentIntentInput> ParseCreatePaymentIntent(const json::value& params) {
  Params p(params);
  if (auto e = p.Unknown({"amount", "currency", "capture_method", "confirm", "payment_method",
                          "metadata", "description", "payment_method_types"})) {
    return Err(*e);
  }
  PaymentIntentInput in;
  auto amount = p.Amount("amount");
  RETURN_IF_ERROR(amount);
  if (!amount.value()) return Err(Missing("amount"));
  in.amount_minor = *amount.value();
  auto currency = p.Currency("currency");
  RETURN_IF_ERROR(currency);
  if (!currency.value()) return Err(Missing("currency"));
  in.currency = *currency.value();
  auto method = p.Enum("capture_method", {"automatic", "automatic_async", "manual"});
  RETURN_IF_ERROR(method);
  if (method.value()) in.capture_method = *method.value() == "manual" ? "manual" : "automatic";
  auto confirm = p.Bool("confirm");
  RETURN_IF_ERROR(confirm);
  in.confirm = confirm.value().value_or(false);
  auto pm = p.Enum("payment_method",
                   {"pm_card_visa", "pm_card_visa_debit", "pm_card_mastercard",
                    "pm_card_mastercard_debit", "pm_card_amex", "pm_card_discover",
                    "pm_card_diners", "pm_card_jcb", "pm_card_unionpay",
                    // The sandbox processor's refund outcomes (docs/lifecycle.md).
                    "pm_card_refundDecline", "pm_card_refundAsync", "pm_card_refundAsyncFail",
                    "pm_card_refundFail", "pm_card_refundStuck", "pm_card_refundTimeout"});
  if (!pm.ok()) return Err(NotFound("PaymentMethod", "", "payment_method"));
  in.payment_method = pm.value().value_or("");
  auto description = p.String("description", 1000);
  RETURN_IF_ERROR(description);
  in.description = description.value().value_or("");
  auto metadata = p.Metadata("metadata");
  RETURN_IF_ERROR(metadata);
  in.metadata = std::move(metadata).value();
  if (in.confirm && in.payment_method.empty()) {
    return Err(Invalid("payment_method",
                       "You cannot confirm this PaymentIntent because it's missing a payment "
                       "method.",
                       "payment_intent_unexpected_state"));
  }
  return in;
}

Parsed<CaptureInput> ParseCapture(const json::value& params) {
  Params p(params);
  if (auto e = p.Unknown({"amount_to_capture"})) return Err(*e);
  auto amount = p.Amount("amount_to_capture");
  RETURN_IF_ERROR(amount);
  return CaptureInput{amount.value()};
}

Parsed<CancelInput> ParseCancel(const json::value& params) {
  Params p(params);
  if (auto e = p.Unknown({"cancellation_reason"})) return Err(*e);
  auto reason = p.Enum("cancellation_reason",
                       {"duplicate", "fraudulent", "requested_by_customer", "abandoned"});
  RETURN_IF_ERROR(reason);
  return CancelInput{reason.value().value_or("")};
}

Parsed<ConfirmInput> ParseConfirm(const json::value& params) {
  Params p(params);
  if (auto e = p.Unknown({"payment_method"})) return Err(*e);
  auto pm = p.Enum("payment_method",
                   {"pm_card_visa", "pm_card_visa_debit", "pm_card_mastercard",
                    "pm_card_mastercard_debit", "pm_card_amex", "pm_card_discover",
                    "pm_card_diners", "pm_card_jcb", "pm_card_unionpay",
                    // The sandbox processor's refund outcomes (docs/lifecycle.md).
                    "pm_card_refundDecline", "pm_card_refundAsync", "pm_card_refundAsyncFail",
                    "pm_card_refundFail", "pm_card_refundStuck", "pm_card_refundTimeout"});
  if (!pm.ok()) return Err(NotFound("PaymentMethod", "", "payment_method"));
  return ConfirmInput{pm.value().value_or("")};
}

Parsed<RefundInput> ParseCreateRefund(const json::value& params) {
  Params p(params);
  if (auto e = p.Unknown({"payment_intent", "charge", "amount", "currency", "reason", "metadata",
                          "instructions_email"})) {
    return Err(*e);
  }
  RefundInput in;
  auto pi = p.String("payment_intent", 255);
  RETURN_IF_ERROR(pi);
  auto ch = p.String("charge", 255);
  RETURN_IF_ERROR(ch);
  if (pi.value() && ch.value()) {
    return Err(Invalid("charge", "Pass either charge or payment_intent, not both."));
  }
  if (pi.value()) {
    in.payment_id = *pi.value();
  } else if (ch.value()) {
    in.charge_id = *ch.value();
    in.payment_id = PaymentIdForCharge(in.charge_id);
  } else {
    return Err(ApiError{400, "invalid_request_error", "parameter_missing",
                        "One of the following params should be provided for this request: "
                        "payment_intent or charge.",
                        "payment_intent"});
  }
  auto amount = p.Amount("amount");
  RETURN_IF_ERROR(amount);
  in.amount_minor = amount.value();
  auto currency = p.Currency("currency");
  RETURN_IF_ERROR(currency);
  in.currency = currency.value();
  auto reason = p.Enum("reason", {"duplicate", "fraudulent", "requested_by_customer"});
  RETURN_IF_ERROR(reason);
  in.reason = reason.value().value_or("");
  auto metadata = p.Metadata("metadata");
  RETURN_IF_ERROR(metadata);
  in.metadata = std::move(metadata).value();
  return in;
}

Parsed<core::Metadata> ParseUpdateRefund(const json::value& params) {
  Params p(params);
  if (auto e = p.Unknown({"metadata"})) return Err(*e);
  return p.Metadata("metadata");
}

Parsed<ListInput> ParseListRefunds(const json::value& query) {
  Params p(query);
  if (auto e = p.Unknown({"limit", "starting_after", "ending_before", "payment_intent", "charge",
                          "created"})) {
    return Err(*e);
  }
  ListInput in;
  auto limit = p.Integer("limit");
  RETURN_IF_ERROR(limit);
  if (limit.value()) {
    if (*limit.value() < 1 || *limit.value() > 100) {
      return Err(Invalid("limit", "limit must be between 1 and 100."));
    }
    in.limit = static_cast<int>(*limit.value());
  }
  for (auto [name, target] : {std::pair{"starting_after", &in.starting_after},
                              std::pair{"ending_before", &in.ending_before}}) {
    auto v = p.String(name, 255);
    RETURN_IF_ERROR(v);
    *target = v.value().value_or("");
  }
  auto pi = p.String("payment_intent", 255);
  RETURN_IF_ERROR(pi);
  auto ch = p.String("charge", 255);
  RETURN_IF_ERROR(ch);
  if (pi.value()) in.payment_id = *pi.value();
  if (ch.value()) {
    std::string from_charge = PaymentIdForCharge(*ch.value());
    if (from_charge.empty()) from_charge = "-";  // matches nothing
    if (!in.payment_id.empty() && in.payment_id != from_charge) from_charge = "-";
    in.payment_id = from_charge;
  }
  return in;
}

Parsed<bool> ParseNoParams(const json::value& params) {
  Params p(params);
  if (auto e = p.Unknown({})) return Err(*e);
  return true;
}

std::string ChargeIdFor(const std::string& payment_id) {
  return "ch_" + payment_id.substr(payment_id.rfind('_') + 1);
}

std::string PaymentIdForCharge(const std::string& charge_id) {
  if (charge_id.size() <= 3 || charge_id.compare(0, 3, "ch_") != 0) return "";
  return "pi_" + charge_id.substr(3);
}

bool HasCharge(const core::Payment& payment) { return payment.attrs == kChargedAttr; }

namespace {
json::value Nullable(const std::string& s) { return s.empty() ? json::value(nullptr) : json::value(s); }

json::object MetadataJson(const core::Metadata& m) {
  json::object o;
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}

std::string Lower(std::string_view code) {
  std::string s(code);
  for (char& c : s) c = static_cast<char>(c | 0x20);
  return s;
}

std::string_view IntentStatus(const core::Payment& p) {
  switch (p.status) {
    case core::PaymentStatus::kOpen:
      return p.payment_method.empty() ? "requires_payment_method" : "requires_confirmation";
    case core::PaymentStatus::kAuthorized:
      return "requires_capture";
    case core::PaymentStatus::kCaptured:
      return "succeeded";
    case core::PaymentStatus::kVoided:
      return "canceled";
  }
  return "requires_payment_method";
}
}  // namespace

std::string PaymentIntentJson(const core::Payment& p) {
  json::object o;
  o["id"] = p.id;
  o["object"] = "payment_intent";
  o["amount"] = p.amount_minor;
  o["amount_capturable"] =
      p.status == core::PaymentStatus::kAuthorized ? p.amount_minor : int64_t{0};
  o["amount_received"] = p.captured_minor;
  o["canceled_at"] = p.canceled_ms ? json::value(p.canceled_ms / 1000) : json::value(nullptr);
  o["cancellation_reason"] = Nullable(p.cancellation_reason);
  o["capture_method"] = p.capture_method;
  o["created"] = p.created_ms / 1000;
  o["currency"] = Lower(p.currency.code);
  o["description"] = Nullable(p.description);
  o["latest_charge"] = HasCharge(p) ? json::value(ChargeIdFor(p.id)) : json::value(nullptr);
  o["livemode"] = false;
  o["metadata"] = MetadataJson(p.metadata);
  o["payment_method"] = Nullable(p.payment_method);
  o["payment_method_types"] = json::array{"card"};
  o["status"] = IntentStatus(p);
  return json::serialize(o);
}

// Rendered on the writer thread for every refund (the charge.refunded event): no DOM.
std::string ChargeJson(const core::Payment& p) {
  JsonWriter w;
  w.BeginObject();
  w.Key("id").String(ChargeIdFor(p.id));
  w.Key("object").String("charge");
  w.Key("amount").Int(p.amount_minor);
  w.Key("amount_captured").Int(p.captured_minor);
  w.Key("amount_refunded").Int(p.refunded_minor);
  w.Key("captured").Bool(p.status == core::PaymentStatus::kCaptured);
  w.Key("created").Int(p.created_ms / 1000);
  w.Key("currency").String(Lower(p.currency.code));
  w.Key("livemode").Bool(false);
  w.Key("metadata").BeginObject();
  for (const auto& [k, v] : p.metadata) w.Key(k).String(v);
  w.EndObject();
  w.Key("paid").Bool(true);
  w.Key("payment_intent").String(p.id);
  w.Key("payment_method").StringOrNull(p.payment_method);
  w.Key("refunded").Bool(p.status == core::PaymentStatus::kCaptured &&
                         p.refunded_minor == p.captured_minor);
  w.Key("status").String("succeeded");
  w.EndObject();
  return w.Take();
}

namespace {
// Refunds are rendered on the writer thread for every refund, so they skip the DOM.
void WriteRefund(JsonWriter& w, const core::Refund& r) {
  w.BeginObject();
  w.Key("id").String(r.id);
  w.Key("object").String("refund");
  w.Key("amount").Int(r.amount_minor);
  w.Key("balance_transaction").Null();
  w.Key("charge").String(ChargeIdFor(r.payment_id));
  w.Key("created").Int(r.created_ms / 1000);
  w.Key("currency").String(Lower(r.currency.code));
  if (!r.failure_reason.empty()) w.Key("failure_reason").String(r.failure_reason);
  w.Key("metadata").BeginObject();
  for (const auto& [k, v] : r.metadata) w.Key(k).String(v);
  w.EndObject();
  w.Key("payment_intent").String(r.payment_id);
  w.Key("reason").StringOrNull(r.reason);
  w.Key("receipt_number").Null();
  w.Key("source_transfer_reversal").Null();
  w.Key("status").String(core::RefundStatusName(r.status));
  w.Key("transfer_reversal").Null();
  w.EndObject();
}
}  // namespace

std::string RefundJson(const core::Refund& r) {
  JsonWriter w;
  WriteRefund(w, r);
  return w.Take();
}

std::string RefundListJson(const service::RefundPage& page) {
  JsonWriter w;
  w.BeginObject();
  w.Key("object").String("list");
  w.Key("data").BeginArray();
  for (const auto& r : page.refunds) WriteRefund(w, r);
  w.EndArray();
  w.Key("has_more").Bool(page.has_more);
  w.Key("url").String("/v1/refunds");
  w.EndObject();
  return w.Take();
}

}  // namespace refundd::dialects::native
