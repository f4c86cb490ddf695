#pragma once
// Timestamps as providers write them, from and to Unix epoch milliseconds (UTC). Pure.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace refundd::dialects::common {

// "2025-03-19T09:46:54.363Z"
std::string Iso8601Millis(int64_t unix_ms);
// "2021-02-05 22:10:45" (D24's created_at)
std::string DateTimeSeconds(int64_t unix_ms);
// "03/2028" (month/year, as card expiry dates are shown)
std::string MonthYear(int64_t unix_ms);

// Parses "YYYY-MM-DDTHH:MM:SSZ" or with a fraction of 1 to 9 digits before the Z
// ("2025-07-25T13:13:08.220Z"), UTC only. nullopt for anything else, including impossible dates.
std::optional<int64_t> ParseIso8601UtcMs(std::string_view text);

}  // namespace refundd::dialects::common
