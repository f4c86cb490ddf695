#pragma once
// UTGL Partner Connect's errors. UTGL publishes no error catalogue for Partner Connect, so refundd
// answers {"code": "...", "message": "..."} with the HTTP status of each kind of problem (400 bad
// input, 401 auth, 404 unknown ids, 409 wrong state, 422 amounts and currencies that do not fit);
// docs/dialects/utgl.md lists every code. The one table from core::Refusal is ErrorFor(). Pure.

#include <string>
#include <string_view>

#include "core/refusal.h"
#include "http/message.h"
#include "http/router.h"

namespace refundd::dialects::utgl {

struct Error {
  int status = 400;
  std::string code;
  std::string message;
  friend bool operator==(const Error&, const Error&) = default;
};
http::Response ErrorResponse(const Error& error);

Error Unauthorized();                        // 401 UNAUTHORIZED
Error Validation(std::string_view message);  // 400 VALIDATION_ERROR (also bad JSON)
Error NotFound(std::string_view code, std::string_view what, std::string_view id);  // 404
Error InvalidOtp();               // 400 INVALID_OTP
Error VerificationExpired();      // 400 VERIFICATION_EXPIRED
Error VerificationRequired();     // 400 VERIFICATION_REQUIRED
Error BindingAlreadyConfirmed();  // 409 BINDING_ALREADY_CONFIRMED
Error IdempotencyKeyInUse();      // 409 IDEMPOTENCY_KEY_IN_USE
Error IdempotencyKeyReused();     // 422 IDEMPOTENCY_KEY_REUSED
Error Unavailable();              // 503 SERVICE_UNAVAILABLE
// The answer to a request under /partner-connect that the router cannot route or the server
// refused, with its HTTP status: 404 NOT_FOUND (no such endpoint), 405 METHOD_NOT_ALLOWED (every
// Partner Connect call is a POST), 400 BAD_REQUEST (not valid HTTP), 408 REQUEST_TIMEOUT,
// 413 PAYLOAD_TOO_LARGE, 431 HEADERS_TOO_LARGE (refundd's codes; UTGL publishes none).
Error FromRequestError(const http::RequestError& error);

Error ErrorFor(core::Refusal refusal);

}  // namespace refundd::dialects::utgl
