// Proves that request bodies and query strings decode into the one JSON shape dialects read, and
// that every input the contract in body.h refuses is refused with a message, never a crash.

#include "http/body.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>

namespace refundd::http {
namespace {

namespace json = boost::json;

struct JsonCase {
  std::string body;
  bool accepted;
  std::string error_contains;  // when refused
};

TEST(DecodeJson, AcceptsObjectsAndRefusesWhatCouldLoseMoney) {
  std::string deep_ok = std::string(31, '[') + std::string(31, ']');
  std::string too_deep = std::string(32, '[') + std::string(32, ']');
  const JsonCase cases[] = {
      {R"({"amount":1000,"currency":"usd"})", true, ""},
      {R"({"amount":10.005})", true, ""},
      {R"({"amount":-0.5,"n":-12})", true, ""},
      {R"({"x":123456789012345.6})", false, "15 significant digits"},
      {R"({"x":12345678901234.5})", true, ""},
      {R"({"x":0.000000000000000000001})", true, ""},
      {R"({"x":1.10000000000000000000})", true, ""},  // trailing zeros are not significant
      {R"({"amount":1e3})", false, "exponent"},
      {R"({"amount":2E-2})", false, "exponent"},
      {R"({"amount":1.5e+2})", false, "exponent"},
      {R"({"note":"1e3 in a string is text"})", true, ""},
      {R"({"note":"quote \" then 1e3"})", true, ""},
      {R"({"n":9223372036854775807})", true, ""},
      {R"({"n":18446744073709551615})", true, ""},
      {R"({"n":18446744073709551616})", false, "out of range"},
      {R"({"n":-9223372036854775809})", false, "out of range"},
      {R"([1,2])", false, "must be an object"},
      {R"("text")", false, "must be an object"},
      {R"(42)", false, "must be an object"},
      {R"({"a":1,})", false, "malformed JSON"},
      {R"({"a":1} trailing)", false, "malformed JSON"},
      {"", false, "malformed JSON"},
      {"{\"a\":\"\xff\"}", false, "malformed JSON"},
      {R"({"a":)" + deep_ok + "}", true, ""},  // 32 levels including the outer object
      {R"({"a":)" + too_deep + "}", false, "deeper than 32"},
  };
  for (const JsonCase& c : cases) {
    auto result = DecodeJson(c.body);
    EXPECT_EQ(result.ok(), c.accepted) << c.body;
    if (!result.ok() && !c.accepted) {
      EXPECT_NE(result.error().find(c.error_contains), std::string::npos)
          << c.body << " -> " << result.error();
    }
  }
}

TEST(DecodeJson, MalformedJsonSaysWhere) {
  auto result = DecodeJson(R"({"a":1,"b":})");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().find("at byte 11"), std::string::npos) << result.error();
}

TEST(DecimalText, PrintsNumbersAsTheClientWroteThem) {
  const std::pair<std::string, std::string> cases[] = {
      {"10.005", "10.005"},
      {"0.1", "0.1"},
      {"100.5", "100.5"},
      {"1000", "1000"},
      {"99999999999.99", "99999999999.99"},
      {"-7", "-7"},
      {"18446744073709551615", "18446744073709551615"},
      {"0.000001", "0.000001"},
      {"123456789012345", "123456789012345"},
      {"12345678901234.5", "12345678901234.5"},
  };
  for (const auto& [text, expected] : cases) {
    auto result = DecodeJson(R"({"v":)" + text + "}");
    ASSERT_TRUE(result.ok()) << text;
    EXPECT_EQ(DecimalText(result.value().at("v")), expected) << text;
  }
  EXPECT_EQ(DecimalText(json::value("10")), "");
  EXPECT_EQ(DecimalText(json::value(nullptr)), "");
}

struct FormCase {
  std::string body;
  std::string expected_json;  // "" when refused
  std::string error_contains;
};

