#include "dialects/kushki_pos/translate.h"

#include <boost/json.hpp>

#include "core/money.h"
#include "dialects/common/fields.h"
#include "dialects/common/json_writer.h"
#include "dialects/kushki_common/body.h"

namespace refundd::dialects::kushki_pos {

namespace json = boost::json;
using common::Fields;
using kushki::BadField;
using kushki::Error;
using kushki::KCode;

int StatusOf(kushki::KKind kind) { return kushki::StatusFor(kind, 401, 412); }

namespace {

constexpr std::size_t kMaxClientIdChars = 64;

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

bool EqualsNoCase(std::string_view a, std::string_view b) { return Upper(a) == Upper(b); }

// Object fields kept as given, and scalar fields checked for their type and kept.
Parsed<bool> KeepGiven(const Fields& f, json::object& given) {
  for (std::string_view name : {"card_details", "card", "contact_details", "pos_details"}) {
    auto o = f.Object(name);
    RETURN_IF_ERROR(o);
    if (o.value()) given[name] = *o.value();
  }
  for (std::string_view name : {"country", "cvm_type", "transaction_mode"}) {
    auto s = f.String(name, 64);
    RETURN_IF_ERROR(s);
    if (s.value()) given[name] = *s.value();
  }
  for (std::string_view name : {"is_deferred", "is_cashback"}) {
    auto b = f.Bool(name);
    RETURN_IF_ERROR(b);
    if (b.value()) given[name] = *b.value();
  }
  return true;
}

Parsed<bool> CheckCardDetails(const json::object& card_details) {
  if (card_details.empty()) return Err(BadField("card_details", "must not be empty"));
  Fields f(card_details, "card_details.");
  for (std::string_view name : {"enc_tlv", "pin_ksn", "reading_type"}) {
    auto s = f.String(name, 8192);
    RETURN_IF_ERROR(s);
  }
  auto tracks = f.Object("tracks");
  RETURN_IF_ERROR(tracks);
  return true;
}

}  // namespace

bool CardlessAllowed(std::string_view brand) { return brand == "VISA" || brand == "MASTERCARD"; }

Parsed<Request> ParseRequest(const json::value& body, Operation op) {
  if (!body.is_object()) return Err(Error(KCode::kK001, "the body must be a JSON object"));
  const json::object& o = body.get_object();
  Fields f(o);
  Request in;
  in.operation = op;
  auto client_id = f.RequiredString("client_transaction_id", kMaxClientIdChars);
  RETURN_IF_ERROR(client_id);
  in.client_transaction_id = client_id.value();
  auto reference = f.String("transaction_reference", 64);
  RETURN_IF_ERROR(reference);
  in.transaction_reference = reference.value().value_or("");
  auto omit = f.Bool("omit_card");
  RETURN_IF_ERROR(omit);
  in.omit_card = omit.value().value_or(false);
  if (const json::value* amount = o.if_contains("amount"); amount && !amount->is_null()) {
    auto parsed = kushki::ParseAmount(*amount, kushki::Casing::kSnake);
    RETURN_IF_ERROR(parsed);
    if (parsed.value().TotalMinor() <= 0) {
      return Err(BadField("amount", "must add up to above 0"));
    }
    in.amount = std::move(parsed).value();
  }
  auto type = f.String("transaction_type", 64);
  RETURN_IF_ERROR(type);
  auto kept = KeepGiven(f, in.given);
  RETURN_IF_ERROR(kept);
  if (const json::value* card_details = in.given.if_contains("card_details")) {
    auto ok = CheckCardDetails(card_details->get_object());
    RETURN_IF_ERROR(ok);
    in.card_read = true;
  }
  if (const json::value* card = in.given.if_contains("card")) {
    Fields c(card->get_object(), "card.");
    auto holder = c.String("card_holder_name", 100);
    RETURN_IF_ERROR(holder);
    in.holder = holder.value().value_or("");
    auto brand = c.String("brand", 20);
    RETURN_IF_ERROR(brand);
    if (brand.value()) {
      in.brand_hint = Upper(*brand.value());
      bool known = false;
      for (std::string_view b : {"VISA", "MASTERCARD", "AMEX", "DINERS", "DISCOVER", "JCB"}) {
        known = known || in.brand_hint == b;
      }
      if (!known) return Err(BadField("card.brand", "is not a known brand"));
    }
  }

  const bool has_reference = !in.transaction_reference.empty();
  switch (op) {
    case Operation::kCharge:
    case Operation::kPreauthorization:
      if (!in.amount) return Err(BadField("amount", "is required"));
      if (in.omit_card) return Err(BadField("omit_card", "cannot be true: a sale reads the card"));
      if (!in.card_read) return Err(BadField("card_details", "is required"));
      break;
    case Operation::kCapture:
      if (!has_reference) return Err(BadField("transaction_reference", "is required"));
      break;
    case Operation::kVoid:
      if (!has_reference) return Err(BadField("transaction_reference", "is required"));
      if (in.amount) return Err(BadField("amount", "is not allowed: a void is always total"));
      break;
    case Operation::kReverse:
      if (in.amount) return Err(BadField("amount", "is not allowed: a reversal is always total"));
      break;
    case Operation::kRefund:
      if (!type.value()) return Err(BadField("transaction_type", "is required"));
      if (!EqualsNoCase(*type.value(), "refund")) {
        return Err(BadField("transaction_type", "must be \"refund\""));
      }
      if (!in.given.contains("transaction_mode")) {
        return Err(BadField("transaction_mode", "is required"));
      }
      if (in.omit_card) {
        if (!has_reference) {
          return Err(BadField("transaction_reference", "is required for a cardless refund"));
        }
      } else if (!in.card_read) {
        return Err(BadField("card_details",
                            "is required (or omit_card: true with transaction_reference)"));
      }
      if (!has_reference && !in.amount) {
        return Err(BadField("amount", "is required without transaction_reference"));
      }
      break;
  }
  return in;
}

std::string LimitSettingName(const core::Currency& currency, std::string_view which) {
  return std::string(kSettingUnreferenced) + "." + std::string(currency.code) + "." +
         std::string(which);
}

namespace {
// Defaults, in major units: about 500 USD per refund and 2000 USD per day.
struct DefaultLimit {
  std::string_view currency;
  std::string_view per_refund;
  std::string_view per_day;
};
constexpr DefaultLimit kDefaultLimits[] = {
    {"USD", "500", "2000"},        {"PEN", "2000", "8000"},      {"MXN", "10000", "40000"},
    {"COP", "2000000", "8000000"}, {"CLP", "500000", "2000000"},
};

int64_t LimitFrom(const std::optional<std::string>& setting, std::string_view fallback,
                  const core::Currency& currency) {
  auto parsed = core::ParseMajorUnits(setting ? *setting : std::string(fallback), currency);
  return parsed.ok() ? parsed.value() : 0;
}
}  // namespace

UnreferencedLimits LimitsFrom(const core::Currency& currency,
                              const std::optional<std::string>& enabled,
                              const std::optional<std::string>& per_refund,
                              const std::optional<std::string>& per_day) {
  UnreferencedLimits limits;
  limits.enabled = !enabled || *enabled == "on";
  std::string_view default_refund = "0", default_day = "0";
  for (const DefaultLimit& d : kDefaultLimits) {
    if (d.currency == currency.code) {
      default_refund = d.per_refund;
      default_day = d.per_day;
    }
  }
  limits.per_refund_minor = LimitFrom(per_refund, default_refund, currency);
  limits.per_day_minor = LimitFrom(per_day, default_day, currency);
  return limits;
}

std::optional<KError> CheckUnreferenced(const UnreferencedLimits& limits, int64_t amount_minor) {
  if (!limits.enabled) {
    return Error(KCode::kK020, "refunds without an original transaction are disabled");
  }
  if (amount_minor > limits.per_refund_minor) {
    return Error(KCode::kK020,
                 "the amount is above the limit for a refund without an original transaction");
  }
  return std::nullopt;
}

std::string Franchise(std::string_view brand, kushki::Country country) {
  if (country == kushki::Country::kMexico) return "PROSA";
  return std::string(brand);
}

namespace {
// The outcome fields of an answer: transaction_status, kushki_response and ISO field 39.
struct Outcome {
  std::string_view status, code, message, f39;
};
constexpr Outcome kApproved{"APPROVAL", "000", "Approved or completed Successfully.", "00"};
constexpr Outcome kBrandNotSupported{"DECLINED", "006", "Card brand not supported", "57"};
constexpr Outcome kProcessorDeclined{"DECLINED", "05", "Do not honor", "05"};
constexpr Outcome kInProgress{"INITIALIZED", "09", "Request in progress", "09"};

std::string Response(const Outcome& outcome, std::string_view type,
                     const std::string& ticket_number, const std::string& transaction_reference,
                     const std::string& amount_text, const std::string& franchise,
                     const std::string& approval_code) {
  common::JsonObject additional;
  additional.Str("account_type", "").Int("amount", 0).Str("amount_type", "");
  additional.Str("card_type", "").Str("currency_code", "");
  common::JsonObject kushki_response;
  kushki_response.Str("code", outcome.code);
  kushki_response.Str("message", outcome.message);
  common::JsonObject message_fields;
  message_fields.Str("F38", approval_code).Str("F39", outcome.f39);
  common::JsonObject out;
  out.Object("additional_amounts", additional);
  out.Number("authorized_amount", amount_text);
  out.Str("cvm_type", "");
  out.Str("F11", "");
  out.Str("franchise", franchise);
  out.Object("kushki_response", kushki_response);
  out.Object("message_fields", message_fields);
  out.Str("transaction_reference", transaction_reference);
  out.Str("ticket_number", ticket_number);
  out.Str("transaction_status", outcome.status);
  out.Str("transaction_type", type);
  return out.str();
}
}  // namespace

std::string ResponseJson(const View& v) {
  const Outcome& outcome = v.refund_status == core::RefundStatus::kFailed ||
                                   v.refund_status == core::RefundStatus::kCanceled
                               ? kProcessorDeclined
                           : v.refund_status == core::RefundStatus::kPending ? kInProgress
                                                                              : kApproved;
  return Response(outcome, v.type, v.ticket_number, v.transaction_reference,
                  common::ShortestDecimal(v.amount_minor, v.currency), v.franchise,
                  v.approval_code);
}

std::string DeclinedJson(std::string_view type, const std::string& ticket_number,
                         const std::string& transaction_reference, const std::string& franchise) {
  return Response(kBrandNotSupported, type, ticket_number, transaction_reference, "0", franchise,
                  "");
}

}  // namespace refundd::dialects::kushki_pos
