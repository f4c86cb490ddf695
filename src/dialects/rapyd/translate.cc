#include "dialects/rapyd/translate.h"

#include <boost/json.hpp>

#include "core/money.h"
#include "dialects/common/attrs_json.h"
#include "dialects/common/fields.h"
#include "dialects/common/json_writer.h"

namespace refundd::dialects::rapyd {

namespace json = boost::json;
using common::Fields;
using common::ShortestDecimal;

#define RETURN_IF_ERROR(parsed) \
  if (!(parsed).ok()) return Err(InvalidFields((parsed).error().message))

namespace {

using common::Number;
using common::ParseObject;
using common::Text;

std::string MetadataOrEmpty(const std::string& metadata_json) {
  return metadata_json.empty() ? "{}" : metadata_json;
}

std::string Category(std::string_view type) {
  auto ends = [&](std::string_view suffix) { return type.ends_with(suffix); };
  if (ends("_card") || type.starts_with("card_")) return "card";
  if (ends("_cash")) return "cash";
  if (ends("_bank")) return "bank_transfer";
  if (ends("_ewallet")) return "ewallet";
  return "bank_redirect";
}

// The payment's e-wallet split: `ewallets` by amount or by percentage, or one `ewallet`.
Parsed<std::vector<core::Part>> ParseSplit(const Fields& f, int64_t amount_minor,
                                           const core::Currency& currency,
                                           std::vector<int64_t>& percentages) {
  std::vector<core::Part> parts;
  auto single = f.String("ewallet", 64);
  RETURN_IF_ERROR(single);
  auto list = f.Array("ewallets");
  RETURN_IF_ERROR(list);
  if (!list.value() || list.value()->empty()) {
    if (single.value()) {
      if (!core::ValidPartName(*single.value())) return Err(InvalidFields("ewallet is not valid."));
      parts.push_back({*single.value(), amount_minor, 0, 0, 0});
    }
    return parts;
  }
  if (list.value()->size() > kMaxWallets)
    return Err(InvalidFields("ewallets has too many entries."));
  bool by_percent = false;
  std::vector<int64_t> weights;
  for (std::size_t i = 0; i < list.value()->size(); ++i) {
    const json::value& item = (*list.value())[i];
    std::string where = "ewallets[" + std::to_string(i) + "]";
    if (!item.is_object()) return Err(InvalidFields(where + " must be an object."));
    Fields w(item.get_object(), where + ".");
    auto name = w.RequiredString("ewallet", 64);
    RETURN_IF_ERROR(name);
    if (!core::ValidPartName(name.value()))
      return Err(InvalidFields(where + ".ewallet is not valid."));
    for (const core::Part& p : parts) {
      if (p.name == name.value()) return Err(InvalidFields(where + ".ewallet is named twice."));
    }
    auto amount = w.Decimal("amount");
    RETURN_IF_ERROR(amount);
    auto percent = w.Decimal("percentage");
    RETURN_IF_ERROR(percent);
    if (amount.value().has_value() == percent.value().has_value() ||
        (i > 0 && by_percent != percent.value().has_value())) {
      return Err(InvalidFields("ewallets must all give either amount or percentage."));
    }
    by_percent = percent.value().has_value();
    auto value = common::MinorUnits(by_percent ? *percent.value() : *amount.value(),
                                    by_percent ? kPercent : currency);
    if (!value.ok() || value.value() <= 0) {
      return Err(InvalidFields(where + (by_percent ? ".percentage" : ".amount") +
                               " must be a positive number."));
    }
    weights.push_back(value.value());
    if (by_percent) percentages.push_back(value.value());
    parts.push_back({name.value(), value.value(), 0, 0, 0});
  }
  int64_t sum = 0;
  for (int64_t w : weights) sum += w;
  if (by_percent) {
    if (sum != kHundredPercent)
      return Err(CreatePaymentFailed("The percentages must add up to 100."));
    std::vector<int64_t> shares = core::SplitProportionally(amount_minor, weights);
    for (std::size_t i = 0; i < parts.size(); ++i) parts[i].amount_minor = shares[i];
  } else if (sum != amount_minor) {
    return Err(CreatePaymentFailed("The ewallet amounts must add up to the payment's amount."));
  }
  return parts;
}

}  // namespace

std::string EncodePaymentAttrs(const PaymentAttrs& a) {
  json::object o;
  o["method_type"] = a.method_type;
  o["category"] = a.category;
  o["merchant_reference_id"] = a.merchant_reference_id;
  o["metadata"] = a.metadata_json;
  o["complete_payment_url"] = a.complete_payment_url;
  o["error_payment_url"] = a.error_payment_url;
  json::array percentages;
  for (int64_t p : a.percentages) percentages.push_back(p);
  o["percentages"] = std::move(percentages);
  o["paid_ms"] = a.paid_ms;
  return json::serialize(o);
}

PaymentAttrs DecodePaymentAttrs(std::string_view attrs) {
  json::object o = ParseObject(attrs);
  PaymentAttrs a;
  a.method_type = Text(o, "method_type");
  a.category = Text(o, "category");
  a.merchant_reference_id = Text(o, "merchant_reference_id");
  a.metadata_json = MetadataOrEmpty(Text(o, "metadata"));
  a.complete_payment_url = Text(o, "complete_payment_url");
  a.error_payment_url = Text(o, "error_payment_url");
  if (const json::value* p = o.if_contains("percentages"); p && p->is_array()) {
    for (const json::value& v : p->get_array()) {
      if (v.is_int64()) a.percentages.push_back(v.get_int64());
    }
  }
  a.paid_ms = Number(o, "paid_ms");
  return a;
}

std::string EncodeRefundAttrs(const RefundAttrs& a) {
  json::object o;
  o["merchant_reference_id"] = a.merchant_reference_id;
  o["metadata"] = a.metadata_json;
  o["payment_method_type"] = a.payment_method_type;
  o["payment_created_ms"] = a.payment_created_ms;
  o["proportional"] = a.proportional;
  return json::serialize(o);
}

RefundAttrs DecodeRefundAttrs(std::string_view attrs) {
  json::object o = ParseObject(attrs);
  RefundAttrs a;
  a.merchant_reference_id = Text(o, "merchant_reference_id");
  a.metadata_json = MetadataOrEmpty(Text(o, "metadata"));
  a.payment_method_type = Text(o, "payment_method_type");
  a.payment_created_ms = Number(o, "payment_created_ms");
  const json::value* p = o.if_contains("proportional");
  a.proportional = p && p->is_bool() && p->get_bool();
  return a;
}

Parsed<PaymentInput> ParseCreatePayment(const json::value& body) {
  if (!body.is_object()) return Err(InvalidFields("The body must be a JSON object."));
  const json::object& o = body.get_object();
  Fields f(o);
  PaymentInput in;
  auto currency = f.Currency("currency");
  RETURN_IF_ERROR(currency);
  if (!currency.value()) return Err(InvalidFields("currency is required."));
  in.currency = *currency.value();
  auto amount = f.Decimal("amount");
  RETURN_IF_ERROR(amount);
  if (!amount.value()) return Err(InvalidFields("amount is required."));
  auto minor = common::MinorUnits(*amount.value(), in.currency);
  if (!minor.ok()) {
    return Err(CreatePaymentFailed(
        "amount: " + std::string(core::AmountErrorMessage(minor.error())) + "."));
  }
  if (minor.value() <= 0) return Err(CreatePaymentFailed("The amount must be greater than zero."));
  in.amount_minor = minor.value();

  const json::value* pm = o.if_contains("payment_method");
  if (!pm || pm->is_null()) return Err(CreatePaymentFailed("payment_method is required."));
  if (pm->is_string()) {
    in.payment_method = std::string(pm->get_string());
    if (in.payment_method.empty() || in.payment_method.size() > 255) {
      return Err(InvalidFields("payment_method is not valid."));
    }
  } else if (pm->is_object()) {
    auto type = Fields(pm->get_object(), "payment_method.").RequiredString("type", 100);
    RETURN_IF_ERROR(type);
    in.payment_method = type.value();
    in.attrs.method_type = type.value();
  } else {
    return Err(InvalidFields("payment_method must be an object or a payment method ID."));
  }
  in.attrs.category = Category(in.payment_method);

  auto capture = f.Bool("capture");
  RETURN_IF_ERROR(capture);
  in.capture = capture.value().value_or(true);
  auto split = ParseSplit(f, in.amount_minor, in.currency, in.attrs.percentages);
  if (!split.ok()) return Err(split.error());
  in.parts = std::move(split).value();

  auto description = f.String("description", 1000);
  RETURN_IF_ERROR(description);
  in.description = description.value().value_or("");
  auto reference = f.String("merchant_reference_id", 255);
  RETURN_IF_ERROR(reference);
  in.attrs.merchant_reference_id = reference.value().value_or("");
  auto metadata = f.Object("metadata");
  RETURN_IF_ERROR(metadata);
  if (metadata.value()) in.attrs.metadata_json = json::serialize(*metadata.value());
  for (auto [name, target] : {std::pair{"complete_payment_url", &in.attrs.complete_payment_url},
                              std::pair{"error_payment_url", &in.attrs.error_payment_url}}) {
    auto url = f.String(name, 2048);
    RETURN_IF_ERROR(url);
    *target = url.value().value_or("");
  }
  return in;
}

bool ClosesAtOnce(const PaymentAttrs& attrs) {
  return attrs.category == "card" || attrs.category == "ewallet";
}

std::string_view PaymentStatus(const core::Payment& p) {
  switch (p.status) {
    case core::PaymentStatus::kOpen:
    case core::PaymentStatus::kAuthorized:
      return "ACT";
    case core::PaymentStatus::kCaptured:
      return "CLO";
    case core::PaymentStatus::kVoided:
      return "CAN";
  }
  return "ACT";
}

namespace {
common::JsonObject RefundObject(const core::Refund& r) {
  RefundAttrs a = DecodeRefundAttrs(r.attrs);
  common::JsonArray wallets;
  for (const core::PartAmount& p : r.parts) {
    common::JsonObject w;
    w.Str("ewallet", p.name).Number("amount", ShortestDecimal(p.amount_minor, r.currency));
    wallets.Add(w);
  }
  std::string amount = ShortestDecimal(r.amount_minor, r.currency);
  common::JsonObject o;
  o.Str("id", r.id)
      .Number("amount", amount)
      .Str("payment", r.payment_id)
      .Str("currency", r.currency.code)
      .Str("failure_reason", r.failure_reason)
      .Raw("metadata", a.metadata_json)
      .Str("reason", r.reason)
      .Str("status", RefundStatus(r.status))
      .Int("receipt_number", 0)
      .Int("created_at", r.created_ms / 1000)
      .Int("updated_at", r.updated_ms / 1000)
      .Str("merchant_reference_id", a.merchant_reference_id)
      .Int("payment_created_at", a.payment_created_ms / 1000)
      .Str("payment_method_type", a.payment_method_type)
      .Array("ewallets", wallets)
      .Bool("proportional_refund", a.proportional)
      .Str("fx_rate", "1")
      .Str("fixed_side", "")
      .Str("merchant_debited_amount", amount)
      .Str("merchant_debited_currency", r.currency.code);
  return o;
}

std::string_view NextAction(const core::Payment& p) {
  switch (p.status) {
    case core::PaymentStatus::kOpen:
      return "pending_confirmation";
    case core::PaymentStatus::kAuthorized:
      return "pending_capture";
    case core::PaymentStatus::kCaptured:
    case core::PaymentStatus::kVoided:
      return "not_applicable";
  }
  return "not_applicable";
}
}  // namespace

std::string PaymentJson(const core::Payment& p, const RefundSummary& refunds) {
  PaymentAttrs a = DecodePaymentAttrs(p.attrs);
  const bool closed = p.status == core::PaymentStatus::kCaptured;
  const int64_t held = p.refunded_minor + p.pending_minor;
  common::JsonArray wallets;
  for (std::size_t i = 0; i < p.parts.size(); ++i) {
    const core::Part& part = p.parts[i];
    common::JsonObject w;
    w.Str("ewallet_id", part.name).Number("amount", ShortestDecimal(part.amount_minor, p.currency));
    if (i < a.percentages.size()) w.Number("percent", ShortestDecimal(a.percentages[i], kPercent));
    w.Number("refunded_amount",
             ShortestDecimal(part.refunded_minor + part.pending_minor, p.currency));
    wallets.Add(w);
  }
  common::JsonArray latest;
  for (const core::Refund& r : refunds.latest) latest.Add(RefundObject(r));
  common::JsonObject list;
  list.Array("data", latest)
      .Bool("has_more", refunds.has_more)
      .Int("total_count", refunds.total_count)
      .Str("url", "/v1/refunds/payment/" + p.id);

  common::JsonObject o;
  o.Str("id", p.id)
      .Number("amount", ShortestDecimal(closed ? p.captured_minor : p.amount_minor, p.currency))
      .Number("original_amount", ShortestDecimal(p.amount_minor, p.currency))
      .Str("currency_code", p.currency.code)
      .Str("status", PaymentStatus(p))
      .Str("description", p.description)
      .Str("merchant_reference_id", a.merchant_reference_id)
      .Raw("metadata", a.metadata_json)
      .Bool("captured", closed)
      .Bool("paid", closed)
      .Int("paid_at", closed ? a.paid_ms / 1000 : 0)
      .Int("created_at", p.created_ms / 1000)
      .Bool("refunded", closed && held > 0 && held == p.captured_minor)
      .Number("refunded_amount", ShortestDecimal(held, p.currency))
      .Object("refunds", list)
      .Str("payment_method", p.payment_method)
      .Str("payment_method_type", a.method_type)
      .Str("payment_method_type_category", a.category)
      .Str("ewallet_id", p.parts.empty() ? "" : p.parts.front().name)
      .Array("ewallets", wallets)
      .Null("merchant_requested_currency")
      .Str("next_action", NextAction(p))
      .Str("complete_payment_url", a.complete_payment_url)
      .Str("error_payment_url", a.error_payment_url)
      .StrOrNull("cancel_reason", p.cancellation_reason)
      .Str("failure_code", "")
      .Str("failure_message", "");
  return o.str();
}

Parsed<std::optional<std::string>> ParseCapture(const json::value& body) {
  if (!body.is_object()) return Err(InvalidFields("The body must be a JSON object."));
  auto amount = Fields(body.get_object()).Decimal("amount");
  RETURN_IF_ERROR(amount);
  return amount.value();
}

Parsed<std::optional<int64_t>> CaptureAmount(const std::optional<std::string>& amount,
                                             const core::Payment& payment) {
  if (!amount) return std::optional<int64_t>();
  auto minor = common::MinorUnits(*amount, payment.currency);
  if (!minor.ok()) {
    return Err(Error{400, "ERROR_CAPTURE_PAYMENT",
                     "The request tried to capture a payment, but the amount is not valid: " +
                         std::string(core::AmountErrorMessage(minor.error())) + "."});
  }
  return std::optional<int64_t>(minor.value());
}

Parsed<std::string> ParseToken(const json::value& body) {
  if (!body.is_object()) return Err(InvalidFields("The body must be a JSON object."));
  auto token = Fields(body.get_object()).RequiredString("token", 255);
  RETURN_IF_ERROR(token);
  return token.value();
}

std::string RefundJson(const core::Refund& refund) { return RefundObject(refund).str(); }

std::string RefundListJson(const std::vector<core::Refund>& refunds) {
  common::JsonArray data;
  for (const core::Refund& r : refunds) data.Add(RefundObject(r));
  return data.str();
}

std::string_view RefundStatus(core::RefundStatus status) {
  switch (status) {
    case core::RefundStatus::kPending:
      return "Pending";
    case core::RefundStatus::kSucceeded:
      return "Completed";
    case core::RefundStatus::kFailed:
      return "Rejected";
    case core::RefundStatus::kCanceled:
      return "Canceled";
  }
  return "Pending";
}

}  // namespace refundd::dialects::rapyd
