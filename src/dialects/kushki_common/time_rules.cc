#include "dialects/kushki_common/time_rules.h"

#include <cstdio>

namespace refundd::dialects::kushki {

namespace {
constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kDayMs = 24 * 60 * kMinuteMs;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

int64_t LocalMs(int64_t unix_ms, Country country) {
  return unix_ms + UtcOffsetMinutes(country) * kMinuteMs;
}

// Minutes since local midnight at which voids stop (online sales).
int64_t OnlineCutOffMinute(Country country) {
  switch (country) {
    case Country::kColombia:
    case Country::kPeru:
      return 20 * 60 + 59;
    case Country::kEcuador:
      return 21 * 60;
    case Country::kMexico:
      return 23 * 60;
    case Country::kChile:
      return 24 * 60;  // unused: Chile has a window instead
  }
  return 0;
}

bool SameDayBefore(int64_t original_ms, int64_t now_ms, Country country, int64_t cut_off_minute) {
  if (now_ms < original_ms) now_ms = original_ms;
  if (LocalDay(original_ms, country) != LocalDay(now_ms, country)) return false;
  int64_t minute =
      FloorDiv(LocalMs(now_ms, country) - LocalDay(now_ms, country) * kDayMs, kMinuteMs);
  return minute < cut_off_minute;
}
}  // namespace

std::optional<Country> CountryForCurrency(const core::Currency& currency) {
  if (currency.code == "COP") return Country::kColombia;
  if (currency.code == "PEN") return Country::kPeru;
  if (currency.code == "USD") return Country::kEcuador;
  if (currency.code == "MXN") return Country::kMexico;
  if (currency.code == "CLP") return Country::kChile;
  return std::nullopt;
}

std::string_view CountryCode(Country country) {
  switch (country) {
    case Country::kColombia:
      return "CO";
    case Country::kPeru:
      return "PE";
    case Country::kEcuador:
      return "EC";
    case Country::kMexico:
      return "MX";
    case Country::kChile:
      return "CL";
  }
  return "";
}

int64_t UtcOffsetMinutes(Country country) {
  switch (country) {
    case Country::kColombia:
    case Country::kPeru:
    case Country::kEcuador:
      return -5 * 60;
    case Country::kMexico:
      return -6 * 60;  // Mexico City; no daylight saving time since 2022
    case Country::kChile:
      return -4 * 60;  // continental standard time; only LocalDate uses it for Chile
  }
  return 0;
}

int64_t LocalDay(int64_t unix_ms, Country country) {
  return FloorDiv(LocalMs(unix_ms, country), kDayMs);
}

std::string LocalDate(int64_t unix_ms, Country country) {
  // Civil date from a day count (Howard Hinnant's days_from_civil, inverted).
  int64_t z = LocalDay(unix_ms, country) + 719468;
  int64_t era = FloorDiv(z, 146097);
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t day = doy - (153 * mp + 2) / 5 + 1;
  int64_t month = mp < 10 ? mp + 3 : mp - 9;
  int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(year),
                static_cast<long long>(month), static_cast<long long>(day));
  return buf;
}

Cancellation DecideVoidOrRefund(int64_t sale_ms, int64_t now_ms, Country country) {
  if (country == Country::kChile) {
    int64_t elapsed = now_ms < sale_ms ? 0 : now_ms - sale_ms;
    return elapsed < 3 * 60 * kMinuteMs ? Cancellation::kVoid : Cancellation::kRefund;
  }
  return SameDayBefore(sale_ms, now_ms, country, OnlineCutOffMinute(country))
             ? Cancellation::kVoid
             : Cancellation::kRefund;
}

bool PosVoidAllowed(int64_t original_ms, int64_t now_ms, Country country) {
  return SameDayBefore(original_ms, now_ms, country, 23 * 60 + 59);
}

bool ReversalAllowed(int64_t original_ms, int64_t now_ms) {
  return now_ms - original_ms <= kReversalWindowMs;
}

bool PosRefundAllowed(int64_t original_ms, int64_t now_ms) {
  return now_ms - original_ms <= kPosRefundWindowMs;
}

}  // namespace refundd::dialects::kushki
