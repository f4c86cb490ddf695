// Proves what the two Kushki dialects share: the amount object in both casings (exact, bucket by
// bucket), body decoding that keeps over-precise coordinates, the time rules on both sides of each
// limit, the one table from core refusals to K-codes, and the attrs round trip.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "dialects/common/json_writer.h"
#include "dialects/kushki_common/amount.h"
#include "dialects/kushki_common/attrs.h"
#include "dialects/kushki_common/body.h"
#include "dialects/kushki_common/errors.h"
#include "dialects/kushki_common/time_rules.h"

namespace refundd::dialects::kushki {
namespace {

namespace json = boost::json;

// Unix ms of a local civil time at a fixed UTC offset (minutes).
int64_t LocalMs(int y, int m, int d, int hh, int mm, int ss, int offset_minutes) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const int64_t days = era * 146097 + doe - 719468;
  return ((days * 24 + hh) * 60 + mm - offset_minutes) * 60'000LL + ss * 1000LL;
}

TEST(KushkiAmount, ParsesBothCasingsIntoTheSameBuckets) {
  const struct {
    const char* json;
    Casing casing;
    int64_t total;
    std::vector<core::PartAmount> non_zero;
  } cases[] = {
      // The online seed's partial-refund example (COP has 2 decimals: 8737 -> 873700).
      {R"({"subtotalIva":8737,"subtotalIva0":9976,"ice":2099,"iva":8967,"currency":"COP"})",
       Casing::kCamel,
       2977900,
       {{"subtotal_iva", 873700}, {"subtotal_iva0", 997600}, {"iva", 896700}, {"ice", 209900}}},
      // The card-present seed: snake_case, tip, extra_taxes with zeros.
      {R"({"currency":"MXN","iva":0,"subtotal_iva":0,"subtotal_iva0":600,"tip":0,
           "extra_taxes":{"airport_tax":0,"iac":0,"ice":0,"travel_agency":0}})",
       Casing::kSnake,
       60000,
       {{"subtotal_iva0", 60000}}},
      // The cardless example writes zeros as 0.0.
      {R"({"currency":"PEN","iva":0.0,"subtotal_iva":0.0,"subtotal_iva0":600})",
       Casing::kSnake,
       60000,
       {{"subtotal_iva0", 60000}}},
      {R"({"subtotalIva":10.5,"subtotalIva0":0,"iva":1.26,"currency":"USD",
           "extraTaxes":{"propina":1,"iac":0.01,"agenciaDeViaje":2,"tasaAeroportuaria":3}})",
       Casing::kCamel,
       1777,
       {{"subtotal_iva", 1050},
        {"iva", 126},
        {"tip", 100},
        {"iac", 1},
        {"airport_tax", 300},
        {"travel_agency", 200}}},
      {R"({"subtotal_iva":1000,"subtotal_iva0":0,"iva":190,"currency":"CLP",
           "extra_taxes":{"ice":5}})",
       Casing::kSnake,
       1195,
       {{"subtotal_iva", 1000}, {"iva", 190}, {"ice", 5}}},
  };
  for (const auto& c : cases) {
    auto amount = ParseAmount(json::parse(c.json), c.casing);
    ASSERT_TRUE(amount.ok()) << c.json << " " << MessageOf(amount.error());
    EXPECT_EQ(amount.value().TotalMinor(), c.total) << c.json;
    EXPECT_EQ(amount.value().NonZero(), c.non_zero) << c.json;
  }
}

