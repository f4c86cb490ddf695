// Proves the helpers the JSON-only dialects share: exact amounts in and out (no double on the
// way), provider timestamps both ways, the ordered JSON writer, field errors that name the field,
// and UUIDs.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "dialects/common/fields.h"
#include "dialects/common/json_writer.h"
#include "dialects/common/time_text.h"
#include "dialects/common/uuid.h"

namespace refundd::dialects::common {
namespace {

const core::Currency kUsd{"USD", 2}, kJpy{"JPY", 0}, kKwd{"KWD", 3};

TEST(ShortestDecimal, PrintsAmountsTheWayRapydDoes) {
  const struct {
    int64_t minor;
    core::Currency currency;
    std::string text;
  } cases[] = {
      {1050, kUsd, "10.5"}, {1000, kUsd, "10"},
      {5, kUsd, "0.05"},    {0, kUsd, "0"},
      {1000, kJpy, "1000"}, {1250, kKwd, "1.25"},
      {100, kKwd, "0.1"},   {99999999999999, kUsd, "999999999999.99"},
  };
  for (const auto& c : cases) EXPECT_EQ(ShortestDecimal(c.minor, c.currency), c.text) << c.text;
}

TEST(Fields, ReadsDecimalsByTheirTextAndNamesTheFieldInErrors) {
  auto v = boost::json::parse(
      R"({"a":10.5,"b":"100","c":true,"d":7,"e":"x","n":null,"o":{"k":1},"big":18446744073709551615})");
  Fields f(v.get_object(), "body.");
  EXPECT_EQ(*f.Decimal("a").value(), "10.5");
  EXPECT_EQ(*f.Decimal("b").value(), "100");
  EXPECT_EQ(f.Decimal("c").error().field, "body.c");
  EXPECT_EQ(f.Decimal("c").error().kind, FieldError::Kind::kWrongType);
  EXPECT_FALSE(f.Decimal("n").value().has_value());
  EXPECT_FALSE(f.Has("n"));
  EXPECT_EQ(*f.Integer("d").value(), 7);
  EXPECT_FALSE(f.Integer("a").ok());
  EXPECT_FALSE(f.Integer("b").ok());
  EXPECT_EQ(f.Integer("big").error().kind, FieldError::Kind::kInvalid);
  EXPECT_EQ(f.RequiredString("missing").error().kind, FieldError::Kind::kMissing);
  EXPECT_EQ(f.String("e", 0).error().kind, FieldError::Kind::kInvalid);
  EXPECT_TRUE(f.Object("o").value() != nullptr);
  EXPECT_FALSE(f.Array("o").ok());
  EXPECT_FALSE(f.Currency("e").ok());
  EXPECT_EQ(MinorUnits("10.005", kUsd).error(), core::AmountError::kTooManyDecimals);
  EXPECT_EQ(MinorUnits("10.50", kUsd).value(), 1050);
}

TEST(JsonWriter, KeepsOrderEscapesAndPrintsExactNumbers) {
  JsonObject inner;
  inner.Int("n", -3).Bool("b", false).Null("z");
  JsonArray list;
  list.Add(inner).AddRaw("1");
  JsonObject o;
  o.Str("q", "a\"b\n")
      .Number("amount", "100.00")
      .StrOrNull("empty", "")
      .Object("in", inner)
      .Array("list", list)
      .Raw("raw", R"({"k":[]})");
  EXPECT_EQ(o.str(),
            R"({"q":"a\"b\n","amount":100.00,"empty":null,"in":{"n":-3,"b":false,"z":null},)"
            R"("list":[{"n":-3,"b":false,"z":null},1],"raw":{"k":[]}})");
  EXPECT_EQ(JsonObject().str(), "{}");
  EXPECT_EQ(JsonArray().str(), "[]");
}

TEST(TimeText, FormatsAndParsesUtc) {
  const int64_t ms = 1742377614363;  // 2025-03-19T09:46:54.363Z
  EXPECT_EQ(Iso8601Millis(ms), "2025-03-19T09:46:54.363Z");
  EXPECT_EQ(DateTimeSeconds(ms), "2025-03-19 09:46:54");
  EXPECT_EQ(MonthYear(ms), "03/2025");
  EXPECT_EQ(ParseIso8601UtcMs("2025-03-19T09:46:54.363Z"), ms);
  EXPECT_EQ(ParseIso8601UtcMs("2025-03-19T09:46:54Z"), ms - 363);
  EXPECT_EQ(ParseIso8601UtcMs("2025-03-19T09:46:54.3Z"), ms - 63);
  EXPECT_EQ(ParseIso8601UtcMs("2025-03-19T09:46:54.363999999Z"), ms);
  EXPECT_EQ(ParseIso8601UtcMs("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseIso8601UtcMs("2024-02-29T00:00:00Z"), 1709164800000);
  for (std::string_view bad :
       {"", "2025-03-19", "2025-03-19T09:46:54", "2025-03-19T09:46:54+00:00",
        "2025-03-19 09:46:54Z", "2025-02-29T00:00:00Z", "2025-13-01T00:00:00Z",
        "2025-03-19T24:00:00Z", "2025-03-19T09:46:54.Z", "2025-03-19T09:46:54.1234567890Z",
        "x025-03-19T09:46:54Z"}) {
    EXPECT_FALSE(ParseIso8601UtcMs(bad).has_value()) << bad;
  }
}

TEST(Uuid, RandomOnesAreVersion4AndRecognized) {
  std::string a = RandomUuid(), b = RandomUuid();
  EXPECT_NE(a, b);
  EXPECT_TRUE(IsUuid(a));
  EXPECT_EQ(a[14], '4');
  EXPECT_NE(std::string("89ab").find(a[19]), std::string::npos);
  EXPECT_TRUE(IsUuid("123e4567-E89B-12d3-a456-426614174000"));
  for (std::string_view bad :
       {"", "123e4567e89b12d3a456426614174000", "123e4567-e89b-12d3-a456-42661417400g",
        "123e4567-e89b-12d3-a456-4266141740000"}) {
    EXPECT_FALSE(IsUuid(bad)) << bad;
  }
}

}  // namespace
}  // namespace refundd::dialects::common
