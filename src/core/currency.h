#pragma once
// ISO 4217 currencies refundd knows, with the number of digits of their minor unit.
// Pure; the table is constant and thread-safe.

#include <optional>
#include <string_view>

namespace refundd::core {

struct Currency {
  std::string_view code;  // upper case, three letters, points into a static table
  int exponent;           // digits after the decimal point: 2 for USD, 0 for JPY/CLP, 3 for KWD

  friend bool operator==(const Currency& a, const Currency& b) { return a.code == b.code; }
};

// Looks a code up case-insensitively ("usd", "USD"). nullopt for codes refundd does not support.
std::optional<Currency> FindCurrency(std::string_view code);

}  // namespace refundd::core
