#include "dialects/kushki_online/translate.h"

#include <boost/json.hpp>

#include "core/money.h"
#include "dialects/common/fields.h"
#include "dialects/common/json_writer.h"
#include "dialects/kushki_common/body.h"
#include "dialects/kushki_common/time_rules.h"
#include "http/body.h"

namespace refundd::dialects::kushki_online {

namespace json = boost::json;
using common::Fields;
using kushki::BadField;
using kushki::Error;
using kushki::KCode;

int StatusOf(kushki::KKind kind) { return kushki::StatusFor(kind, 400, 400); }

namespace {

bool AllDigits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

bool InRange(std::string_view digits, int width, int lo, int hi) {
  if (static_cast<int>(digits.size()) < width) return false;
  int v = 0;
  for (int i = 0; i < width; ++i) v = v * 10 + (digits[static_cast<std::size_t>(i)] - '0');
  return v >= lo && v <= hi;
}

// fullResponse: true or "v2" ask for `details`; false or absent do not.
Parsed<bool> FullResponse(const json::object& body) {
  const json::value* v = body.if_contains("fullResponse");
  if (!v || v->is_null()) return false;
  if (v->is_bool()) return v->get_bool();
  if (v->is_string() && v->get_string() == "v2") return true;
  return Err(BadField("fullResponse", "must be true, false or \"v2\""));
}

// webhooks: [{urls:[...], events?:[...], headers?:[{label, value}]}], kept as sent.
Parsed<bool> CheckWebhooks(const Fields& f) {
  auto list = f.Array("webhooks");
  RETURN_IF_ERROR(list);
  if (!list.value()) return true;
  if (list.value()->size() > 10) return Err(BadField("webhooks", "has more than 10 entries"));
  for (std::size_t i = 0; i < list.value()->size(); ++i) {
    const json::value& hook = (*list.value())[i];
    const std::string path = "webhooks[" + std::to_string(i) + "]";
    if (!hook.is_object()) return Err(BadField(path, "must be an object"));
    Fields h(hook.get_object(), path + ".");
    auto urls = h.Array("urls");
    RETURN_IF_ERROR(urls);
    if (!urls.value() || urls.value()->empty()) return Err(BadField(h.Path("urls"), "is required"));
    for (const json::value& url : *urls.value()) {
      if (!url.is_string() || url.get_string().empty() || url.get_string().size() > 2048) {
        return Err(BadField(h.Path("urls"), "must hold URLs"));
      }
    }
    for (std::string_view name : {"events", "headers"}) {
      auto other = h.Array(name);
      RETURN_IF_ERROR(other);
    }
  }
  return true;
}

// Copies the listed object or array fields of the body, as sent, into `given`.
Parsed<bool> KeepGiven(const json::object& body, std::initializer_list<std::string_view> names,
                       json::object& given) {
  for (std::string_view name : names) {
    const json::value* v = body.if_contains(name);
    if (!v || v->is_null()) continue;
    if (!v->is_object() && !v->is_array()) {
      return Err(BadField(name, "must be an object or an array"));
    }
    given[name] = *v;
  }
  return true;
}

// The amount object at `name`, when present.
Parsed<std::optional<kushki::Amount>> OptionalAmount(const json::object& body) {
  const json::value* v = body.if_contains("amount");
  if (!v || v->is_null()) return std::optional<kushki::Amount>();
  auto parsed = kushki::ParseAmount(*v, kushki::Casing::kCamel);
  RETURN_IF_ERROR(parsed);
  if (parsed.value().TotalMinor() <= 0) return Err(BadField("amount", "must add up to above 0"));
  return std::optional<kushki::Amount>(std::move(parsed).value());
}

}  // namespace

Parsed<const json::object*> BodyObject(const json::value& body) {
  if (!body.is_object()) return Err(kushki::Error(KCode::kK001, "the body must be a JSON object"));
  return &body.get_object();
}

bool LuhnValid(std::string_view digits) {
  int sum = 0;
  bool twice = false;
  for (std::size_t i = digits.size(); i-- > 0;) {
    int d = digits[i] - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

std::string BrandOfPan(std::string_view pan) {
  if (pan.starts_with("4")) return "VISA";
  if (InRange(pan, 2, 51, 55) || InRange(pan, 4, 2221, 2720)) return "MASTERCARD";
  if (pan.starts_with("34") || pan.starts_with("37")) return "AMEX";
  if (pan.starts_with("36") || pan.starts_with("38") || InRange(pan, 3, 300, 305)) {
    return "DINERS";
  }
  if (pan.starts_with("6011") || pan.starts_with("65") || InRange(pan, 3, 644, 649)) {
    return "DISCOVER";
  }
  if (InRange(pan, 4, 3528, 3589)) return "JCB";
  return "UNKNOWN";
}

std::string_view BrandDisplayName(std::string_view brand) {
  if (brand == "VISA") return "Visa";
  if (brand == "MASTERCARD") return "Mastercard";
  if (brand == "AMEX") return "American Express";
  if (brand == "DINERS") return "Diners";
  if (brand == "DISCOVER") return "Discover";
  if (brand == "JCB") return "JCB";
  return "Unknown";
}

Parsed<TokenInput> ParseToken(const json::value& body) {
  auto object = BodyObject(body);
  RETURN_IF_ERROR(object);
  const json::object& o = *object.value();
  Fields f(o);
  TokenInput in;
  auto code = f.String("currency", 16);
  RETURN_IF_ERROR(code);
  if (code.value()) {
    auto c = core::FindCurrency(*code.value());
    if (!c || !kushki::CountryForCurrency(*c)) return Err(Error(KCode::kK055, *code.value()));
    in.currency = *c;
  }
  const json::value* total = o.if_contains("totalAmount");
  if (!total || total->is_null()) return Err(BadField("totalAmount", "is required"));
  const std::string text = total->is_string() ? "" : http::DecimalText(*total);
  auto minor = core::ParseMajorUnits(text, in.currency);
  if (!minor.ok()) {
    return Err(BadField("totalAmount", "must be a number >= 0 with the currency's decimals"));
  }
  in.total_minor = minor.value();

  auto card = f.Object("card");
  RETURN_IF_ERROR(card);
  if (!card.value()) return Err(BadField("card", "is required"));
  Fields c(*card.value(), "card.");
  auto name = c.RequiredString("name", 100);
  RETURN_IF_ERROR(name);
  auto number = c.RequiredString("number", 19);
  RETURN_IF_ERROR(number);
  const std::string& pan = number.value();
  if (pan.size() < 13 || !AllDigits(pan) || !LuhnValid(pan)) {
    return Err(BadField("card.number", "is not a valid card number"));
  }
  auto month = c.RequiredString("expiryMonth", 2);
  RETURN_IF_ERROR(month);
  if (month.value().size() != 2 || !AllDigits(month.value()) || !InRange(month.value(), 2, 1, 12)) {
    return Err(BadField("card.expiryMonth", "must be MM"));
  }
  auto year = c.RequiredString("expiryYear", 4);
  RETURN_IF_ERROR(year);
  if ((year.value().size() != 2 && year.value().size() != 4) || !AllDigits(year.value())) {
    return Err(BadField("card.expiryYear", "must be YY"));
  }
  auto cvv = c.String("cvv", 4);
  RETURN_IF_ERROR(cvv);
  if (cvv.value() && (cvv.value()->size() < 3 || !AllDigits(*cvv.value()))) {
    return Err(BadField("card.cvv", "must be 3 or 4 digits"));
  }
  in.card.brand = BrandOfPan(pan);
  in.card.bin = pan.substr(0, 6);
  in.card.last4 = pan.substr(pan.size() - 4);
  in.card.holder = name.value();
  return in;
}

std::string TokenJson(std::string_view token) {
  return common::JsonObject().Str("token", token).str();
}

Parsed<ChargeInput> ParseCharge(const json::value& body) {
  auto object = BodyObject(body);
  RETURN_IF_ERROR(object);
  const json::object& o = *object.value();
  Fields f(o);
  ChargeInput in;
  auto token = f.RequiredString("token", 64);
  RETURN_IF_ERROR(token);
  in.token = token.value();
  auto amount = OptionalAmount(o);
  RETURN_IF_ERROR(amount);
  if (!amount.value()) return Err(BadField("amount", "is required"));
  in.amount = std::move(*amount.value());
  auto full = FullResponse(o);
  RETURN_IF_ERROR(full);
  in.full_response = full.value();
  auto hooks = CheckWebhooks(f);
  RETURN_IF_ERROR(hooks);
  auto kept = KeepGiven(o, {"metadata", "webhooks", "contactDetails", "orderDetails"}, in.given);
  RETURN_IF_ERROR(kept);
  return in;
}

Parsed<CaptureInput> ParseCapture(const json::value& body) {
  auto object = BodyObject(body);
  RETURN_IF_ERROR(object);
  const json::object& o = *object.value();
  Fields f(o);
  CaptureInput in;
  auto ticket = f.RequiredString("ticketNumber", 18);
  if (!ticket.ok() || !ValidTicketNumber(ticket.value())) {
    return Err(Error(KCode::kK010, "ticketNumber"));
  }
  in.ticket_number = ticket.value();
  auto amount = OptionalAmount(o);
  RETURN_IF_ERROR(amount);
  in.amount = std::move(amount).value();
  auto full = FullResponse(o);
  RETURN_IF_ERROR(full);
  in.full_response = full.value();
  return in;
}

Parsed<CancelInput> ParseCancel(const json::value& body) {
  auto object = BodyObject(body);
  RETURN_IF_ERROR(object);
  const json::object& o = *object.value();
  Fields f(o);
  CancelInput in;
  auto amount = OptionalAmount(o);
  RETURN_IF_ERROR(amount);
  in.amount = std::move(amount).value();
  auto full = FullResponse(o);
  RETURN_IF_ERROR(full);
  in.full_response = full.value();
  auto hooks = CheckWebhooks(f);
  RETURN_IF_ERROR(hooks);
  auto kept = KeepGiven(o, {"webhooks"}, in.given);
  RETURN_IF_ERROR(kept);
  return in;
}

bool ValidTicketNumber(std::string_view ticket) {
  return ticket.size() >= 10 && ticket.size() <= 18 && AllDigits(ticket);
}

bool PartialRefundsAllowed(const core::Currency& currency) { return currency.code == "COP"; }

namespace {
std::string_view SaleTypeName(SaleType type) {
  switch (type) {
    case SaleType::kSale:
      return "SALE";
    case SaleType::kPreauthorization:
      return "PREAUTHORIZATION";
    case SaleType::kCapture:
      return "CAPTURE";
  }
  return "SALE";
}

common::JsonObject AmountObject(const std::vector<core::PartAmount>& buckets,
                                const core::Currency& currency) {
  common::JsonObject amount;
  kushki::AddAmountFields(amount, buckets, currency, kushki::Casing::kCamel);
  return amount;
}

std::vector<core::PartAmount> PartsAs(const core::Payment& p, bool captured) {
  std::vector<core::PartAmount> out;
  for (const core::Part& part : p.parts) {
    out.push_back({part.name, captured ? part.captured_minor : part.amount_minor});
  }
  return out;
}
}  // namespace

std::string SaleJson(const core::Payment& p, const kushki::PaymentAttrs& a, SaleType type,
                     const std::string& ticket_number, const std::string& transaction_reference,
                     int64_t created_ms, bool full_response) {
  common::JsonObject out;
  out.Str("ticketNumber", ticket_number);
  out.Str("transactionReference", transaction_reference);
  if (!full_response) return out.str();
  const bool captured = type != SaleType::kPreauthorization;
  const int64_t approved = captured ? p.captured_minor : p.amount_minor;
  const std::string approved_text = common::ShortestDecimal(approved, p.currency);
  common::JsonObject d;
  d.Object("amount", AmountObject(PartsAs(p, captured), p.currency));
  d.Str("approvalCode", a.approval_code);
  d.Number("approvedTransactionAmount", approved_text);
  d.Str("binCard", a.bin);
  d.Str("cardHolderName", a.holder);
  d.Int("created", created_ms);
  d.Str("currencyCode", p.currency.code);
  d.Str("lastFourDigits", a.last4);
  d.Str("maskedCardNumber", a.bin + "XXXXXX" + a.last4);
  if (const json::value* metadata = a.given.if_contains("metadata")) {
    d.Raw("metadata", json::serialize(*metadata));
  }
  d.Str("paymentBrand", BrandDisplayName(a.brand));
  d.Number("requestAmount", approved_text);
  d.Str("responseCode", "000");
  d.Str("responseText", "Transacción aprobada");
  d.Str("saleTicketNumber", a.ticket_number);
  d.Str("ticketNumber", ticket_number);
  d.Str("transactionReference", transaction_reference);
  d.Str("transactionStatus", "APPROVAL");
  d.Str("transactionType", SaleTypeName(type));
  out.Object("details", d);
  return out.str();
}

std::string CancelJson(const CancelView& v, bool full_response) {
  common::JsonObject out;
  out.Str("ticketNumber", v.ticket_number);
  out.Str("transactionReference", v.transaction_reference);
  if (!full_response) return out.str();
  common::JsonObject d;
  d.Object("amount", AmountObject(v.buckets, v.currency));
  d.Int("created", v.created_ms);
  d.Str("currencyCode", v.currency.code);
  d.Bool("partialVoid", v.partial);
  d.Number("requestAmount", common::ShortestDecimal(v.amount_minor, v.currency));
  d.Str("saleTicketNumber", v.sale_ticket_number);
  d.Str("saleTransactionReference", v.sale_transaction_reference);
  d.Str("ticketNumber", v.ticket_number);
  d.Str("transactionReference", v.transaction_reference);
  d.Str("transactionStatus", "INITIALIZED");
  d.Str("transactionType", v.type);
  out.Object("details", d);
  return out.str();
}

}  // namespace refundd::dialects::kushki_online
