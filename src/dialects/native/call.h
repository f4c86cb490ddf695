#pragma once
// What the native dialect's route files share (routes.cc: payments and refunds;
// webhook_routes.cc: webhook endpoints, events, sandbox helpers): one authenticated and decoded
// request, and the idempotent write path. Internal to src/dialects/native/.

#include <boost/json/value.hpp>
#include <functional>
#include <string>
#include <string_view>

#include "dialects/native/translate.h"
#include "http/router.h"
#include "service/engine.h"
#include "service/errors.h"

namespace refundd::dialects::native {

// One request in flight: what every handler needs after auth and decoding.
struct Call {
  service::Engine& engine;
  http::Request request;
  http::PathParams path;
  http::Reply reply;
  std::string merchant_id;
  boost::json::value params;

  void Fail(const ApiError& e) { reply(ErrorResponse(e)); }
};

using CallHandler = std::function<void(Call&)>;

// Wraps a handler with auth (Bearer or Basic secret key) and body/query decoding.
http::RouteHandler Handle(service::Engine& engine, CallHandler handler);
// Runs `run` through the engine with the request's Idempotency-Key; `lock_payment_id`, when
// known, is the payment `run` will lock (a hint for the store).
void Write(Call& call, std::function<http::Response(store::WriteTx&, int64_t, bool&)> run,
           std::string lock_payment_id = "");
// 503 store_unavailable.
http::Response Unavailable();
// Maps a use-case error to the response; store errors roll the call back (keep = false).
http::Response ErrorOf(const service::UseCaseError& e, std::string_view object_name,
                       std::string_view id, std::string_view param, const core::Payment* payment,
                       bool& keep);

// webhook_routes.cc: /v1/webhook_endpoints, /v1/events, /v1/test_helpers/refunds.
void RegisterWebhookRoutes(http::Router& router, service::Engine& engine);

}  // namespace refundd::dialects::native
