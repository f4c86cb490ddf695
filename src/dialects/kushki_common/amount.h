#pragma once
// Kushki's amount object, in both casings, as named buckets in the currency's minor unit.
//   online (camelCase):  {subtotalIva, subtotalIva0, iva, ice?, extraTaxes?{propina, iac,
//                         agenciaDeViaje, tasaAeroportuaria}, currency}
//   card-present (snake): {subtotal_iva, subtotal_iva0, iva, tip?, extra_taxes?{airport_tax, iac,
//                         ice, travel_agency}, currency}
// Both map onto the same bucket names, which are the parts of a Kushki payment in the core
// (core::Part), so a refund's bucket can never exceed what the sale still has in it.
// The total is the sum of every bucket (as Kushki's SDKs compute it). Pure and thread-safe.

#include <boost/json/value.hpp>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/currency.h"
#include "core/payment.h"
#include "dialects/common/json_writer.h"
#include "dialects/kushki_common/errors.h"

namespace refundd::dialects::kushki {

enum class Casing { kCamel, kSnake };

// The part names, in the order they are written back.
inline constexpr std::string_view kBucketSubtotalIva = "subtotal_iva";
inline constexpr std::string_view kBucketSubtotalIva0 = "subtotal_iva0";
inline constexpr std::string_view kBucketIva = "iva";
inline constexpr std::string_view kBucketIce = "ice";
inline constexpr std::string_view kBucketTip = "tip";
inline constexpr std::string_view kBucketIac = "iac";
inline constexpr std::string_view kBucketAirportTax = "airport_tax";
inline constexpr std::string_view kBucketTravelAgency = "travel_agency";

struct Amount {
  core::Currency currency{"USD", 2};
  std::vector<core::PartAmount> buckets;  // every bucket sent (zeros included), table order

  int64_t TotalMinor() const;
  int64_t Of(std::string_view bucket) const;  // 0 when not sent
  // The buckets above zero: what a payment's parts or a refund request carry.
  std::vector<core::PartAmount> NonZero() const;
};

// Parses the amount object at `path` (for errors). Every value must be a JSON number >= 0 with
// no more decimals than the currency has; unknown keys are refused (a misspelt bucket must not
// silently count as zero); the currency must be one Kushki settles in (else K055). Errors are
// K001 unless said otherwise.
Parsed<Amount> ParseAmount(const boost::json::value& value, Casing casing,
                           std::string_view path = "amount");

// Adds the bucket fields of `buckets` to `out` in the dialect's casing: the required ones always
// (0 when absent), the others only when above zero, then the currency. Kushki's amount object.
void AddAmountFields(common::JsonObject& out, const std::vector<core::PartAmount>& buckets,
                     const core::Currency& currency, Casing casing);

}  // namespace refundd::dialects::kushki
