#include "core/money.h"

#include <algorithm>
#include <numeric>

namespace refundd::core {

std::string_view AmountErrorMessage(AmountError error) {
  switch (error) {
    case AmountError::kEmpty:
      return "amount is empty";
    case AmountError::kMalformed:
      return "amount is not a plain decimal number";
    case AmountError::kExponent:
      return "amount must not use exponent notation";
    case AmountError::kNegative:
      return "amount must not be negative";
    case AmountError::kTooManyDecimals:
      return "amount has more decimal places than the currency allows";
    case AmountError::kTooLarge:
      return "amount is too large";
  }
  return "amount is invalid";
}

namespace {
// Products of an amount and a weight can pass int64; GCC's 128-bit integer holds them exactly.
__extension__ typedef __int128 Int128;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Accumulates digits into `value` (minor units) refusing anything above kMaxAmountMinor.
bool Accumulate(int64_t& value, char digit) {
  if (value > (kMaxAmountMinor - (digit - '0')) / 10) return false;
  value = value * 10 + (digit - '0');
  return true;
}

Result<int64_t, AmountError> Classify(std::string_view text) {
  for (char c : text) {
    if (c == 'e' || c == 'E') return Err(AmountError::kExponent);
  }
  return Err(AmountError::kMalformed);
}
}  // namespace

Result<int64_t, AmountError> ParseMajorUnits(std::string_view text, const Currency& currency) {
  if (text.empty()) return Err(AmountError::kEmpty);
  if (text.front() == '-') {
    std::string_view rest = text.substr(1);
    if (!rest.empty() && IsDigit(rest.front())) return Err(AmountError::kNegative);
    return Err(AmountError::kMalformed);
  }
  std::size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (whole.empty() || (dot != std::string_view::npos && frac.empty())) return Classify(text);
  for (char c : whole) {
    if (!IsDigit(c)) return Classify(text);
  }
  for (char c : frac) {
    if (!IsDigit(c)) return Classify(text);
  }
  int64_t value = 0;
  for (char c : whole) {
    if (!Accumulate(value, c)) return Err(AmountError::kTooLarge);
  }
  for (int i = 0; i < currency.exponent; ++i) {
    char c = i < static_cast<int>(frac.size()) ? frac[static_cast<std::size_t>(i)] : '0';
    if (!Accumulate(value, c)) return Err(AmountError::kTooLarge);
  }
  for (std::size_t i = static_cast<std::size_t>(currency.exponent); i < frac.size(); ++i) {
    if (frac[i] != '0') return Err(AmountError::kTooManyDecimals);
  }
  return value;
}

Result<int64_t, AmountError> ParseMinorUnits(std::string_view text) {
  if (text.empty()) return Err(AmountError::kEmpty);
  if (text.front() == '-') {
    if (text.size() > 1 && IsDigit(text[1])) return Err(AmountError::kNegative);
    return Err(AmountError::kMalformed);
  }
  int64_t value = 0;
  for (char c : text) {
    if (!IsDigit(c)) {
      if (c == '.') return Err(AmountError::kTooManyDecimals);
      return Classify(text);
    }
    if (!Accumulate(value, c)) return Err(AmountError::kTooLarge);
  }
  return value;
}

std::string FormatMajorUnits(int64_t amount_minor, const Currency& currency) {
  bool negative = amount_minor < 0;
  // kMaxAmountMinor bounds every stored amount, so negation cannot overflow here.
  CHECK(amount_minor > INT64_MIN);
  uint64_t magnitude = static_cast<uint64_t>(negative ? -amount_minor : amount_minor);
  std::string digits = std::to_string(magnitude);
  std::size_t exp = static_cast<std::size_t>(currency.exponent);
  if (exp > 0) {
    if (digits.size() <= exp) digits.insert(0, exp - digits.size() + 1, '0');
    digits.insert(digits.size() - exp, 1, '.');
  }
  if (negative) digits.insert(0, 1, '-');
  return digits;
}

std::vector<int64_t> SplitProportionally(int64_t total_minor, const std::vector<int64_t>& weights) {
  CHECK(!weights.empty());
  CHECK(total_minor >= 0 && total_minor <= kMaxAmountMinor);
  Int128 sum = 0;
  for (int64_t w : weights) {
    CHECK(w >= 0);
    sum += w;
  }
  CHECK(sum > 0);
  std::vector<int64_t> parts(weights.size());
  std::vector<Int128> remainders(weights.size());
  int64_t assigned = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    Int128 scaled = static_cast<Int128>(total_minor) * weights[i];
    parts[i] = static_cast<int64_t>(scaled / sum);
    remainders[i] = scaled % sum;
    assigned += parts[i];
  }
  std::vector<std::size_t> order(weights.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return remainders[a] > remainders[b]; });
  for (std::size_t k = 0; assigned < total_minor; ++k) {
    ++parts[order[k % order.size()]];
    ++assigned;
  }
  CHECK(assigned == total_minor);
  return parts;
}

}  // namespace refundd::core
