#pragma once
// What the native dialect's route files share (routes.cc: payments and refunds;
// webhook_routes.cc: webhook endpoints, events, sandbox helpers): its DialectSpec (Stripe's
// secret-key auth, body and query decoding, Idempotency-Key and the answers the engine decides),
// and the answer for a refused command. Internal to src/dialects/native/.

#include <functional>
#include <span>
#include <string_view>

#include "dialects/common/kit.h"
#include "dialects/native/translate.h"
#include "http/router.h"
#include "service/command.h"
#include "service/engine.h"

namespace refundd::dialects::native {

inline constexpr std::string_view kDialect = "native";

using common::Call;

const common::DialectSpec& Spec();

// 503 store_unavailable.
http::Response Unavailable();
// Answers `error` in Stripe's shape.
void Fail(Call& call, const ApiError& error);

// A command of this dialect for the caller.
service::Command NewCommand(const Call& call, service::Op op);

// The answer for a refused command; `not_found` is what a missing object is called in this
// route's words (which object, the id the request gave, the parameter that named it).
http::Response RefusalAnswer(const service::Refusal& refusal, const ApiError& not_found);

// Renders an Outcome with `answer`, or its refusal (see RefusalAnswer).
template <typename Answer>
std::function<http::Response(const service::Outcome&)> Render(ApiError not_found, Answer answer) {
  return [not_found = std::move(not_found), answer](const service::Outcome& o) {
    return o.ok() ? answer(o) : RefusalAnswer(*o.refusal, not_found);
  };
}

// One route of the native API's tables.
struct RouteEntry {
  const char* method;
  const char* pattern;
  void (*handler)(Call&);
};
// Adds each route, claimed by the native auth scheme (ClaimsRequest) and wrapped by the kit.
void AddRoutes(http::Router& router, service::Engine& engine, std::span<const RouteEntry> routes);

// webhook_routes.cc: /v1/webhook_endpoints, /v1/events, /v1/test_helpers/refunds.
void RegisterWebhookRoutes(http::Router& router, service::Engine& engine);

}  // namespace refundd::dialects::native