TEST(DecodeForm, BuildsStripeShapedObjects) {
  const FormCase cases[] = {
      {"a=1&metadata[order]=42&expand[]=x&expand[]=y&items[0][price]=5",
       R"({"a":"1","metadata":{"order":"42"},"expand":["x","y"],"items":[{"price":"5"}]})", ""},
      {"metadata[order]=42", R"({"metadata":{"order":"42"}})", ""},
      {"items[0][price]=5&items[0][qty]=2&items[1][price]=7",
       R"({"items":[{"price":"5","qty":"2"},{"price":"7"}]})", ""},
      {"a[b][c]=deep", R"({"a":{"b":{"c":"deep"}}})", ""},
      {"list[0]=x&list[1]=y", R"({"list":["x","y"]})", ""},
      {"q=hello+world&r=%41%62%2b%26%3D", R"({"q":"hello world","r":"Ab+&="})", ""},
      {"metadata%5Border%5D=42", R"({"metadata":{"order":"42"}})", ""},
      {"metadata[k]=", R"({"metadata":{"k":""}})", ""},
      {"flag", R"({"flag":""})", ""},
      {"a=1&&b=2&", R"({"a":"1","b":"2"})", ""},
      {"", "{}", ""},
      {"name=%C3%A9t%C3%A9", R"({"name":"été"})", ""},
      {"a=%", "", "bad percent-escape"},
      {"a=%4", "", "bad percent-escape"},
      {"a=%zz", "", "bad percent-escape"},
      {"a%g0=1", "", "bad percent-escape"},
      {"a=%ff", "", "invalid UTF-8"},
      {"a=1&a[b]=2", "", "conflicts"},
      {"a[b]=2&a=1", "", "conflicts"},
      {"a[]=1&a[b]=2", "", "conflicts"},
      {"a[b]=1&a[]=2", "", "conflicts"},
      {"a=1&a=2", "", "given twice"},
      {"items[1][price]=5", "", "skips list positions"},
      {"a[b=1", "", "missing ']'"},
      {"a[b]c=1", "", "unexpected text"},
      {"[b]=1", "", "empty parameter name"},
      {"=1", "", "empty parameter name"},
      {"a[][b]=1", "", "must come last"},
      {"a]=1", "", "unbalanced"},
  };
  for (const FormCase& c : cases) {
    auto result = DecodeForm(c.body);
    if (c.expected_json.empty()) {
      ASSERT_FALSE(result.ok()) << c.body << " -> " << json::serialize(result.value());
      EXPECT_NE(result.error().find(c.error_contains), std::string::npos)
          << c.body << " -> " << result.error();
    } else {
      ASSERT_TRUE(result.ok()) << c.body << " -> " << result.error();
      EXPECT_EQ(result.value(), json::parse(c.expected_json)) << c.body;
    }
  }
}

TEST(DecodeForm, ErrorMessagesQuoteNamesAsShortPrintableText) {
  auto result = DecodeForm("\xff[=1");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().find("'?['"), std::string::npos) << result.error();
  result = DecodeForm(std::string(5000, 'n') + "]=1");
  ASSERT_FALSE(result.ok());
  EXPECT_LT(result.error().size(), 200u) << result.error();
}

TEST(DecodeForm, RefusesNamesNestedDeeperThan32) {
  std::string name = "a";
  for (int i = 0; i < 32; ++i) name += "[k]";
  auto result = DecodeForm(name + "=1");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().find("deeper than 32"), std::string::npos) << result.error();
}

TEST(DecodeQuery, UsesTheFormDecoding) {
  auto result = DecodeQuery("limit=3&starting_after=re_1&expand[]=data.charge");
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result.value(),
            json::parse(R"({"limit":"3","starting_after":"re_1","expand":["data.charge"]})"));
  EXPECT_EQ(DecodeQuery("").value(), json::parse("{}"));
}

Request WithBody(std::string content_type, std::string body) {
  Request request;
  request.method = "POST";
  request.path = "/v1/refunds";
  if (!content_type.empty()) request.headers.emplace_back("content-type", content_type);
  request.body = std::move(body);
  return request;
}

TEST(DecodeBody, PicksTheDecoderFromTheContentType) {
  struct Case {
    std::string content_type;
    std::string body;
    std::string expected_json;  // "" when refused
  };
  const Case cases[] = {
      {"application/json", R"({"amount":5})", R"({"amount":5})"},
      {"application/json; charset=utf-8", R"({"amount":5})", R"({"amount":5})"},
      {"Application/JSON", R"({"amount":5})", R"({"amount":5})"},
      {"application/x-www-form-urlencoded", "amount=5", R"({"amount":"5"})"},
      {"application/x-www-form-urlencoded; charset=UTF-8", "amount=5", R"({"amount":"5"})"},
      {"", "  \n{\"amount\":5}", R"({"amount":5})"},
      {"", "amount=5", R"({"amount":"5"})"},
      {"application/json", "", "{}"},
      {"text/plain", "", "{}"},
      {"application/json", "amount=5", ""},
      {"text/plain", "amount=5", ""},
  };
  for (const Case& c : cases) {
    auto result = DecodeBody(WithBody(c.content_type, c.body));
    if (c.expected_json.empty()) {
      EXPECT_FALSE(result.ok()) << c.content_type << " " << c.body;
    } else {
      ASSERT_TRUE(result.ok()) << c.content_type << " " << c.body << " -> " << result.error();
      EXPECT_EQ(result.value(), json::parse(c.expected_json)) << c.content_type << " " << c.body;
    }
  }
}

TEST(DecodeBody, UnsupportedContentTypeNamesIt) {
  auto result = DecodeBody(WithBody("text/xml", "<a/>"));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().find("text/xml"), std::string::npos) << result.error();
}

}  // namespace
}  // namespace refundd::http
