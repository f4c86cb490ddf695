#include "dialects/d24/translate.h"

#include <array>
#include <boost/json.hpp>
#include <utility>

#include "core/money.h"
#include "dialects/common/attrs_json.h"
#include "dialects/common/fields.h"
#include "dialects/common/json_writer.h"
#include "dialects/common/time_text.h"

namespace refundd::dialects::d24 {

namespace json = boost::json;
using common::Fields;

#define RETURN_IF_ERROR(parsed) \
  if (!(parsed).ok()) return Err(InvalidBody((parsed).error().message))

namespace {

using common::Flag;
using common::Number;
using common::Text;

// Two upper-case letters (ISO 3166-1 alpha-2), upper-cased from any case.
std::optional<std::string> CountryCode(std::string_view text) {
  if (text.size() != 2) return std::nullopt;
  std::string out;
  for (char c : text) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c < 'A' || c > 'Z') return std::nullopt;
    out.push_back(c);
  }
  return out;
}

std::string Amount(int64_t minor, const core::Currency& currency) {
  return core::FormatMajorUnits(minor, currency);
}

std::string PaymentMethodName(std::string_view payment_method) {
  auto brand = CardBrandName(payment_method);
  return std::string(brand ? *brand : payment_method);
}

}  // namespace

std::string EncodeDepositAttrs(const DepositAttrs& a) {
  json::object o;
  o["deposit_id"] = a.deposit_id;
  o["user_id"] = a.user_id;
  o["invoice_id"] = a.invoice_id;
  o["country"] = a.country;
  o["payment_type"] = a.payment_type;
  o["card"] = a.card;
  o["payer"] = a.payer_json;
  o["notification_url"] = a.notification_url;
  o["back_url"] = a.back_url;
  o["success_url"] = a.success_url;
  o["error_url"] = a.error_url;
  o["description"] = a.description;
  return json::serialize(o);
}

DepositAttrs DecodeDepositAttrs(std::string_view attrs) {
  json::object o = common::ParseObject(attrs);
  DepositAttrs a;
  a.deposit_id = Number(o, "deposit_id");
  a.user_id = Number(o, "user_id");
  a.invoice_id = Text(o, "invoice_id");
  a.country = Text(o, "country");
  a.payment_type = Text(o, "payment_type");
  a.card = Flag(o, "card");
  a.payer_json = Text(o, "payer");
  a.notification_url = Text(o, "notification_url");
  a.back_url = Text(o, "back_url");
  a.success_url = Text(o, "success_url");
  a.error_url = Text(o, "error_url");
  a.description = Text(o, "description");
  return a;
}

std::string EncodeRefundAttrs(const RefundAttrs& a) {
  json::object o;
  o["refund_id"] = a.refund_id;
  o["card"] = a.card;
  o["comments"] = a.comments;
  o["notification_url"] = a.notification_url;
  o["bank_account"] = a.bank_account_json;
  return json::serialize(o);
}

RefundAttrs DecodeRefundAttrs(std::string_view attrs) {
  json::object o = common::ParseObject(attrs);
  RefundAttrs a;
  a.refund_id = Number(o, "refund_id");
  a.card = Flag(o, "card");
  a.comments = Text(o, "comments");
  a.notification_url = Text(o, "notification_url");
  a.bank_account_json = Text(o, "bank_account");
  return a;
}

std::optional<std::string_view> CardBrandName(std::string_view payment_method) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kBrands = {{
      {"VI", "Visa"},
      {"MC", "Mastercard"},
      {"AE", "American Express"},
      {"DC", "Diners Club"},
      {"DI", "Discover"},
      {"JC", "JCB"},
      {"EL", "Elo"},
      {"HI", "Hipercard"},
  }};
  for (const auto& [code, name] : kBrands) {
    if (code == payment_method) return name;
  }
  return std::nullopt;
}

