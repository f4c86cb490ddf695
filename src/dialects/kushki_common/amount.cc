#include "dialects/kushki_common/amount.h"

#include <boost/json.hpp>

#include "core/money.h"
#include "dialects/common/fields.h"
#include "dialects/kushki_common/body.h"
#include "dialects/kushki_common/time_rules.h"
#include "http/body.h"

namespace refundd::dialects::kushki {

namespace json = boost::json;

namespace {

// Where each bucket lives in each casing: a key at the top of the amount object, or inside its
// extra-taxes object.
struct Place {
  bool nested;  // inside extraTaxes / extra_taxes
  std::string_view key;
};
struct BucketRow {
  std::string_view bucket;
  Place camel;
  Place snake;
  bool required;
};
constexpr BucketRow kBuckets[] = {
    {kBucketSubtotalIva, {false, "subtotalIva"}, {false, "subtotal_iva"}, true},
    {kBucketSubtotalIva0, {false, "subtotalIva0"}, {false, "subtotal_iva0"}, true},
    {kBucketIva, {false, "iva"}, {false, "iva"}, true},
    {kBucketIce, {false, "ice"}, {true, "ice"}, false},
    {kBucketTip, {true, "propina"}, {false, "tip"}, false},
    {kBucketIac, {true, "iac"}, {true, "iac"}, false},
    {kBucketAirportTax, {true, "tasaAeroportuaria"}, {true, "airport_tax"}, false},
    {kBucketTravelAgency, {true, "agenciaDeViaje"}, {true, "travel_agency"}, false},
};

std::string_view ExtraTaxesKey(Casing casing) {
  return casing == Casing::kCamel ? "extraTaxes" : "extra_taxes";
}

const Place& PlaceOf(const BucketRow& row, Casing casing) {
  return casing == Casing::kCamel ? row.camel : row.snake;
}

// A bucket must be a JSON number: a string (even one QuoteLongNumbers made) is refused.
Parsed<int64_t> ParseBucket(const json::value& v, const core::Currency& currency,
                            const std::string& path) {
  std::string text = v.is_string() ? std::string() : http::DecimalText(v);
  if (text.empty()) return Err(BadField(path, "must be a JSON number of at most 15 digits"));
  auto minor = core::ParseMajorUnits(text, currency);
  if (minor.ok()) return minor.value();
  switch (minor.error()) {
    case core::AmountError::kNegative:
      return Err(BadField(path, "must not be negative"));
    case core::AmountError::kTooManyDecimals:
      return Err(BadField(path, "has more decimals than " + std::string(currency.code) + " has"));
    case core::AmountError::kTooLarge:
      return Err(BadField(path, "is too large"));
    case core::AmountError::kEmpty:
    case core::AmountError::kMalformed:
    case core::AmountError::kExponent:
      break;
  }
  return Err(BadField(path, "is not a plain decimal number"));
}

// Refuses keys of `object` that no bucket of `casing` places there (`nested`: extra taxes).
Parsed<bool> RefuseUnknownKeys(const json::object& object, Casing casing, bool nested,
                               std::string_view path) {
  for (const auto& kv : object) {
    std::string_view key = kv.key();
    bool known = !nested && (key == "currency" || key == ExtraTaxesKey(casing));
    for (const BucketRow& row : kBuckets) {
      const Place& place = PlaceOf(row, casing);
      known = known || (place.nested == nested && place.key == key);
    }
    if (!known) {
      return Err(BadField(std::string(path) + "." + std::string(key.substr(0, 64)),
                          "is not a field of the amount"));
    }
  }
  return true;
}

}  // namespace

int64_t Amount::TotalMinor() const {
  int64_t total = 0;
  for (const auto& b : buckets) total += b.amount_minor;
  return total;
}

int64_t Amount::Of(std::string_view bucket) const {
  for (const auto& b : buckets) {
    if (b.name == bucket) return b.amount_minor;
  }
  return 0;
}

std::vector<core::PartAmount> Amount::NonZero() const {
  std::vector<core::PartAmount> out;
  for (const auto& b : buckets) {
    if (b.amount_minor > 0) out.push_back(b);
  }
  return out;
}

Parsed<Amount> ParseAmount(const json::value& value, Casing casing, std::string_view path) {
  if (!value.is_object()) return Err(BadField(path, "must be an object"));
  const json::object& top = value.get_object();
  auto unknown = RefuseUnknownKeys(top, casing, false, path);
  if (!unknown.ok()) return Err(unknown.error());
  const std::string prefix = std::string(path) + ".";
  common::Fields fields(top, prefix);

  auto code = fields.RequiredString("currency", 16);
  if (!code.ok()) return Err(BadField(code.error()));
  auto currency = core::FindCurrency(code.value());
  if (!currency || !CountryForCurrency(*currency)) {
    return Err(Error(KCode::kK055, code.value().substr(0, 16)));
  }

  auto extra = fields.Object(ExtraTaxesKey(casing));
  if (!extra.ok()) return Err(BadField(extra.error()));
  const std::string nested_prefix = prefix + std::string(ExtraTaxesKey(casing)) + ".";
  if (extra.value()) {
    auto unknown_nested =
        RefuseUnknownKeys(*extra.value(), casing, true, fields.Path(ExtraTaxesKey(casing)));
    if (!unknown_nested.ok()) return Err(unknown_nested.error());
  }

  Amount amount;
  amount.currency = *currency;
  for (const BucketRow& row : kBuckets) {
    const Place& place = PlaceOf(row, casing);
    const json::object* where = place.nested ? extra.value() : &top;
    const std::string field = (place.nested ? nested_prefix : prefix) + std::string(place.key);
    const json::value* v = where ? where->if_contains(place.key) : nullptr;
    if (!v || v->is_null()) {
      if (row.required) return Err(BadField(field, "is required"));
      continue;
    }
    auto minor = ParseBucket(*v, amount.currency, field);
    if (!minor.ok()) return Err(minor.error());
    amount.buckets.push_back({std::string(row.bucket), minor.value()});
  }
  if (amount.TotalMinor() > core::kMaxAmountMinor) {
    return Err(BadField(path, "adds up to too large a total"));
  }
  return amount;
}

void AddAmountFields(common::JsonObject& out, const std::vector<core::PartAmount>& buckets,
                     const core::Currency& currency, Casing casing) {
  auto of = [&](std::string_view name) {
    for (const auto& b : buckets) {
      if (b.name == name) return b.amount_minor;
    }
    return int64_t{0};
  };
  common::JsonObject extra;
  bool any_extra = false;
  for (const BucketRow& row : kBuckets) {
    const Place& place = PlaceOf(row, casing);
    const int64_t minor = of(row.bucket);
    if (!row.required && minor == 0) continue;
    common::JsonObject& target = place.nested ? extra : out;
    target.Number(place.key, common::ShortestDecimal(minor, currency));
    any_extra = any_extra || place.nested;
  }
  if (any_extra) out.Object(ExtraTaxesKey(casing), extra);
  out.Str("currency", currency.code);
}

}  // namespace refundd::dialects::kushki
