#pragma once
// Money is an int64 count of a currency's minor unit. Never a double, not even in passing:
// decimal text is parsed digit by digit with the currency's exponent, and text that would need
// rounding ("10.005" USD) is refused. Pure and thread-safe.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "core/currency.h"

namespace refundd::core {

// Far above any real payment (a billion dollars less a cent, in cents), far below int64's limit, so
// sums of many amounts cannot overflow, and exact in a JSON double (< 2^53).
inline constexpr int64_t kMaxAmountMinor = 99'999'999'999;

enum class AmountError {
  kEmpty,            // ""
  kMalformed,        // not a plain decimal: letters, "1.", ".5", "+1", "1,5", spaces, NaN, Infinity
  kExponent,         // "1e3", "2E-2"
  kNegative,         // "-1"
  kTooManyDecimals,  // more fractional digits than the currency has: "10.005" USD, "1.5" JPY
  kTooLarge,         // above kMaxAmountMinor
};
std::string_view AmountErrorMessage(AmountError error);

// "10.50" USD -> 1050; "1000" JPY -> 1000; "0.125" KWD -> 125. Trailing zeros beyond the currency's
// digits are accepted when they are zeros ("10.500" USD -> 1050), since they change nothing.
// Zero is parsed (callers that need a positive amount refuse it with their own reason).
Result<int64_t, AmountError> ParseMajorUnits(std::string_view text, const Currency& currency);
// An integer count of minor units: "1050" -> 1050. Leading zeros are accepted ("007").
Result<int64_t, AmountError> ParseMinorUnits(std::string_view text);

// 1050 USD -> "10.50"; 1000 JPY -> "1000"; 125 KWD -> "0.125"; -5 USD -> "-0.05".
std::string FormatMajorUnits(int64_t amount_minor, const Currency& currency);

// Splits `total_minor` into parts proportional to `weights` (all >= 0, sum > 0). Each part is
// floor(total * w / sum); the remainder left by flooring goes one unit at a time to the parts with
// the largest fractional remainders, ties to the earlier part. The parts always add up to the total.
std::vector<int64_t> SplitProportionally(int64_t total_minor, const std::vector<int64_t>& weights);

}  // namespace refundd::core
