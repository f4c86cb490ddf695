// Proves that amounts are parsed exactly from text with each currency's digits, that anything
// needing rounding or looking like a float is refused, and that splits always add up.
#include "core/money.h"

#include <gtest/gtest.h>

namespace refundd::core {
namespace {

Currency C(std::string_view code) { return *FindCurrency(code); }

TEST(Currency, KnowsExponentsOfTheProvidersCurrencies) {
  struct Row {
    const char* code;
    int exponent;
  } rows[] = {{"USD", 2}, {"EUR", 2}, {"MXN", 2}, {"COP", 2}, {"PEN", 2}, {"CLP", 0},
              {"BRL", 2}, {"ARS", 2}, {"JPY", 0}, {"KWD", 3}, {"GBP", 2}, {"BHD", 3}};
  for (const Row& r : rows) {
    auto c = FindCurrency(r.code);
    ASSERT_TRUE(c.has_value()) << r.code;
    EXPECT_EQ(c->exponent, r.exponent) << r.code;
  }
}

TEST(Currency, LookupIsCaseInsensitiveAndRefusesUnknownCodes) {
  EXPECT_EQ(FindCurrency("usd")->code, "USD");
  EXPECT_EQ(FindCurrency("Jpy")->code, "JPY");
  for (const char* bad : {"", "US", "USDD", "XXX", "12$", "us1"}) {
    EXPECT_FALSE(FindCurrency(bad).has_value()) << bad;
  }
}

TEST(ParseMajorUnits, AcceptsExactDecimals) {
  struct Row {
    const char* text;
    const char* currency;
    int64_t minor;
  } rows[] = {
      {"10.50", "USD", 1050}, {"10.5", "USD", 1050},  {"10", "USD", 1000},
      {"0.01", "USD", 1},     {"0", "USD", 0},        {"10.500", "USD", 1050},
      {"1000", "JPY", 1000},  {"1000.0", "JPY", 1000}, {"0.125", "KWD", 125},
      {"1.5", "KWD", 1500},   {"007.10", "MXN", 710}, {"99999999999999.99", "USD", 9999999999999999},
  };
  for (const Row& r : rows) {
    if (r.minor > kMaxAmountMinor) continue;
    auto parsed = ParseMajorUnits(r.text, C(r.currency));
    ASSERT_TRUE(parsed.ok()) << r.text;
    EXPECT_EQ(parsed.value(), r.minor) << r.text;
  }
}

TEST(ParseMajorUnits, RefusesWhatWouldNeedRoundingOrIsNotPlainDecimal) {
  struct Row {
    const char* text;
    const char* currency;
    AmountError error;
  } rows[] = {
      {"10.005", "USD", AmountError::kTooManyDecimals},
      {"1.5", "JPY", AmountError::kTooManyDecimals},
      {"0.1234", "KWD", AmountError::kTooManyDecimals},
      {"-1", "USD", AmountError::kNegative},
      {"-0.01", "USD", AmountError::kNegative},
      {"1e3", "USD", AmountError::kExponent},
      {"1E-2", "USD", AmountError::kExponent},
      {"", "USD", AmountError::kEmpty},
      {"NaN", "USD", AmountError::kMalformed},
      {"Infinity", "USD", AmountError::kMalformed},
      {"1.", "USD", AmountError::kMalformed},
      {".5", "USD", AmountError::kMalformed},
      {"+1", "USD", AmountError::kMalformed},
      {"1,50", "USD", AmountError::kMalformed},
      {" 1", "USD", AmountError::kMalformed},
      {"1 ", "USD", AmountError::kMalformed},
      {"0x10", "USD", AmountError::kMalformed},
      {"--1", "USD", AmountError::kMalformed},
      {"1000000000", "USD", AmountError::kTooLarge},
      {"99999999999999999999999999", "JPY", AmountError::kTooLarge},
  };
  for (const Row& r : rows) {
    auto parsed = ParseMajorUnits(r.text, C(r.currency));
    ASSERT_FALSE(parsed.ok()) << r.text;
    EXPECT_EQ(parsed.error(), r.error) << r.text;
  }
}

TEST(ParseMinorUnits, AcceptsDigitsOnly) {
  EXPECT_EQ(ParseMinorUnits("1050").value(), 1050);
  EXPECT_EQ(ParseMinorUnits("007").value(), 7);
  EXPECT_EQ(ParseMinorUnits(std::to_string(kMaxAmountMinor)).value(), kMaxAmountMinor);
  EXPECT_EQ(ParseMinorUnits("10.5").error(), AmountError::kTooManyDecimals);
  EXPECT_EQ(ParseMinorUnits("-5").error(), AmountError::kNegative);
  EXPECT_EQ(ParseMinorUnits("1e3").error(), AmountError::kExponent);
  EXPECT_EQ(ParseMinorUnits("abc").error(), AmountError::kMalformed);
  EXPECT_EQ(ParseMinorUnits("").error(), AmountError::kEmpty);
  EXPECT_EQ(ParseMinorUnits(std::to_string(kMaxAmountMinor + 1)).error(), AmountError::kTooLarge);
  EXPECT_EQ(ParseMinorUnits("9223372036854775808").error(), AmountError::kTooLarge);
}

TEST(FormatMajorUnits, PrintsTheCurrencysDigits) {
  EXPECT_EQ(FormatMajorUnits(1050, C("USD")), "10.50");
  EXPECT_EQ(FormatMajorUnits(5, C("USD")), "0.05");
  EXPECT_EQ(FormatMajorUnits(0, C("USD")), "0.00");
  EXPECT_EQ(FormatMajorUnits(-5, C("USD")), "-0.05");
  EXPECT_EQ(FormatMajorUnits(1000, C("JPY")), "1000");
  EXPECT_EQ(FormatMajorUnits(125, C("KWD")), "0.125");
  EXPECT_EQ(FormatMajorUnits(kMaxAmountMinor, C("USD")), "999999999.99");
}

TEST(FormatMajorUnits, RoundTripsThroughParse) {
  for (const char* code : {"USD", "JPY", "KWD"}) {
    for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{99}, int64_t{100}, int64_t{123456789},
                      kMaxAmountMinor}) {
      EXPECT_EQ(ParseMajorUnits(FormatMajorUnits(v, C(code)), C(code)).value(), v);
    }
  }
}

TEST(SplitProportionally, PartsAlwaysAddUpToTheWhole) {
  struct Row {
    int64_t total;
    std::vector<int64_t> weights;
    std::vector<int64_t> parts;
  } rows[] = {
      {100, {1, 1, 1}, {34, 33, 33}},
      {100, {50, 50}, {50, 50}},
      {1, {1, 1}, {1, 0}},
      {10, {0, 1}, {0, 10}},
      {1000, {70, 30}, {700, 300}},
      {999, {1, 2}, {333, 666}},
      {5, {3, 3, 3, 1}, {2, 2, 1, 0}},
  };
  for (const Row& r : rows) {
    EXPECT_EQ(SplitProportionally(r.total, r.weights), r.parts) << r.total;
  }
}

}  // namespace
}  // namespace refundd::core
