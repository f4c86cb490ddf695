#include "dialects/native/params.h"

#include <boost/json.hpp>

#include "http/body.h"

namespace refundd::dialects::native {

ApiError Invalid(std::string_view param, std::string message, std::string code) {
  return ApiError{400, "invalid_request_error", std::move(code), std::move(message),
                  std::string(param)};
}

ApiError Missing(std::string_view param) {
  return ApiError{400, "invalid_request_error", "parameter_missing",
                  "Missing required param: " + std::string(param) + ".", std::string(param)};
}

Params::Params(const boost::json::value& v) : object_(v.if_object()) {}

std::optional<ApiError> Params::Unknown(std::initializer_list<std::string_view> known) const {
  if (!object_) return std::nullopt;
  for (const auto& kv : *object_) {
    std::string_view key = kv.key();
    bool ok = key == "expand";
    for (std::string_view k : known) ok = ok || key == k;
    if (!ok) {
      return ApiError{400, "invalid_request_error", "parameter_unknown",
                      "Received unknown parameter: " + std::string(key), std::string(key)};
    }
  }
  return std::nullopt;
}

bool Params::Has(std::string_view name) const { return object_ && object_->contains(name); }

namespace {
// The scalar text of a value: strings as they are, numbers as their decimal text, booleans.
std::optional<std::string> ScalarText(const boost::json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_int64() || v.is_uint64() || v.is_double()) return http::DecimalText(v);
  if (v.is_bool()) return std::string(v.get_bool() ? "true" : "false");
  return std::nullopt;
}
}  // namespace

Parsed<std::optional<std::string>> Params::String(std::string_view name,
                                                  std::size_t max_len) const {
  if (!Has(name)) return std::optional<std::string>();
  const auto& v = object_->at(name);
  if (v.is_null()) return std::optional<std::string>();
  auto text = ScalarText(v);
  if (!text) return Err(Invalid(name, "Invalid string: " + std::string(name) + " must be a string."));
  if (text->size() > max_len) {
    return Err(Invalid(name, std::string(name) + " must be at most " + std::to_string(max_len) +
                                 " characters."));
  }
  return std::optional<std::string>(std::move(*text));
}

Parsed<std::optional<int64_t>> Params::Integer(std::string_view name) const {
  if (!Has(name)) return std::optional<int64_t>();
  const auto& v = object_->at(name);
  auto text = ScalarText(v);
  // A JSON number with a fraction or exponent ("1000.0") is not an integer, whatever its value.
  if (!text || v.is_bool() || v.is_double()) {
    return Err(Invalid(name, "Invalid integer: " + std::string(name) + " must be an integer.",
                       "parameter_invalid_integer"));
  }
  if (!text->empty() && text->front() == '-') {
    auto magnitude = core::ParseMinorUnits(std::string_view(*text).substr(1));
    if (magnitude.ok()) return std::optional<int64_t>(-magnitude.value());
  }
  auto parsed = core::ParseMinorUnits(*text);
  if (!parsed.ok()) {
    if (parsed.error() == core::AmountError::kTooLarge) {
      return Err(Invalid(name, "Invalid integer: " + *text + " is too large.",
                         "parameter_invalid_integer"));
    }
    return Err(Invalid(name, "Invalid integer: " + *text, "parameter_invalid_integer"));
  }
  return std::optional<int64_t>(parsed.value());
}

Parsed<std::optional<int64_t>> Params::Amount(std::string_view name) const {
  auto too_large = [&] {
    return Err(Invalid(name, "Amount must be no more than " +
                                 std::to_string(core::kMaxAmountMinor) + ".",
                       "amount_too_large"));
  };
  if (Has(name)) {
    // A whole number of digits above the bound is an amount too large, not a malformed integer.
    auto text = ScalarText(object_->at(name));
    if (text && !object_->at(name).is_double() && !text->empty() &&
        text->find_first_not_of("0123456789") == std::string::npos &&
        core::ParseMinorUnits(*text).ok() == false) {
      return too_large();
    }
  }
  auto value = Integer(name);
  if (!value.ok() || !value.value()) return value;
  int64_t amount = *value.value();
  if (amount <= 0) {
    return Err(Invalid(name, "Amount must be a positive integer in the currency's minor unit.",
                       "amount_too_small"));
  }
  if (amount > core::kMaxAmountMinor) return too_large();
  return value;
}

Parsed<std::optional<bool>> Params::Bool(std::string_view name) const {
  if (!Has(name)) return std::optional<bool>();
  const auto& v = object_->at(name);
  if (v.is_bool()) return std::optional<bool>(v.get_bool());
  if (v.is_string() && (v.get_string() == "true" || v.get_string() == "false")) {
    return std::optional<bool>(v.get_string() == "true");
  }
  return Err(Invalid(name, "Invalid boolean: " + std::string(name) + " must be true or false."));
}

Parsed<std::optional<core::Currency>> Params::Currency(std::string_view name) const {
  auto text = String(name, 3);
  if (!text.ok()) return Err(Invalid(name, "Invalid currency: must be a three-letter ISO code."));
  if (!text.value()) return std::optional<core::Currency>();
  auto c = core::FindCurrency(*text.value());
  if (!c) return Err(Invalid(name, "Invalid currency: " + *text.value() + "."));
  return std::optional<core::Currency>(*c);
}

Parsed<core::Metadata> Params::Metadata(std::string_view name) const {
  core::Metadata out;
  if (!Has(name)) return out;
  const auto& v = object_->at(name);
  if (v.is_string() && v.get_string().empty()) return out;  // "metadata=" clears, as in Stripe
  if (!v.is_object()) return Err(Invalid(name, "Invalid metadata: must be an object."));
  const auto& o = v.get_object();
  if (o.size() > 50) return Err(Invalid(name, "Metadata can have at most 50 keys."));
  for (const auto& kv : o) {
    std::string key(kv.key());
    if (key.empty() || key.size() > 40 || key.find_first_of("[]") != std::string::npos) {
      return Err(Invalid(name, "Metadata keys must be 1 to 40 characters without brackets."));
    }
    std::optional<std::string> text =
        kv.value().is_null() ? std::optional<std::string>("") : ScalarText(kv.value());
    if (!text) return Err(Invalid(name, "Metadata values must be strings."));
    if (text->size() > 500) return Err(Invalid(name, "Metadata values can be at most 500 characters."));
    out[key] = std::move(*text);
  }
  return out;
}

Parsed<std::optional<std::string>> Params::Enum(
    std::string_view name, std::initializer_list<std::string_view> allowed) const {
  auto text = String(name, 100);
  if (!text.ok() || !text.value()) return text;
  for (std::string_view a : allowed) {
    if (*text.value() == a) return text;
  }
  std::string list;
  for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  return Err(Invalid(name, "Invalid " + std::string(name) + ": must be one of " + list + "."));
}

}  // namespace refundd::dialects::native
