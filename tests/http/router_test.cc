// Proves that the router picks the route by method, path and auth scheme, falls back for requests
// no scheme claims, and answers 405 and 404 in the native error shape.

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

TEST(Router, NotFoundHandlerIsConfigurable) {
  Router router = RefundRoutes();
  router.SetNotFound([](Request&& request, Reply reply) {
    Response response;
    response.status = 404;
    response.body = "custom " + request.path;
    reply(std::move(response));
  });
  EXPECT_EQ(Dispatch(router, Make("GET", "/nope")).body, "custom /nope");
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
