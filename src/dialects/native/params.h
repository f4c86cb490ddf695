#pragma once
// Reading Stripe-style parameters from a decoded body: every value may arrive as a JSON scalar or
// as form text, and each bad value becomes the ApiError Stripe would send. Pure.

#include <boost/json/value.hpp>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "core/money.h"
#include "dialects/native/translate.h"

namespace refundd::dialects::native {

class Params {
 public:
  explicit Params(const boost::json::value& v);

  // The first parameter not in `known` (plus "expand", always allowed), as an error.
  std::optional<ApiError> Unknown(std::initializer_list<std::string_view> known) const;

  bool Has(std::string_view name) const;
  Parsed<std::optional<std::string>> String(std::string_view name, std::size_t max_len = 5000) const;
  Parsed<std::optional<int64_t>> Integer(std::string_view name) const;
  // A positive amount in minor units, bounded by kMaxAmountMinor.
  Parsed<std::optional<int64_t>> Amount(std::string_view name) const;
  Parsed<std::optional<bool>> Bool(std::string_view name) const;
  Parsed<std::optional<core::Currency>> Currency(std::string_view name) const;
  Parsed<core::Metadata> Metadata(std::string_view name) const;
  // One of `allowed`, or nullopt when absent.
  Parsed<std::optional<std::string>> Enum(std::string_view name,
                                          std::initializer_list<std::string_view> allowed) const;

 private:
  const boost::json::object* object_;  // null when the body was not an object
};

ApiError Invalid(std::string_view param, std::string message,
                 std::string code = "parameter_invalid");
ApiError Missing(std::string_view param);

}  // namespace refundd::dialects::native
