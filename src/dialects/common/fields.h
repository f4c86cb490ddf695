#pragma once
// Reading the fields of a decoded JSON body for dialects whose providers take JSON only (D24,
// Rapyd, UTGL). Every problem is a FieldError naming the field; each dialect turns it into its
// provider's error. Amounts are read as decimal text (a JSON number's exact text, or a string
// holding one) and become minor units only once the currency is known (MinorUnits), so nothing
// passes through a double. Pure; a Fields borrows the object it reads.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "core/currency.h"
#include "core/money.h"

namespace refundd::dialects::common {

struct FieldError {
  enum class Kind {
    kMissing,    // a required field is absent (or null)
    kWrongType,  // a string where a number was expected, an object where a string was, ...
    kInvalid,    // the right type, a bad value (too long, not a known currency, ...)
  };
  Kind kind;
  std::string field;    // dotted path: "bank_account.beneficiary", "ewallets[1].amount"
  std::string message;  // human-readable, names the field
};
template <typename T>
using FieldResult = Result<T, FieldError>;

FieldError Missing(std::string_view field);
FieldError WrongType(std::string_view field, std::string_view expected);
FieldError Invalid(std::string_view field, std::string message);

class Fields {
 public:
  // `prefix` is prepended to field names in errors ("bank_account." for a nested object).
  explicit Fields(const boost::json::object& object, std::string prefix = "");

  // Present and not null.
  bool Has(std::string_view name) const;
  // A JSON string of at most max_len bytes; nullopt when absent or null.
  FieldResult<std::optional<std::string>> String(std::string_view name,
                                                 std::size_t max_len = 255) const;
  FieldResult<std::string> RequiredString(std::string_view name, std::size_t max_len = 255) const;
  // A JSON integer (not 1.0, not "1") within int64.
  FieldResult<std::optional<int64_t>> Integer(std::string_view name) const;
  FieldResult<std::optional<bool>> Bool(std::string_view name) const;
  // The decimal text of a JSON number, or a JSON string (left for MinorUnits to judge).
  FieldResult<std::optional<std::string>> Decimal(std::string_view name) const;
  // A known ISO 4217 code (any case).
  FieldResult<std::optional<core::Currency>> Currency(std::string_view name) const;
  // Nested values; nullptr when absent or null.
  FieldResult<const boost::json::object*> Object(std::string_view name) const;
  FieldResult<const boost::json::array*> Array(std::string_view name) const;

  std::string Path(std::string_view name) const { return prefix_ + std::string(name); }

 private:
  const boost::json::value* Get(std::string_view name) const;
  const boost::json::object& object_;
  std::string prefix_;
};

// Decimal text in major units -> minor units of `currency` (exact; "10.005" USD is refused).
Result<int64_t, core::AmountError> MinorUnits(std::string_view decimal,
                                              const core::Currency& currency);

// 1050 USD -> "10.5", 1000 USD -> "10", 5 USD -> "0.05", 1000 JPY -> "1000": the shortest exact
// decimal, as Rapyd prints numbers.
std::string ShortestDecimal(int64_t amount_minor, const core::Currency& currency);

}  // namespace refundd::dialects::common
