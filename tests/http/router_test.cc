// Proves that the router picks the route by method, path and auth scheme, falls back for requests
// no scheme claims, and answers 405 and 404 from the error space that owns the path (native's
// error shape by default).

#include "http/router.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <optional>
#include <string>

namespace refundd::http {
namespace {

Request Make(std::string method, std::string path,
             std::vector<std::pair<std::string, std::string>> headers = {}) {
  Request request;
  request.method = std::move(method);
  request.path = std::move(path);
  request.headers = std::move(headers);
  return request;
}

bool IsNative(const Request& r) {
  std::string_view auth = r.Header("authorization");
  return auth.starts_with("Bearer ") || auth.starts_with("Basic ");
}
bool IsRapyd(const Request& r) { return r.HasHeader("access_key"); }

// Registers a route whose handler answers with its own name and the captured params.
Route Named(std::string method, std::string pattern, std::string name,
            std::function<bool(const Request&)> accepts, bool fallback = false) {
  Route route;
  route.method = std::move(method);
  route.pattern = std::move(pattern);
  route.auth_scheme = name;
  route.accepts = std::move(accepts);
  route.fallback = fallback;
  route.handler = [name](Request&&, PathParams params, Reply reply) {
    Response response;
    response.body = name;
    for (const auto& [key, value] : params) response.body += " " + key + "=" + value;
    reply(std::move(response));
  };
  return route;
}

Response Dispatch(const Router& router, Request request) {
  std::optional<Response> answer;
  router.Dispatch(std::move(request), [&answer](Response response) { answer = response; });
  EXPECT_TRUE(answer.has_value());
  return answer.value_or(Response{});
}

Router RefundRoutes() {
  Router router;
  router.Add(Named("POST", "/v1/refunds", "rapyd", IsRapyd));
  router.Add(Named("POST", "/v1/refunds", "native", IsNative, /*fallback=*/true));
  router.Add(Named("GET", "/v1/refunds/{id}", "native-get", IsNative, true));
  router.Add(Named("POST", "/v1/payment_intents/{id}/capture", "capture", IsNative, true));
  router.Add(Named("GET", "/v1/refunds", "native-list", IsNative, true));
  return router;
}

TEST(Router, TheAuthHeaderDecidesBetweenRoutesOnTheSamePath) {
  Router router = RefundRoutes();
  EXPECT_EQ(Dispatch(router, Make("POST", "/v1/refunds", {{"access_key", "ak"}})).body, "rapyd");
  EXPECT_EQ(
      Dispatch(router, Make("POST", "/v1/refunds", {{"authorization", "Bearer sk_test_1"}})).body,
      "native");
  EXPECT_EQ(Dispatch(router, Make("POST", "/v1/refunds", {{"authorization", "Basic c2s6"}})).body,
            "native");
}

TEST(Router, UnclaimedRequestGoesToTheFallbackRoute) {
  Router router = RefundRoutes();
  EXPECT_EQ(Dispatch(router, Make("POST", "/v1/refunds")).body, "native");
  EXPECT_EQ(Dispatch(router, Make("POST", "/v1/refunds", {{"authorization", "Token x"}})).body,
            "native");
}

TEST(Router, WithoutAFallbackTheFirstMatchingRouteAnswers) {
  Router router;
  router.Add(Named("POST", "/v1/x", "first", IsRapyd));
  router.Add(Named("POST", "/v1/x", "second", IsNative));
  EXPECT_EQ(Dispatch(router, Make("POST", "/v1/x")).body, "first");
}

TEST(Router, RouteWithoutPredicateClaimsEverything) {
  Router router;
  router.Add(Named("GET", "/health", "open", nullptr));
  EXPECT_EQ(Dispatch(router, Make("GET", "/health")).body, "open");
}

TEST(Router, CapturesPathParams) {
  Router router = RefundRoutes();
  EXPECT_EQ(Dispatch(router, Make("GET", "/v1/refunds/re_123")).body, "native-get id=re_123");
  EXPECT_EQ(Dispatch(router, Make("POST", "/v1/payment_intents/pi_9/capture")).body,
            "capture id=pi_9");
  PathParams params;
  params.Add("id", "re_1");
  EXPECT_EQ(params.Get("id"), "re_1");
  EXPECT_EQ(params.Get("missing"), "");
}

TEST(Router, WrongMethodIs405WithAllow) {
  Router router = RefundRoutes();
  Response response = Dispatch(router, Make("DELETE", "/v1/refunds"));
  EXPECT_EQ(response.status, 405);
  auto body = boost::json::parse(response.body);
  EXPECT_EQ(body.at("error").at("type"), "invalid_request_error");
  EXPECT_EQ(body.at("error").at("code"), "method_not_allowed");
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].first, "Allow");
  EXPECT_EQ(response.headers[0].second, "POST, GET");
}

TEST(Router, UnknownPathIs404ResourceMissing) {
  Router router = RefundRoutes();
  const char* paths[] = {"/x", "/v1/refunds/", "/v1/refunds//", "/v1/refunds/re_1/extra",
                         "",   "v1/refunds"};
  for (const char* path : paths) {
    Response response = Dispatch(router, Make("GET", path));
    EXPECT_EQ(response.status, 404) << path;
    auto body = boost::json::parse(response.body);
    EXPECT_EQ(body.at("error").at("code"), "resource_missing") << path;
  }
  Response response = Dispatch(router, Make("GET", "/x"));
  EXPECT_EQ(boost::json::parse(response.body).at("error").at("message"),
            "Unrecognized request URL (GET: /x).");
}

