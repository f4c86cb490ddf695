#include "dialects/common/fields.h"

#include "http/body.h"

namespace refundd::dialects::common {

FieldError Missing(std::string_view field) {
  return FieldError{FieldError::Kind::kMissing, std::string(field),
                    std::string(field) + " is required"};
}

FieldError WrongType(std::string_view field, std::string_view expected) {
  return FieldError{FieldError::Kind::kWrongType, std::string(field),
                    std::string(field) + " must be " + std::string(expected)};
}

FieldError Invalid(std::string_view field, std::string message) {
  return FieldError{FieldError::Kind::kInvalid, std::string(field), std::move(message)};
}

Fields::Fields(const boost::json::object& object, std::string prefix)
    : object_(object), prefix_(std::move(prefix)) {}

const boost::json::value* Fields::Get(std::string_view name) const {
  const boost::json::value* v = object_.if_contains(name);
  return v && !v->is_null() ? v : nullptr;
}

bool Fields::Has(std::string_view name) const { return Get(name) != nullptr; }

FieldResult<std::optional<std::string>> Fields::String(std::string_view name,
                                                       std::size_t max_len) const {
  const boost::json::value* v = Get(name);
  if (!v) return std::optional<std::string>();
  if (!v->is_string()) return Err(WrongType(Path(name), "a string"));
  if (v->get_string().size() > max_len) {
    return Err(Invalid(Path(name),
                       Path(name) + " must be at most " + std::to_string(max_len) + " characters"));
  }
  return std::optional<std::string>(std::string(v->get_string()));
}

FieldResult<std::string> Fields::RequiredString(std::string_view name, std::size_t max_len) const {
  auto s = String(name, max_len);
  if (!s.ok()) return Err(s.error());
  if (!s.value() || s.value()->empty()) return Err(Missing(Path(name)));
  return std::move(*s.value());
}

FieldResult<std::optional<int64_t>> Fields::Integer(std::string_view name) const {
  const boost::json::value* v = Get(name);
  if (!v) return std::optional<int64_t>();
  if (v->is_int64()) return std::optional<int64_t>(v->get_int64());
  if (v->is_uint64()) return Err(Invalid(Path(name), Path(name) + " is too large"));
  return Err(WrongType(Path(name), "an integer"));
}

FieldResult<std::optional<bool>> Fields::Bool(std::string_view name) const {
  const boost::json::value* v = Get(name);
  if (!v) return std::optional<bool>();
  if (!v->is_bool()) return Err(WrongType(Path(name), "true or false"));
  return std::optional<bool>(v->get_bool());
}

FieldResult<std::optional<std::string>> Fields::Decimal(std::string_view name) const {
  const boost::json::value* v = Get(name);
  if (!v) return std::optional<std::string>();
  if (v->is_string()) {
    if (v->get_string().size() > 40) return Err(Invalid(Path(name), Path(name) + " is too long"));
    return std::optional<std::string>(std::string(v->get_string()));
  }
  std::string text = http::DecimalText(*v);
  if (text.empty()) return Err(WrongType(Path(name), "a number"));
  return std::optional<std::string>(std::move(text));
}

FieldResult<std::optional<core::Currency>> Fields::Currency(std::string_view name) const {
  auto text = String(name, 16);
  if (!text.ok()) return Err(text.error());
  if (!text.value()) return std::optional<core::Currency>();
  auto currency = core::FindCurrency(*text.value());
  if (!currency) {
    return Err(Invalid(Path(name), Path(name) + " '" + *text.value() +
                                       "' is not a supported ISO 4217 currency code"));
  }
  return std::optional<core::Currency>(*currency);
}

FieldResult<const boost::json::object*> Fields::Object(std::string_view name) const {
  const boost::json::value* v = Get(name);
  if (!v) return static_cast<const boost::json::object*>(nullptr);
  if (!v->is_object()) return Err(WrongType(Path(name), "an object"));
  return &v->get_object();
}

FieldResult<const boost::json::array*> Fields::Array(std::string_view name) const {
  const boost::json::value* v = Get(name);
  if (!v) return static_cast<const boost::json::array*>(nullptr);
  if (!v->is_array()) return Err(WrongType(Path(name), "an array"));
  return &v->get_array();
}

Result<int64_t, core::AmountError> MinorUnits(std::string_view decimal,
                                              const core::Currency& currency) {
  return core::ParseMajorUnits(decimal, currency);
}

std::string ShortestDecimal(int64_t amount_minor, const core::Currency& currency) {
  std::string text = core::FormatMajorUnits(amount_minor, currency);
  if (text.find('.') == std::string::npos) return text;
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text;
}

}  // namespace refundd::dialects::common