Parsed<DepositInput> ParseCreateDeposit(const json::value& body) {
  if (!body.is_object()) return Err(InvalidBody("the body must be a JSON object"));
  Fields f(body.get_object());
  DepositInput in;
  auto invoice = f.RequiredString("invoice_id", 200);
  RETURN_IF_ERROR(invoice);
  in.attrs.invoice_id = std::move(invoice).value();
  auto currency = f.Currency("currency");
  RETURN_IF_ERROR(currency);
  if (!currency.value()) return Err(InvalidBody("currency is required"));
  in.currency = *currency.value();
  auto amount = f.Decimal("amount");
  RETURN_IF_ERROR(amount);
  if (!amount.value()) return Err(InvalidBody("amount is required"));
  auto minor = common::MinorUnits(*amount.value(), in.currency);
  if (!minor.ok()) {
    return Err(InvalidBody("amount: " + std::string(core::AmountErrorMessage(minor.error()))));
  }
  if (minor.value() <= 0) return Err(InvalidBody("amount must be greater than zero"));
  in.amount_minor = minor.value();
  auto country = f.RequiredString("country", 2);
  if (!country.ok()) return Err(InvalidBody("country must be an ISO 3166-1 alpha-2 code"));
  auto code = CountryCode(country.value());
  if (!code) return Err(InvalidBody("country must be an ISO 3166-1 alpha-2 code"));
  in.attrs.country = *code;

  auto method = f.String("payment_method", 10);
  RETURN_IF_ERROR(method);
  in.payment_method = method.value().value_or("");
  auto type = f.String("payment_type", 40);
  RETURN_IF_ERROR(type);
  auto credit_card = f.Object("credit_card");
  RETURN_IF_ERROR(credit_card);
  const bool card_type =
      type.value() && (*type.value() == "CREDIT_CARD" || *type.value() == "DEBIT_CARD");
  in.attrs.card =
      CardBrandName(in.payment_method).has_value() || card_type || credit_card.value() != nullptr;
  in.attrs.payment_type = type.value().value_or(in.attrs.card ? "CREDIT_CARD" : "BANK_TRANSFER");

  auto payer = f.Object("payer");
  RETURN_IF_ERROR(payer);
  if (payer.value()) in.attrs.payer_json = json::serialize(*payer.value());
  for (auto [name, target] :
       {std::pair{"notification_url", &in.attrs.notification_url},
        std::pair{"back_url", &in.attrs.back_url}, std::pair{"success_url", &in.attrs.success_url},
        std::pair{"error_url", &in.attrs.error_url}}) {
    auto url = f.String(name, 2048);
    RETURN_IF_ERROR(url);
    *target = url.value().value_or("");
  }
  auto description = f.String("description", 1000);
  RETURN_IF_ERROR(description);
  in.attrs.description = description.value().value_or("");
  return in;
}

std::string_view DepositStatus(const core::Payment& deposit) {
  switch (deposit.status) {
    case core::PaymentStatus::kOpen:
    case core::PaymentStatus::kAuthorized:
      return "PENDING";
    case core::PaymentStatus::kCaptured:
      return "COMPLETED";
    case core::PaymentStatus::kVoided:
      return "CANCELLED";
  }
  return "PENDING";
}

std::string DepositCreatedJson(const core::Payment& deposit, const DepositAttrs& a) {
  common::JsonObject info;
  info.Str("type", a.payment_type)
      .Str("payment_method", deposit.payment_method)
      .Str("payment_method_name", PaymentMethodName(deposit.payment_method))
      .Number("amount", Amount(deposit.amount_minor, deposit.currency))
      .Str("currency", deposit.currency.code)
      .Str("created_at", common::DateTimeSeconds(deposit.created_ms));
  common::JsonObject o;
  if (a.card) {
    o.Str("checkout_type", "ONE_SHOT");
  } else {
    o.Str("checkout_type", "HOSTED")
        .Str("redirect_url", "https://checkout.refundd.invalid/d24/" + std::to_string(a.deposit_id))
        .Bool("iframe", true);
  }
  o.Int("deposit_id", a.deposit_id)
      .Int("user_id", a.user_id)
      .Str("merchant_invoice_id", a.invoice_id)
      .Object("payment_info", info);
  return o.str();
}

std::string DepositStatusJson(const core::Payment& deposit, const DepositAttrs& a) {
  common::JsonObject o;
  o.Int("user_id", a.user_id)
      .Int("deposit_id", a.deposit_id)
      .Str("invoice_id", a.invoice_id)
      .Str("country", a.country)
      .Str("currency", deposit.currency.code)
      .Number("local_amount", Amount(deposit.amount_minor, deposit.currency));
  if (deposit.currency.code == "USD") {
    o.Number("usd_amount", Amount(deposit.amount_minor, deposit.currency));
  }
  o.Str("payment_method", deposit.payment_method)
      .Str("payment_type", a.payment_type)
      .Str("status", DepositStatus(deposit));
  if (!a.payer_json.empty()) o.Raw("payer", a.payer_json);
  o.Number("fee_amount", Amount(0, deposit.currency))
      .Str("fee_currency", deposit.currency.code)
      .Bool("refunded",
            deposit.status == core::PaymentStatus::kCaptured && deposit.RefundableMinor() == 0);
  return o.str();
}