TEST(KushkiAmount, RefusesEachBadAmountWithItsCode) {
  const struct {
    const char* json;
    Casing casing;
    KCode code;
    const char* reason_has;
  } cases[] = {
      {R"({"subtotalIva":1,"subtotalIva0":0,"iva":0})", Casing::kCamel, KCode::kK001, "currency"},
      {R"({"subtotalIva":1,"subtotalIva0":0,"iva":0,"currency":"EUR"})", Casing::kCamel,
       KCode::kK055, "EUR"},
      {R"({"subtotalIva":1,"subtotalIva0":0,"iva":0,"currency":"UF"})", Casing::kCamel,
       KCode::kK055, "UF"},
      {R"({"subtotalIva":1,"iva":0,"currency":"COP"})", Casing::kCamel, KCode::kK001,
       "amount.subtotalIva0 is required"},
      {R"({"subtotal_iva":1,"subtotal_iva0":0,"iva":0,"currency":"COP"})", Casing::kCamel,
       KCode::kK001, "amount.subtotal_iva is not a field"},
      {R"({"subtotalIva":1,"subtotalIva0":0,"iva":0,"currency":"COP"})", Casing::kSnake,
       KCode::kK001, "amount.subtotalIva is not a field"},
      {R"({"subtotal_iva":1,"subtotal_iva0":0,"iva":0,"currency":"MXN","extra_taxes":{"tip":1}})",
       Casing::kSnake, KCode::kK001, "amount.extra_taxes.tip is not a field"},
      {R"({"subtotalIva":"10","subtotalIva0":0,"iva":0,"currency":"COP"})", Casing::kCamel,
       KCode::kK001, "amount.subtotalIva must be a JSON number"},
      {R"({"subtotalIva":-1,"subtotalIva0":0,"iva":0,"currency":"COP"})", Casing::kCamel,
       KCode::kK001, "must not be negative"},
      {R"({"subtotalIva":10.005,"subtotalIva0":0,"iva":0,"currency":"COP"})", Casing::kCamel,
       KCode::kK001, "more decimals than COP"},
      {R"({"subtotal_iva":1.5,"subtotal_iva0":0,"iva":0,"currency":"CLP"})", Casing::kSnake,
       KCode::kK001, "more decimals than CLP"},
      {R"({"subtotalIva":true,"subtotalIva0":0,"iva":0,"currency":"COP"})", Casing::kCamel,
       KCode::kK001, "must be a JSON number"},
      {R"({"subtotalIva":1,"subtotalIva0":0,"iva":0,"currency":"COP","extraTaxes":[]})",
       Casing::kCamel, KCode::kK001, "amount.extraTaxes must be an object"},
      {R"({"subtotalIva":999999999999,"subtotalIva0":999999999999,"iva":0,"currency":"COP"})",
       Casing::kCamel, KCode::kK001, "too large"},
  };
  for (const auto& c : cases) {
    auto amount = ParseAmount(json::parse(c.json), c.casing);
    ASSERT_FALSE(amount.ok()) << c.json;
    EXPECT_EQ(amount.error().code, c.code) << c.json << " " << MessageOf(amount.error());
    EXPECT_NE(amount.error().reason.find(c.reason_has), std::string::npos)
        << c.json << " -> " << amount.error().reason;
  }
  EXPECT_FALSE(ParseAmount(json::value(5), Casing::kCamel).ok());
}

TEST(KushkiAmount, WritesBucketsBackInEachCasing) {
  const core::Currency cop{"COP", 2};
  const std::vector<core::PartAmount> buckets = {
      {"subtotal_iva", 873700}, {"iva", 896750}, {"ice", 209900}, {"tip", 100}};
  common::JsonObject camel, snake;
  AddAmountFields(camel, buckets, cop, Casing::kCamel);
  AddAmountFields(snake, buckets, cop, Casing::kSnake);
  EXPECT_EQ(camel.str(), R"({"subtotalIva":8737,"subtotalIva0":0,"iva":8967.5,"ice":2099,)"
                         R"("extraTaxes":{"propina":1},"currency":"COP"})");
  EXPECT_EQ(snake.str(), R"({"subtotal_iva":8737,"subtotal_iva0":0,"iva":8967.5,"tip":1,)"
                         R"("extra_taxes":{"ice":2099},"currency":"COP"})");
}

TEST(KushkiBody, QuotesOnlyNumbersTooPreciseForADouble) {
  const struct {
    const char* in;
    const char* out;
  } cases[] = {
      {R"({"latitude":-0.22480833333333333})", R"({"latitude":"-0.22480833333333333"})"},
      {R"({"a":-78.487955,"b":600,"c":0.0})", R"({"a":-78.487955,"b":600,"c":0.0})"},
      {R"({"a":"0.22480833333333333"})", R"({"a":"0.22480833333333333"})"},  // already text
      {R"({"a":"x\"0.22480833333333333"})", R"({"a":"x\"0.22480833333333333"})"},
      {R"({"a":[1.1000000000000000000,2]})", R"({"a":[1.1000000000000000000,2]})"},  // zeros
      {R"({"a":12345678901234567})", R"({"a":12345678901234567})"},        // integers: DecodeJson's
      {R"({"a":1.2345678901234567e3})", R"({"a":1.2345678901234567e3})"},  // exponent: refused
      {R"({"a":1.23456789012345678.5})", R"({"a":1.23456789012345678.5})"},  // not a number
  };
  for (const auto& c : cases) EXPECT_EQ(QuoteLongNumbers(c.in), c.out) << c.in;
}

TEST(KushkiBody, DecodesJsonWhateverTheContentTypeAndRefusesTheRest) {
  http::Request r;
  r.body = "  ";
  EXPECT_TRUE(DecodeBody(r).value().get_object().empty());
  r.body = R"({"pos_details":{"location":{"latitude":-0.22480833333333333}},"n":1})";
  r.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
  auto v = DecodeBody(r);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v.value().at("pos_details").at("location").at("latitude").as_string(),
            "-0.22480833333333333");
  for (const char* bad : {"a=1", "[1]", R"({"a":1e3})", R"({"a":)"}) {
    r.body = bad;
    auto decoded = DecodeBody(r);
    ASSERT_FALSE(decoded.ok()) << bad;
    EXPECT_EQ(decoded.error().code, KCode::kK001) << bad;
  }
}

