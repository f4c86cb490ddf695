#include "core/currency.h"

#include <array>
#include <cctype>

namespace refundd::core {

namespace {
// Exponents from ISO 4217. Kept to currencies the dialects' providers settle in.
constexpr std::array<Currency, 30> kCurrencies = {{
    {"ARS", 2}, {"AUD", 2}, {"BHD", 3}, {"BOB", 2}, {"BRL", 2}, {"CAD", 2}, {"CHF", 2}, {"CLP", 0},
    {"COP", 2}, {"CRC", 2}, {"DOP", 2}, {"EUR", 2}, {"GBP", 2}, {"GTQ", 2}, {"HKD", 2}, {"IDR", 2},
    {"INR", 2}, {"JOD", 3}, {"JPY", 0}, {"KRW", 0}, {"KWD", 3}, {"MXN", 2}, {"MYR", 2}, {"OMR", 3},
    {"PEN", 2}, {"PHP", 2}, {"PYG", 0}, {"SGD", 2}, {"USD", 2}, {"UYU", 2},
}};
}  // namespace

std::optional<Currency> FindCurrency(std::string_view code) {
  if (code.size() != 3) return std::nullopt;
  char upper[3];
  for (int i = 0; i < 3; ++i) {
    unsigned char c = static_cast<unsigned char>(code[i]);
    if (!std::isalpha(c)) return std::nullopt;
    upper[i] = static_cast<char>(std::toupper(c));
  }
  std::string_view key(upper, 3);
  for (const Currency& c : kCurrencies) {
    if (c.code == key) return c;
  }
  return std::nullopt;
}

}  // namespace refundd::core
