// Proves that with every dialect's routes registered, a wrong method or an unknown path is
// answered in the error shape of the dialect that owns the path (by prefix, and by auth header
// where dialects share /v1), as a 404, or a 405 whose Allow lists that dialect's methods.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "dialects/registry.h"
#include "error_shapes.h"
#include "http/router.h"
#include "service/engine.h"
#include "store/sqlite/sqlite_store.h"

namespace refundd::dialects {
namespace {

using testing_shapes::CodeIn;
using testing_shapes::Shape;

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Row {
  const char* method;
  const char* path;
  Headers headers;
  int status;
  Shape shape;
  const char* code;   // the shape's code field, as text ("208" for D24's integer)
  const char* allow;  // "" for a 404
};

const Headers kBearer = {{"authorization", "Bearer sk_test_x"}};
const Headers kRapyd = {{"access_key", "rak_x"}, {"salt", "s"}, {"timestamp", "1"},
                        {"signature", "x"}};
const Headers kKushkiOnline = {{"private-merchant-id", "0123"}};

const std::vector<Row>& Rows() {
  static const std::vector<Row> rows = {
      // Kushki card-present: /pos is its own.
      {"GET", "/pos/v1/refund", {}, 405, Shape::kKushki, "K405", "POST"},
      {"POST", "/pos/v1/nope", {{"private-credential-id", "x"}}, 404, Shape::kKushki, "K404", ""},
      {"POST", "/pos", {}, 404, Shape::kKushki, "K404", ""},
      // Kushki online: /card and /v1/refund are its own; elsewhere in /v1 by its header.
      {"GET", "/card/v1/charges", {}, 405, Shape::kKushki, "K405", "POST"},
      {"POST", "/card/v2/charges", {}, 404, Shape::kKushki, "K404", ""},
      {"GET", "/v1/refund/123456", {}, 405, Shape::kKushki, "K405", "DELETE"},
      {"DELETE", "/v1/refund", {}, 404, Shape::kKushki, "K404", ""},
      {"POST", "/v1/charges/123456", kKushkiOnline, 405, Shape::kKushki, "K405", "DELETE"},
      {"POST", "/v1/tokens", kKushkiOnline, 404, Shape::kKushki, "K404", ""},
      // UTGL: /partner-connect.
      {"POST", "/partner-connect/transactions/nope", {}, 404, Shape::kUtgl, "NOT_FOUND", ""},
      {"GET", "/partner-connect/transactions/refund", {}, 405, Shape::kUtgl, "METHOD_NOT_ALLOWED",
       "POST"},
      {"PUT", "/partner-connect", {}, 404, Shape::kUtgl, "NOT_FOUND", ""},
      // D24: /v3.
      {"GET", "/v3/refunds", {}, 405, Shape::kD24, "200", "POST"},
      {"DELETE", "/v3/deposits/123", {}, 405, Shape::kD24, "200", "GET"},
      {"POST", "/v3/withdrawals", {}, 404, Shape::kD24, "208", ""},
      // Rapyd: /v1/payments is its own; elsewhere in /v1 by its access_key header.
      {"GET", "/v1/payments", {}, 405, Shape::kRapyd, "UNAUTHORIZED_API_CALL", "POST"},
      {"PUT", "/v1/payments/payment_1", kBearer, 405, Shape::kRapyd, "UNAUTHORIZED_API_CALL",
       "GET, DELETE"},
      {"POST", "/v1/payments/payment_1/nope", kRapyd, 404, Shape::kRapyd, "UNAUTHORIZED_API_CALL",
       ""},
      {"DELETE", "/v1/refunds", kRapyd, 405, Shape::kRapyd, "UNAUTHORIZED_API_CALL", "POST, GET"},
      {"GET", "/v1/customers", kRapyd, 404, Shape::kRapyd, "UNAUTHORIZED_API_CALL", ""},
      // Native's routes only: a Rapyd request there finds nothing of Rapyd's.
      {"GET", "/v1/refunds/re_1/cancel", kRapyd, 404, Shape::kRapyd, "UNAUTHORIZED_API_CALL", ""},
      // Native (Stripe shape): the rest of /v1, and paths no dialect owns.
      {"DELETE", "/v1/refunds", kBearer, 405, Shape::kStripe, "method_not_allowed", "POST, GET"},
      {"DELETE", "/v1/refunds", {}, 405, Shape::kStripe, "method_not_allowed", "POST, GET"},
      {"GET", "/v1/refunds/re_1/cancel", kBearer, 405, Shape::kStripe, "method_not_allowed",
       "POST"},
      {"POST", "/v1/charges/ch_1", kBearer, 405, Shape::kStripe, "method_not_allowed", "GET"},
      {"GET", "/v1/customers", kBearer, 404, Shape::kStripe, "resource_missing", ""},
      {"GET", "/v1/refundx/1", {}, 404, Shape::kStripe, "resource_missing", ""},
      {"GET", "/posx/v1/refund", {}, 404, Shape::kStripe, "resource_missing", ""},
      {"GET", "/nope", kRapyd, 404, Shape::kStripe, "resource_missing", ""},
      {"POST", "/healthz", {}, 405, Shape::kStripe, "method_not_allowed", "GET"},
  };
  return rows;
}

class Unrouted : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("refundd-unrouted-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto store = store::sqlite::SqliteStore::Open((dir_ / "refundd.db").string());
    ASSERT_TRUE(store.ok()) << (store.ok() ? "" : store.error());
    store_ = std::move(store).value();
    engine_.emplace(*store_, clock_, service::EngineOptions{});
    // As app/main.cc registers them.
    router_.Add(http::Route{"GET", "/healthz", "none", nullptr, true,
                            [](http::Request&&, http::PathParams, http::Reply reply) {
                              reply(http::Response{200, "application/json", {}, "{}"});
                            }});
    RegisterAllRoutes(router_, *engine_);
  }
  void TearDown() override {
    engine_.reset();
    if (store_) store_->Close();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  http::Response Dispatch(const Row& row) {
    http::Request request;
    request.method = row.method;
    request.path = row.path;
    request.headers = row.headers;
    std::optional<http::Response> answer;
    router_.Dispatch(std::move(request), [&answer](http::Response r) { answer = std::move(r); });
    EXPECT_TRUE(answer.has_value());
    return answer.value_or(http::Response{});
  }

  std::filesystem::path dir_;
  FakeClock clock_{1'700'000'000'000};
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::optional<service::Engine> engine_;
  http::Router router_;
};

std::string Header(const http::Response& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "";
}

TEST_F(Unrouted, EachIsAnsweredInTheShapeOfTheDialectThatOwnsThePath) {
  for (const Row& row : Rows()) {
    const std::string what = std::string(row.method) + " " + row.path;
    http::Response r = Dispatch(row);
    EXPECT_EQ(r.status, row.status) << what << ": " << r.body;
    EXPECT_EQ(r.content_type, "application/json") << what;
    boost::system::error_code ec;
    boost::json::value body = boost::json::parse(r.body, ec);
    ASSERT_FALSE(ec) << what << ": " << r.body;
    EXPECT_EQ(CodeIn(body, row.shape), row.code) << what << ": " << r.body;
    EXPECT_EQ(Header(r, "Allow"), row.allow) << what;
    if (row.shape == Shape::kUtgl) {
      EXPECT_FALSE(Header(r, "x-request-id").empty()) << what;
    }
  }
}

TEST_F(Unrouted, TheMessageNamesTheMethodAndPath) {
  for (const Row& row : Rows()) {
    if (row.shape == Shape::kD24 && row.status == 405) continue;  // D24's wording: method only
    http::Response r = Dispatch(row);
    EXPECT_NE(r.body.find(row.path), std::string::npos) << row.method << " " << row.path;
  }
}

}  // namespace
}  // namespace refundd::dialects