TEST(KushkiTime, VoidBeforeTheCountryCutOffOnTheSaleDayElseRefund) {
  using C = Country;
  const struct {
    C country;
    int sale_hh, sale_mm;
    int day_offset, now_hh, now_mm, now_ss;
    Cancellation expected;
  } cases[] = {
      {C::kColombia, 10, 0, 0, 10, 5, 0, Cancellation::kVoid},
      {C::kColombia, 10, 0, 0, 20, 58, 59, Cancellation::kVoid},
      {C::kColombia, 10, 0, 0, 20, 59, 0, Cancellation::kRefund},
      {C::kColombia, 21, 30, 0, 21, 31, 0, Cancellation::kRefund},  // sold after the cut-off
      {C::kColombia, 10, 0, 1, 9, 0, 0, Cancellation::kRefund},     // the next day
      {C::kColombia, 23, 50, 1, 0, 10, 0, Cancellation::kRefund},   // past local midnight
      {C::kPeru, 8, 0, 0, 20, 58, 0, Cancellation::kVoid},
      {C::kPeru, 8, 0, 0, 20, 59, 0, Cancellation::kRefund},
      {C::kEcuador, 8, 0, 0, 20, 59, 59, Cancellation::kVoid},
      {C::kEcuador, 8, 0, 0, 21, 0, 0, Cancellation::kRefund},
      {C::kMexico, 8, 0, 0, 22, 59, 59, Cancellation::kVoid},
      {C::kMexico, 8, 0, 0, 23, 0, 0, Cancellation::kRefund},
      {C::kChile, 8, 0, 0, 10, 59, 59, Cancellation::kVoid},  // within 3 hours
      {C::kChile, 8, 0, 0, 11, 0, 0, Cancellation::kRefund},
      {C::kChile, 23, 0, 1, 1, 30, 0, Cancellation::kVoid},  // Chile's window spans midnight
  };
  for (const auto& c : cases) {
    const int offset = static_cast<int>(UtcOffsetMinutes(c.country));
    const int64_t sale = LocalMs(2026, 4, 16, c.sale_hh, c.sale_mm, 0, offset);
    const int64_t now = LocalMs(2026, 4, 16 + c.day_offset, c.now_hh, c.now_mm, c.now_ss, offset);
    EXPECT_EQ(DecideVoidOrRefund(sale, now, c.country), c.expected)
        << CountryCode(c.country) << " sale " << c.sale_hh << ":" << c.sale_mm << " now +"
        << c.day_offset << "d " << c.now_hh << ":" << c.now_mm << ":" << c.now_ss;
  }
  // A cancellation stamped before its sale counts as at the sale.
  const int64_t sale = LocalMs(2026, 4, 16, 10, 0, 0, -300);
  EXPECT_EQ(DecideVoidOrRefund(sale, sale - 60'000, Country::kColombia), Cancellation::kVoid);
}

TEST(KushkiTime, CardPresentWindows) {
  const int64_t t = LocalMs(2026, 4, 16, 12, 0, 0, -360);
  const struct {
    const char* name;
    bool got;
    bool expected;
  } cases[] = {
      {"reverse at once", ReversalAllowed(t, t), true},
      {"reverse at 29.000 s", ReversalAllowed(t, t + 29'000), true},
      {"reverse at 29.001 s", ReversalAllowed(t, t + 29'001), false},
      {"reverse at 30 s", ReversalAllowed(t, t + 30'000), false},
      {"void at 23:58 MX",
       PosVoidAllowed(t, LocalMs(2026, 4, 16, 23, 58, 59, -360), Country::kMexico), true},
      {"void at 23:59 MX",
       PosVoidAllowed(t, LocalMs(2026, 4, 16, 23, 59, 0, -360), Country::kMexico), false},
      {"void the next day",
       PosVoidAllowed(t, LocalMs(2026, 4, 17, 0, 1, 0, -360), Country::kMexico), false},
      {"refund at 120 days", PosRefundAllowed(t, t + kPosRefundWindowMs), true},
      {"refund at 120 days + 1 ms", PosRefundAllowed(t, t + kPosRefundWindowMs + 1), false},
  };
  for (const auto& c : cases) EXPECT_EQ(c.got, c.expected) << c.name;
}

TEST(KushkiTime, CountriesComeFromTheCurrencyWithFixedOffsets) {
  const struct {
    const char* currency;
    std::optional<Country> country;
  } cases[] = {{"COP", Country::kColombia}, {"PEN", Country::kPeru},  {"USD", Country::kEcuador},
               {"MXN", Country::kMexico},   {"CLP", Country::kChile}, {"EUR", std::nullopt},
               {"BRL", std::nullopt}};
  for (const auto& c : cases) {
    EXPECT_EQ(CountryForCurrency(*core::FindCurrency(c.currency)), c.country) << c.currency;
  }
  // 2026-04-17 03:30 UTC is still the 16th in Bogota and Mexico City.
  const int64_t t = LocalMs(2026, 4, 17, 3, 30, 0, 0);
  EXPECT_EQ(LocalDate(t, Country::kColombia), "2026-04-16");
  EXPECT_EQ(LocalDate(t, Country::kMexico), "2026-04-16");
  EXPECT_EQ(LocalDate(LocalMs(2024, 2, 29, 23, 0, 0, -300), Country::kPeru), "2024-02-29");
}

TEST(KushkiCodes, EveryRefusalHasItsKCode) {
  using R = core::Refusal;
  const struct {
    R refusal;
    KCode code;
  } cases[] = {
      {R::kAmountNotPositive, KCode::kK001},
      {R::kAmountTooLarge, KCode::kK023},
      {R::kCurrencyMismatch, KCode::kK042},
      {R::kPaymentNotCaptured, KCode::kK020},
      {R::kPaymentVoided, KCode::kK020},
      {R::kAmountExceedsRefundable, KCode::kK023},
      {R::kFullyRefunded, KCode::kK023},
      {R::kPaymentNotCapturable, KCode::kK020},
      {R::kCaptureExceedsAuthorized, KCode::kK006},
      {R::kPaymentNotVoidable, KCode::kK020},
      {R::kPaymentNotConfirmable, KCode::kK014},
      {R::kRefundNotCancelable, KCode::kK020},
      {R::kRefundTransitionInvalid, KCode::kK020},
      {R::kUnknownPart, KCode::kK023},
      {R::kPartExceedsRefundable, KCode::kK023},
      {R::kPartsDoNotAddUp, KCode::kK001},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ErrorFor(c.refusal).code, c.code) << core::RefusalName(c.refusal);
  }
  EXPECT_EQ(CodeText(KCode::kK023), "K023");
  EXPECT_EQ(ErrorJson(Error(KCode::kK004)),
            R"({"code":"K004","message":"ID DE COMERCIO O CREDENCIAL NO VÁLIDO"})");
  EXPECT_EQ(ErrorJson(Error(KCode::kK023, "x")),
            R"({"code":"K023","message":"MONTO DEL VOID SUPERIOR AL DEL SALE: x"})");
  EXPECT_EQ(Error(KCode::kK004).kind, KKind::kCredentials);
  EXPECT_EQ(Error(KCode::kK023).kind, KKind::kPrecondition);
  EXPECT_EQ(Error(KCode::kK002).kind, KKind::kUnexpected);
}

TEST(KushkiAttrs, RoundTripAndForeignTextDecodesToDefaults) {
  PaymentAttrs p;
  p.kind = "sale";
  p.ticket_number = "123456789012345678";
  p.transaction_reference = "f2f29080-0214-42c0-95a5-77ecf3434cd7";
  p.approved_ms = 1776350000000;
  p.brand = "VISA";
  p.given["card_details"] = json::object{{"enc_tlv", "CE44"}};
  PaymentAttrs back = DecodePaymentAttrs(EncodePaymentAttrs(p));
  EXPECT_EQ(back.kind, p.kind);
  EXPECT_EQ(back.ticket_number, p.ticket_number);
  EXPECT_EQ(back.transaction_reference, p.transaction_reference);
  EXPECT_EQ(back.approved_ms, p.approved_ms);
  EXPECT_EQ(back.brand, p.brand);
  EXPECT_EQ(back.given, p.given);

  RefundAttrs r;
  r.kind = "VOID";
  r.unreferenced = true;
  r.buckets = {{"subtotal_iva0", 60000}, {"iva", 0}};
  r.given["webhooks"] = json::array{json::object{{"urls", json::array{"https://x"}}}};
  RefundAttrs rb = DecodeRefundAttrs(EncodeRefundAttrs(r));
  EXPECT_EQ(rb.kind, "VOID");
  EXPECT_TRUE(rb.unreferenced);
  EXPECT_EQ(rb.buckets, r.buckets);
  EXPECT_EQ(rb.given, r.given);

  for (const char* foreign : {"", "charged", "[1]", "{\"kind\":5}"}) {
    EXPECT_EQ(DecodePaymentAttrs(foreign).kind, "") << foreign;
    EXPECT_FALSE(DecodeRefundAttrs(foreign).unreferenced) << foreign;
  }
}

}  // namespace
}  // namespace refundd::dialects::kushki