// A renderer that answers "<name> <status> <method> <path> [<allow>]".
RequestErrorRenderer Renders(std::string name) {
  return [name](const RequestError& u) {
    Response response;
    response.status = u.status;
    response.body = name + " " + std::to_string(u.status) + " " + std::string(u.method) + " " +
                    std::string(u.path) + " [" + std::string(u.allow) + "]";
    return response;
  };
}

std::string AllowOf(const Response& response) {
  for (const auto& [name, value] : response.headers) {
    if (name == "Allow") return value;
  }
  return "(none)";
}

TEST(Router, AnErrorSpaceAnswersUnroutableRequestsUnderItsPrefix) {
  Router router;
  router.Add(Named("POST", "/pos/v1/refund", "pos", nullptr, true));
  router.AddErrorSpace({"/pos", "pos", nullptr, Renders("pos")});
  EXPECT_EQ(Dispatch(router, Make("POST", "/pos/v1/nope")).body, "pos 404 POST /pos/v1/nope []");
  EXPECT_EQ(Dispatch(router, Make("POST", "/pos")).body, "pos 404 POST /pos []");
  EXPECT_EQ(Dispatch(router, Make("POST", "/pos/")).body, "pos 404 POST /pos/ []");
  Response wrong_method = Dispatch(router, Make("GET", "/pos/v1/refund"));
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.body, "pos 405 GET /pos/v1/refund [POST]");
  EXPECT_EQ(AllowOf(wrong_method), "POST");
  // By whole segments: /posx is not under /pos, so the default (native) shape answers.
  Response outside = Dispatch(router, Make("POST", "/posx/v1/refund"));
  EXPECT_EQ(outside.status, 404);
  EXPECT_EQ(boost::json::parse(outside.body).at("error").at("code"), "resource_missing");
  EXPECT_EQ(Dispatch(router, Make("POST", "/pos/v1/refund")).body, "pos");
}

TEST(Router, TheFirstErrorSpaceThatClaimsTheRequestAnswers) {
  Router router = RefundRoutes();
  router.AddErrorSpace({"/v1", "rapyd", IsRapyd, Renders("rapyd")});
  router.AddErrorSpace({"/v1", "native", nullptr, Renders("native")});
  EXPECT_EQ(Dispatch(router, Make("GET", "/v1/nope", {{"access_key", "ak"}})).body,
            "rapyd 404 GET /v1/nope []");
  EXPECT_EQ(Dispatch(router, Make("GET", "/v1/nope", {{"authorization", "Bearer sk"}})).body,
            "native 404 GET /v1/nope []");
  EXPECT_EQ(Dispatch(router, Make("GET", "/v1/nope")).body, "native 404 GET /v1/nope []");
  // Outside every space: the default, native's Stripe shape.
  Response response = Dispatch(router, Make("GET", "/x", {{"access_key", "ak"}}));
  EXPECT_EQ(boost::json::parse(response.body).at("error").at("message"),
            "Unrecognized request URL (GET: /x).");
}

TEST(Router, A405ListsOnlyTheSpaceDialectsMethods) {
  Router router = RefundRoutes();
  router.AddErrorSpace({"/v1", "rapyd", IsRapyd, Renders("rapyd")});
  router.AddErrorSpace({"/v1", "", nullptr, Renders("any")});
  // POST /v1/refunds is rapyd's and native's; GET /v1/refunds only native-list's.
  Response rapyd = Dispatch(router, Make("DELETE", "/v1/refunds", {{"access_key", "ak"}}));
  EXPECT_EQ(rapyd.body, "rapyd 405 DELETE /v1/refunds [POST]");
  EXPECT_EQ(AllowOf(rapyd), "POST");
  // A path with only other dialects' routes does not exist for this one.
  Response missing = Dispatch(router, Make("GET", "/v1/refunds/re_1/x", {{"access_key", "ak"}}));
  EXPECT_EQ(missing.body, "rapyd 404 GET /v1/refunds/re_1/x []");
  Response capture =
      Dispatch(router, Make("GET", "/v1/payment_intents/pi_1/capture", {{"access_key", "ak"}}));
  EXPECT_EQ(capture.status, 404);
  EXPECT_EQ(AllowOf(capture), "(none)");
  // A space without a dialect counts every route.
  Response any = Dispatch(router, Make("DELETE", "/v1/refunds"));
  EXPECT_EQ(any.body, "any 405 DELETE /v1/refunds [POST, GET]");
  EXPECT_EQ(AllowOf(any), "POST, GET");
}

TEST(ErrorResponse, EscapesTheMessage) {
  Response response =
      ErrorResponse(400, "invalid_request_error", "parameter_invalid", "bad \"quote\"\n");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(boost::json::parse(response.body).at("error").at("message"), "bad \"quote\"\n");
}

}  // namespace
}  // namespace refundd::http
