#pragma once
// Rapyd's envelope and errors: every answer is {"status": {error_code, status, message,
// response_code, operation_id}, "data": ...}; an error has no data. The one table from
// core::Refusal to Rapyd's codes is ErrorFor(). Codes refundd adds where Rapyd documents none are
// listed in docs/dialects/rapyd.md. Pure (operation ids are random).

#include <string>
#include <string_view>

#include "core/refusal.h"
#include "http/message.h"
#include "http/router.h"

namespace refundd::dialects::rapyd {

struct Error {
  int status = 400;
  std::string code;  // error_code and response_code
  std::string message;
  friend bool operator==(const Error&, const Error&) = default;
};
http::Response ErrorResponse(const Error& error);
// 200 {"status": {... "SUCCESS" ...}, "data": data_json}
http::Response Ok(std::string_view data_json);
// The same with a given operation_id (a write's, minted once so that its replay is the same).
http::Response ErrorResponse(const Error& error, std::string_view operation_id);
http::Response Ok(std::string_view data_json, std::string_view operation_id);

Error BadSignature();      // 401 UNAUTHENTICATED_API_CALL (also missing headers)
Error StaleTimestamp();    // 401 UNAUTHENTICATED_API_CALL
Error UnknownAccessKey();  // 401 UNAUTHENTICATED_API_CALL, the account message
Error InvalidFields(std::string_view details);  // 400 INVALID_FIELDS: bad JSON, wrong types
Error PaymentNotFound(std::string_view id);     // 400 ERROR_GET_PAYMENT
Error RefundNotFound(std::string_view code, std::string_view id);  // 400 INVALID_REFUND, ...
Error CreatePaymentFailed(std::string_view details);               // 400 ERROR_CREATE_PAYMENT
Error CreateRefundFailed(std::string_view details);                // 400 ERROR_CREATE_REFUND
Error Refund(std::string_view code, std::string_view message);     // 400 with a refund code
Error IdempotencyKeyInUse();                                       // 409 (refundd's)
Error IdempotencyKeyReused();                                      // 400 (refundd's)
Error Unavailable();                                               // 503 (refundd's)
// The answer to a Rapyd request the router cannot route or the server refused, with its HTTP
// status. Unroutable: UNAUTHORIZED_API_CALL, the code Rapyd gives for an endpoint that does not
// exist or a method the path does not support (Rapyd's "Troubleshooting Authentication and
// Authorization Errors"), with HTTP 404 or 405 instead of Rapyd's 401 and a message that names the
// method and path. Refused by the server (refundd's codes, Rapyd documents none):
// ERROR_INVALID_HTTP_REQUEST (400), ERROR_REQUEST_TIMEOUT (408), ERROR_REQUEST_TOO_LARGE (413),
// ERROR_HEADERS_TOO_LARGE (431).
Error FromRequestError(const http::RequestError& error);

Error ErrorFor(core::Refusal refusal);

}  // namespace refundd::dialects::rapyd
