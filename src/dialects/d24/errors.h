#pragma once
// D24's error answers: a flat {"code": N, "description": "...", "type": "..."} with the HTTP
// status D24 documents for each code, and the one table from core::Refusal to D24's 8xx codes.
// Codes refundd adds where D24 documents none (idempotency, store failures) are listed in
// docs/dialects/d24.md. Pure.

#include <string>
#include <string_view>

#include "core/refusal.h"
#include "http/message.h"
#include "http/router.h"

namespace refundd::dialects::d24 {

struct Error {
  int status = 400;
  int code = 0;
  std::string type;
  std::string description;
  friend bool operator==(const Error&, const Error&) = default;
};
http::Response ErrorResponse(const Error& error);

Error InvalidCredentials();                          // 100, 401: unknown X-Login
Error MissingHeader(std::string_view header);        // 101, 400: absent or badly formed header
Error InvalidSignature();                            // 102, 400
Error DateOutOfRange();                              // 103, 400: X-Date too far from our clock
Error InvalidBody(std::string_view details);         // 202, 400
Error NotFound();                                    // 208, 404
// The answer to a request under /v3 that the router cannot route or the server refused, with its
// HTTP status: 208 RESOURCE_NOT_FOUND with the method and path (404); 200 METHOD_NOT_ALLOWED,
// "Request method {0} not supported" (405), as D24 words it; 202 INVALID_REQUEST_BODY (400 not
// valid HTTP, 413 body over the limit); refundd's 702 REQUEST_TIMEOUT (408) and
// 703 HEADERS_TOO_LARGE (431).
Error FromRequestError(const http::RequestError& error);
Error InvalidAmount(std::string_view details);       // 802, 400
Error MissingBankAccount();                          // 804, 400
Error DepositNotCompleted();                         // 801, 400
Error RefundNotProcessed(std::string_view details);  // 805, 400
Error IdempotencyKeyInUse();                         // 501, 409 (refundd's)
Error IdempotencyKeyReused();                        // 502, 400 (refundd's)
Error Unavailable();                                 // 701, 503 (refundd's)

// Refusals of a refund (or of the sandbox completion of a deposit) in D24's codes.
Error ErrorFor(core::Refusal refusal);

}  // namespace refundd::dialects::d24
