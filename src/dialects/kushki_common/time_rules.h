#pragma once
// Kushki's time rules, as pure functions of two instants (unix ms) and the country, so tests can
// put a charge and its cancellation on either side of every limit. The routes pass the Engine's
// clock (or the sandbox's, see kit.h).
//
// The country comes from the currency (COP Colombia, PEN Peru, USD Ecuador, MXN Mexico, CLP
// Chile) and each country's clock is a fixed UTC offset: none of them observes daylight saving
// time except Chile, whose rule is a 3-hour window where the offset does not matter.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/currency.h"

namespace refundd::dialects::kushki {

enum class Country { kColombia, kPeru, kEcuador, kMexico, kChile };

// nullopt for a currency Kushki does not settle in (the K055 case).
std::optional<Country> CountryForCurrency(const core::Currency& currency);
std::string_view CountryCode(Country country);  // "CO", "PE", "EC", "MX", "CL"
int64_t UtcOffsetMinutes(Country country);      // -300 for Colombia, ...

// Days since 1970-01-01 on the country's local calendar.
int64_t LocalDay(int64_t unix_ms, Country country);
// "2026-04-16" on the country's local calendar.
std::string LocalDate(int64_t unix_ms, Country country);

// What cancelling an approved online sale becomes (docs.kushki.com, "manage voids and refunds"):
// a void when asked on the sale's local day before the country's cut-off (Colombia and Peru
// 20:59, Ecuador 21:00, Mexico 23:00), or in Chile within 3 hours of the sale; otherwise a refund.
// A cancellation stamped before the sale (a clock that moved back) counts as at the sale.
enum class Cancellation { kVoid, kRefund };
Cancellation DecideVoidOrRefund(int64_t sale_ms, int64_t now_ms, Country country);

// Card-present: a void is allowed on the original's local day before the processor's cut-off,
// 23:59 local time.
bool PosVoidAllowed(int64_t original_ms, int64_t now_ms, Country country);

// Card-present: a reversal is allowed until 29 s after the original (29 000 ms inclusive).
inline constexpr int64_t kReversalWindowMs = 29'000;
bool ReversalAllowed(int64_t original_ms, int64_t now_ms);

// Card-present: a referenced refund is allowed until 120 days after the original.
inline constexpr int64_t kPosRefundWindowMs = 120LL * 24 * 3600 * 1000;
bool PosRefundAllowed(int64_t original_ms, int64_t now_ms);

}  // namespace refundd::dialects::kushki
