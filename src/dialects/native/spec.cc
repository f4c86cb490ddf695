#include "dialects/native/spec.h"

#include <optional>
#include <string>

#include "crypto/crypto.h"
#include "dialects/native/routes.h"
#include "http/body.h"

namespace refundd::dialects::native {

namespace {

// The secret key from Authorization: "Bearer sk" or "Basic base64(sk:)"; "" when absent.
std::string SecretKeyOf(const http::Request& request) {
  std::string_view auth = request.Header("authorization");
  if (auth.size() > 7 && auth.substr(0, 7) == "Bearer ") return std::string(auth.substr(7));
  if (auth.size() > 6 && auth.substr(0, 6) == "Basic ") {
    std::string decoded;
    if (!crypto::Base64Decode(auth.substr(6), decoded)) return "";
    return decoded.substr(0, decoded.find(':'));
  }
  return "";
}

std::optional<http::Response> Authenticate(Call& call) {
  std::string key = SecretKeyOf(call.request);
  if (key.empty() || key.size() > 255) {
    return ErrorResponse(BadKey(call.request.HasHeader("authorization")));
  }
  auto credential = call.engine.Authenticate(std::string(kDialect), SecretKeyLookup(key));
  if (!credential) return ErrorResponse(BadKey(true));
  call.merchant_id = credential->merchant_id;
  return std::nullopt;
}

// GET and DELETE take their parameters from the query; others from the body (form or JSON).
std::optional<http::Response> Decode(Call& call) {
  auto decoded = call.request.method == "GET" || call.request.method == "DELETE"
                     ? http::DecodeQuery(call.request.query)
                     : http::DecodeBody(call.request);
  if (!decoded.ok()) {
    return ErrorResponse(ApiError{400, "invalid_request_error", "parameter_invalid",
                                  "Invalid request body: " + decoded.error(), ""});
  }
  call.params = std::move(decoded).value();
  return std::nullopt;
}

http::Response Failure(service::WriteFailure f) {
  switch (f) {
    case service::WriteFailure::kInFlight:
      return ErrorResponse(ApiError{409, "idempotency_error", "idempotency_key_in_use",
                                    "There is currently another in-progress request using "
                                    "this Idempotency-Key. Retry after it completes.",
                                    ""});
    case service::WriteFailure::kKeyMismatch:
      return ErrorResponse(ApiError{400, "idempotency_error", "idempotency_key_reused",
                                    "Keys for idempotent requests can only be used with the "
                                    "same parameters they were first used with.",
                                    ""});
    case service::WriteFailure::kUnavailable:
    case service::WriteFailure::kRetry:
      return Unavailable();
  }
  return Unavailable();
}

}  // namespace

const common::DialectSpec& Spec() {
  static const common::DialectSpec spec{
      kDialect,
      Authenticate,
      Decode,
      "idempotency-key",
      255,
      [] {
        return ErrorResponse(ApiError{400, "invalid_request_error", "parameter_invalid",
                                      "Idempotency-Key must be at most 255 characters.", ""});
      },
      Failure,
      [](http::Response& r) { r.headers.emplace_back("Idempotent-Replayed", "true"); },
  };
  return spec;
}

http::Response Unavailable() {
  return ErrorResponse(ApiError{503, "api_error", "store_unavailable",
                                "The request could not be stored; nothing was changed. Retry "
                                "with the same Idempotency-Key.",
                                ""});
}

void Fail(Call& call, const ApiError& error) { call.Answer(ErrorResponse(error)); }

service::Command NewCommand(const Call& call, service::Op op) {
  service::Command c;
  c.merchant_id = call.merchant_id;
  c.dialect = std::string(kDialect);
  c.op = std::move(op);
  return c;
}

http::Response RefusalAnswer(const service::Refusal& r, const ApiError& not_found) {
  switch (r.kind) {
    case service::Refusal::Kind::kRule:
      return ErrorResponse(ErrorFor(r.rule, r.payment ? &*r.payment : nullptr));
    case service::Refusal::Kind::kNotFound:
      return ErrorResponse(not_found);
    case service::Refusal::Kind::kAliasTaken:  // native commands write no aliases
    case service::Refusal::Kind::kDialect:     // nor have hooks that refuse in their own words
      return Unavailable();
  }
  return Unavailable();
}

void AddRoutes(http::Router& router, service::Engine& engine, std::span<const RouteEntry> routes) {
  for (const RouteEntry& e : routes) {
    router.Add(http::Route{e.method, e.pattern, std::string(kDialect), ClaimsRequest,
                           /*fallback=*/true, common::Route(engine, Spec(), e.handler)});
  }
}

}  // namespace refundd::dialects::native