Parsed<RefundInput> ParseCreateRefund(const json::value& body) {
  if (!body.is_object()) return Err(InvalidBody("the body must be a JSON object"));
  Fields f(body.get_object());
  RefundInput in;
  auto deposit_id = f.Integer("deposit_id");
  RETURN_IF_ERROR(deposit_id);
  if (!deposit_id.value()) return Err(InvalidBody("deposit_id is required"));
  in.deposit_id = *deposit_id.value();
  auto invoice = f.RequiredString("invoice_id", 200);
  RETURN_IF_ERROR(invoice);
  in.invoice_id = std::move(invoice).value();
  auto amount = f.Decimal("amount");
  if (!amount.ok()) return Err(InvalidAmount(amount.error().message));
  in.amount = amount.value();
  auto currency = f.Currency("currency");
  if (!currency.ok()) return Err(InvalidAmount(currency.error().message));
  in.currency = currency.value();
  // The amount's digits are judged against the deposit's currency once it is loaded; what no
  // currency accepts (not a number, not positive, too large) is refused here, before anything is
  // claimed, so that the corrected request can reuse its X-Idempotency-Key.
  if (in.amount) {
    static const core::Currency kFinest = *core::FindCurrency("KWD");  // three decimals
    auto minor = common::MinorUnits(*in.amount, in.currency.value_or(kFinest));
    if (!minor.ok()) return Err(InvalidAmount(core::AmountErrorMessage(minor.error())));
  }
  auto country = f.String("country", 2);
  RETURN_IF_ERROR(country);
  if (country.value()) {
    auto code = CountryCode(*country.value());
    if (!code) return Err(InvalidBody("country must be an ISO 3166-1 alpha-2 code"));
    in.country = *code;
  }
  if (const json::value* bank = body.get_object().if_contains("bank_account");
      bank && !bank->is_null()) {
    if (bank->is_object()) {
      Fields b(bank->get_object(), "bank_account.");
      auto beneficiary = b.RequiredString("beneficiary", 200);
      auto number = b.RequiredString("account_number", 64);
      const json::value* code = bank->get_object().if_contains("bank_code");
      bool code_ok =
          code && ((code->is_string() && !code->get_string().empty()) || code->is_int64());
      in.bank_account_complete = beneficiary.ok() && number.ok() && code_ok;
    }
    in.bank_account_json = json::serialize(*bank);
  }
  auto comments = f.String("comments", 200);
  RETURN_IF_ERROR(comments);
  in.comments = comments.value().value_or("");
  auto url = f.String("notification_url", 2048);
  RETURN_IF_ERROR(url);
  in.notification_url = url.value().value_or("");
  return in;
}

Parsed<core::RefundRequest> PlanRefund(const RefundInput& in, const core::Payment& deposit,
                                       const DepositAttrs& attrs) {
  if (attrs.invoice_id != in.invoice_id) return Err(NotFound());
  if (!in.country.empty() && in.country != attrs.country) return Err(NotFound());
  if (deposit.status != core::PaymentStatus::kCaptured) return Err(DepositNotCompleted());
  if (in.currency && !(*in.currency == deposit.currency)) {
    return Err(ErrorFor(core::Refusal::kCurrencyMismatch));
  }
  if (!attrs.card && !in.bank_account_complete) return Err(MissingBankAccount());
  int64_t amount = deposit.captured_minor;
  if (in.amount) {
    auto parsed = common::MinorUnits(*in.amount, deposit.currency);
    if (!parsed.ok()) return Err(InvalidAmount(core::AmountErrorMessage(parsed.error())));
    amount = parsed.value();
  }
  if (attrs.card && amount != deposit.captured_minor && amount > 0) {
    return Err(InvalidAmount("credit card deposits are refunded in full"));
  }
  return core::RefundRequest{amount, deposit.currency, {}};
}

core::RefundStatus InitialStatus(const DepositAttrs& attrs) {
  return attrs.card ? core::RefundStatus::kSucceeded : core::RefundStatus::kPending;
}

std::string_view RefundStatus(core::RefundStatus status) {
  switch (status) {
    case core::RefundStatus::kPending:
      return "PENDING";
    case core::RefundStatus::kSucceeded:
      return "COMPLETED";
    case core::RefundStatus::kFailed:
      return "REJECTED";
    case core::RefundStatus::kCanceled:
      return "CANCELLED";
  }
  return "PENDING";
}

std::string RefundCreatedJson(const core::Refund& refund, const RefundAttrs& ra,
                              const core::Payment& deposit, const DepositAttrs& a) {
  common::JsonObject o;
  if (!ra.card) return o.Int("refund_id", ra.refund_id).str();
  // The sandbox processor may decline a card refund at once (docs/lifecycle.md).
  const bool rejected = refund.status == core::RefundStatus::kFailed;
  common::JsonObject info;
  info.Str("type", "CREDIT_CARD")
      .Str("result", rejected ? "REJECTED"
                     : refund.status == core::RefundStatus::kSucceeded ? "SUCCESS"
                                                                       : "IN_PROGRESS")
      .Str("payment_method", deposit.payment_method)
      .Str("payment_method_name", PaymentMethodName(deposit.payment_method))
      .Number("amount", Amount(refund.amount_minor, refund.currency))
      .Str("currency", refund.currency.code)
      .Str("created_at", common::DateTimeSeconds(refund.created_ms));
  if (rejected) info.Str("reason", refund.failure_reason).Str("reason_code", "1");
  // Card refund ids are strings, as D24 sends them ("might be an integer or a string").
  o.Str("refund_id", std::to_string(ra.refund_id))
      .Int("deposit_id", a.deposit_id)
      .Str("merchant_invoice_id", a.invoice_id)
      .Object("refund_info", info);
  return o.str();
}

std::string RefundStatusJson(const core::Refund& refund, const DepositAttrs& a) {
  common::JsonObject o;
  o.Int("deposit_id", a.deposit_id)
      .Str("merchant_invoice_id", a.invoice_id)
      .Str("status", RefundStatus(refund.status))
      .Number("amount", Amount(refund.amount_minor, refund.currency));
  return o.str();
}

std::optional<int64_t> ParseId(std::string_view text) {
  if (text.empty() || text.size() > 18 || text.front() == '0') return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace refundd::dialects::d24
