#include "dialects/utgl/translate.h"

#include <boost/json.hpp>

#include "base/ids.h"
#include "core/money.h"
#include "crypto/crypto.h"
#include "dialects/common/attrs_json.h"
#include "dialects/common/fields.h"
#include "dialects/common/json_writer.h"
#include "dialects/common/time_text.h"
#include "dialects/common/uuid.h"

namespace refundd::dialects::utgl {

namespace json = boost::json;
using common::Fields;

#define RETURN_IF_ERROR(parsed) \
  if (!(parsed).ok()) return Err(Validation((parsed).error().message))

namespace {

using common::Number;
using common::ParseObject;
using common::Text;

Parsed<const json::object*> Object(const json::value& body) {
  if (!body.is_object()) return Err(Validation("The body must be a JSON object."));
  return &body.get_object();
}

bool Luhn(std::string_view digits) {
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (twice && (d *= 2) > 9) d -= 9;
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

std::string CardType(std::string_view pan) {
  auto prefix = [&](int n) { return std::stoi(std::string(pan.substr(0, n))); };
  if (pan[0] == '4') return "VISA";
  if ((prefix(2) >= 51 && prefix(2) <= 55) || (prefix(4) >= 2221 && prefix(4) <= 2720)) {
    return "MASTERCARD";
  }
  if (prefix(2) == 34 || prefix(2) == 37) return "AMEX";
  if (prefix(2) == 62 || prefix(2) == 81) return "UNIONPAY";
  if (prefix(4) >= 3528 && prefix(4) <= 3589) return "JCB";
  return "UNKNOWN";
}

// An amount of at least 0.01 that is a multiple of 0.01, in `currency` (two decimals only).
Parsed<int64_t> TwoDecimalAmount(std::string_view text, const core::Currency& currency,
                                 std::string_view field) {
  if (currency.exponent != 2) {
    return Err(Validation(std::string(currency.code) + " is not supported: amounts are in units "
                                                       "of 0.01."));
  }
  auto minor = common::MinorUnits(text, currency);
  if (!minor.ok()) {
    return Err(Validation(std::string(field) + " must be a multiple of 0.01: " +
                          std::string(core::AmountErrorMessage(minor.error())) + "."));
  }
  if (minor.value() < 1) return Err(Validation(std::string(field) + " must be at least 0.01."));
  return minor.value();
}

std::string Amount(int64_t minor, const core::Currency& currency) {
  return core::FormatMajorUnits(minor, currency);
}

Parsed<std::string> RequiredUuid(const Fields& f, std::string_view name) {
  auto id = f.RequiredString(name, 64);
  RETURN_IF_ERROR(id);
  if (!common::IsUuid(id.value())) return Err(Validation(std::string(name) + " must be a UUID."));
  return id.value();
}

}  // namespace

std::string EncodeCard(const Card& c) {
  return c.card_type + "|" + c.masked_pan + "|" + std::to_string(c.expires_ms);
}

std::optional<Card> DecodeCard(std::string_view text) {
  std::size_t a = text.find('|');
  std::size_t b = a == std::string_view::npos ? a : text.find('|', a + 1);
  if (b == std::string_view::npos) return std::nullopt;
  Card c{std::string(text.substr(0, a)), std::string(text.substr(a + 1, b - a - 1)), 0};
  for (char ch : text.substr(b + 1)) {
    if (ch < '0' || ch > '9') return std::nullopt;
    c.expires_ms = c.expires_ms * 10 + (ch - '0');
  }
  return c;
}

Parsed<Card> ParseInitiateBinding(const json::value& body) {
  auto o = Object(body);
  if (!o.ok()) return Err(o.error());
  auto pan = Fields(*o.value()).RequiredString("fullPan", 19);
  RETURN_IF_ERROR(pan);
  const std::string& digits = pan.value();
  bool numeric = digits.find_first_not_of("0123456789") == std::string::npos;
  if (!numeric || digits.size() < 12 || !Luhn(digits)) {
    return Err(Validation("fullPan must be a card number of 12 to 19 digits."));
  }
  return Card{
      CardType(digits),
      digits.substr(0, 6) + std::string(digits.size() - 10, '*') + digits.substr(digits.size() - 4),
      0};
}

std::string InitiateBindingJson(const std::string& verification_id, const Card& card) {
  common::JsonObject o;
  // `code` is the reference printed next to the one-time password in the cardholder's message.
  o.Str("verificationId", verification_id)
      .Str("code", verification_id.substr(0, 4))
      .Str("codeExpiry", common::Iso8601Millis(card.expires_ms))
      .Str("maskedPan", card.masked_pan)
      .Str("contactNumber", "+852 ****" + card.masked_pan.substr(card.masked_pan.size() - 4))
      .Str("cardFace", "default");
  return o.str();
}

Parsed<ConfirmInput> ParseConfirmBinding(const json::value& body) {
  auto o = Object(body);
  if (!o.ok()) return Err(o.error());
  Fields f(*o.value());
  auto id = RequiredUuid(f, "verificationId");
  if (!id.ok()) return Err(id.error());
  auto code = f.RequiredString("code", 16);
  RETURN_IF_ERROR(code);
  return ConfirmInput{id.value(), code.value()};
}

std::string ConfirmBindingJson(const std::string& card_id, const Card& card) {
  common::JsonObject o;
  o.Str("cardId", card_id)
      .Str("bindingStatus", "success")
      .Str("cardFace", "default")
      .Str("expirationDate", common::MonthYear(card.expires_ms))
      .Str("cardType", card.card_type);
  return o.str();
}

namespace {
Parsed<VerifyInput> ParseTransaction(const json::value& body, bool with_otp) {
  auto o = Object(body);
  if (!o.ok()) return Err(o.error());
  Fields f(*o.value());
  VerifyInput in;
  auto card = RequiredUuid(f, "cardId");
  if (!card.ok()) return Err(card.error());
  in.card_id = card.value();
  auto currency = f.Currency("currency");
  RETURN_IF_ERROR(currency);
  if (!currency.value()) return Err(Validation("currency is required"));
  in.currency = *currency.value();
  auto amount = f.Decimal("amount");
  RETURN_IF_ERROR(amount);
  if (!amount.value()) return Err(Validation("amount is required"));
  auto minor = TwoDecimalAmount(*amount.value(), in.currency, "amount");
  if (!minor.ok()) return Err(minor.error());
  in.amount_minor = minor.value();
  auto description = f.RequiredString("description", 500);
  RETURN_IF_ERROR(description);
  in.description = description.value();
  if (with_otp) {
    auto otp = f.RequiredString("otpToken", 16);
    RETURN_IF_ERROR(otp);
    in.otp = otp.value();
  }
  return in;
}
}  // namespace

Parsed<VerifyInput> ParseVerify(const json::value& body) { return ParseTransaction(body, false); }
Parsed<VerifyInput> ParsePurchase(const json::value& body) { return ParseTransaction(body, true); }

std::string VerifyKey(const VerifyInput& in) {
  return crypto::Sha256Hex(in.card_id + '\n' + std::to_string(in.amount_minor) + '\n' +
                           std::string(in.currency.code) + '\n' + in.description);
}

std::string EncodeTransactionAttrs(const TransactionAttrs& a) {
  json::object o;
  o["transactionId"] = a.transaction_id;
  o["cardId"] = a.card_id;
  o["refId"] = a.ref_id;
  o["authorizationExpiry"] = a.authorization_expiry_ms;
  o["captureDate"] = a.capture_ms;
  return json::serialize(o);
}

TransactionAttrs DecodeTransactionAttrs(std::string_view attrs) {
  json::object o = ParseObject(attrs);
  return TransactionAttrs{Text(o, "transactionId"), Text(o, "cardId"), Text(o, "refId"),
                          Number(o, "authorizationExpiry"), Number(o, "captureDate")};
}

std::string NewRefId() {
  std::string id;
  while (id.size() < 10) {
    std::string chunk = RandomId("", 32);
    for (char c : chunk) {
      if (c >= 'a' && c <= 'z') continue;  // upper case and digits only
      if (id.size() < 10) id.push_back(c);
    }
  }
  return id;
}

std::string_view TransactionStatus(const core::Payment& p) {
  switch (p.status) {
    case core::PaymentStatus::kOpen:
    case core::PaymentStatus::kAuthorized:
      return "locked";
    case core::PaymentStatus::kCaptured:
      return p.RefundableMinor() > 0 ? "captured" : "refunded";
    case core::PaymentStatus::kVoided:
      return "void";
  }
  return "locked";
}

std::string PurchaseJson(const core::Payment& p) {
  TransactionAttrs a = DecodeTransactionAttrs(p.attrs);
  common::JsonObject o;
  o.Str("transactionId", a.transaction_id)
      .Str("status", TransactionStatus(p))
      .Number("amountAuthorized", Amount(p.amount_minor, p.currency))
      .Str("currency", p.currency.code)
      .Str("authorizationExpiry", common::Iso8601Millis(a.authorization_expiry_ms))
      .Str("cardId", a.card_id)
      .Str("refId", a.ref_id);
  return o.str();
}

Parsed<CaptureInput> ParseCapture(const json::value& body) {
  auto o = Object(body);
  if (!o.ok()) return Err(o.error());
  Fields f(*o.value());
  auto id = RequiredUuid(f, "transactionId");
  if (!id.ok()) return Err(id.error());
  auto amount = f.Decimal("amount");
  RETURN_IF_ERROR(amount);
  return CaptureInput{id.value(), amount.value()};
}

Parsed<std::optional<int64_t>> CaptureAmount(const CaptureInput& in, const core::Payment& p) {
  if (!in.amount) return std::optional<int64_t>();
  auto minor = TwoDecimalAmount(*in.amount, p.currency, "amount");
  if (!minor.ok()) return Err(minor.error());
  return std::optional<int64_t>(minor.value());
}

std::string CaptureJson(const core::Payment& p) {
  TransactionAttrs a = DecodeTransactionAttrs(p.attrs);
  common::JsonObject o;
  o.Str("transactionId", a.transaction_id)
      .Str("status", TransactionStatus(p))
      .Number("amountCaptured", Amount(p.captured_minor, p.currency))
      .Str("currency", p.currency.code)
      .Str("captureDate", common::Iso8601Millis(a.capture_ms))
      .Str("cardId", a.card_id)
      .Str("refId", a.ref_id);
  return o.str();
}

Parsed<std::string> ParseRelease(const json::value& body) {
  auto o = Object(body);
  if (!o.ok()) return Err(o.error());
  return RequiredUuid(Fields(*o.value()), "transactionId");
}

std::string ReleaseJson(const core::Payment& p) {
  TransactionAttrs a = DecodeTransactionAttrs(p.attrs);
  common::JsonObject o;
  o.Str("transactionId", a.transaction_id)
      .Str("status", TransactionStatus(p))
      .Str("cardId", a.card_id)
      .Str("refId", a.ref_id);
  return o.str();
}

Parsed<RefundInput> ParseRefund(const json::value& body) {
  auto o = Object(body);
  if (!o.ok()) return Err(o.error());
  Fields f(*o.value());
  RefundInput in;
  auto id = RequiredUuid(f, "transactionId");
  if (!id.ok()) return Err(id.error());
  in.transaction_id = id.value();
  auto amount = f.Decimal("amount");
  RETURN_IF_ERROR(amount);
  if (!amount.value()) return Err(Validation("amount is required"));
  in.amount = *amount.value();
  auto currency = f.RequiredString("currency", 3);
  RETURN_IF_ERROR(currency);
  if (currency.value().size() != 3) return Err(Validation("currency must be an ISO 4217 code."));
  in.currency = currency.value();
  auto reason = f.RequiredString("reason", 500);
  RETURN_IF_ERROR(reason);
  in.reason = reason.value();
  auto description = f.RequiredString("description", 500);
  RETURN_IF_ERROR(description);
  in.description = description.value();
  return in;
}

Parsed<core::RefundRequest> PlanRefund(const RefundInput& in, const core::Payment& payment) {
  auto currency = core::FindCurrency(in.currency);
  if (!currency || !(*currency == payment.currency)) {
    return Err(ErrorFor(core::Refusal::kCurrencyMismatch));
  }
  auto amount = TwoDecimalAmount(in.amount, payment.currency, "amount");
  if (!amount.ok()) return Err(amount.error());
  return core::RefundRequest{amount.value(), *currency, {}};
}

Parsed<int64_t> CentAmount(std::string_view text, std::string_view field) {
  return TwoDecimalAmount(text, core::Currency{"USD", 2}, field);
}

std::string EncodeRefundAttrs(const RefundAttrs& a) {
  json::object o;
  o["refundTransactionId"] = a.refund_transaction_id;
  o["description"] = a.description;
  return json::serialize(o);
}

RefundAttrs DecodeRefundAttrs(std::string_view attrs) {
  json::object o = ParseObject(attrs);
  return RefundAttrs{Text(o, "refundTransactionId"), Text(o, "description")};
}

std::string RefundJson(const core::Refund& r, const core::Payment& p) {
  TransactionAttrs a = DecodeTransactionAttrs(p.attrs);
  common::JsonObject o;
  o.Str("transactionId", a.transaction_id)
      .Str("refundTransactionId", DecodeRefundAttrs(r.attrs).refund_transaction_id)
      .Str("status", TransactionStatus(p))
      .Number("amountRefunded", Amount(r.amount_minor, r.currency))
      .Str("currency", r.currency.code)
      .Str("refundDate", common::Iso8601Millis(r.created_ms))
      .Str("cardId", a.card_id)
      .Str("refId", a.ref_id);
  return o.str();
}

}  // namespace refundd::dialects::utgl
