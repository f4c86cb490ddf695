#pragma once
// Kushki's error codes, shared by the online and card-present dialects: the one table from a
// core Refusal to a K-code, and each code's message as Kushki's error catalogue words it.
// Each dialect picks the HTTP status of a code (online: 400; card-present: 400/401/412/...).
// Pure and thread-safe.

#include <string>
#include <string_view>

#include "base/result.h"
#include "core/refusal.h"
#include "http/router.h"

namespace refundd::dialects::kushki {

// The codes refundd answers with. Where Kushki documents no code for a case, refundd uses the
// closest documented one (see docs/dialects/kushki.md).
enum class KCode {
  kK001,  // the body is invalid (also: idempotency key reused with another body)
  kK002,  // unexpected error: the store failed, nothing was written
  kK004,  // missing or unknown merchant id / credential
  kK005,  // token expired
  kK006,  // amount is not the expected one (charge vs token; partial refund outside Colombia)
  kK010,  // unknown ticket number or transaction reference
  kK014,  // invalid token (unknown or already used)
  kK020,  // rejected: the transaction's state or a time window does not allow the operation
  kK023,  // amount above what the sale (or that bucket of it) still has
  kK042,  // currency differs from the original transaction's
  kK055,  // currency not allowed
  // refundd's own, where Kushki documents no code (docs/dialects/kushki.md): a path no Kushki
  // route has, and a Kushki path asked with another method; and the server's refusals before
  // routing: not valid HTTP, not received in time, body over the limit, headers over the limit.
  kK404,
  kK405,
  kK400,
  kK408,
  kK413,
  kK431,
};

// What kind of failure a code is, so each dialect can choose its HTTP status.
enum class KKind {
  kBadRequest,       // the request itself is malformed
  kCredentials,      // authentication failed
  kPrecondition,     // well-formed, but the transaction's state or a business rule refuses it
  kConflict,         // idempotency: same key still running
  kUnexpected,       // refundd failed (store); nothing was written; retry with the same key
  kNoRoute,          // no such endpoint (404)
  kNoMethod,         // the endpoint exists, not with this method (405)
  kTimeout,          // the request was not received in time (408)
  kTooLarge,         // the body is over the server's limit (413)
  kHeadersTooLarge,  // the headers are over the server's limit (431)
};

// The HTTP status of an error of `kind`. The two Kushki APIs differ only in how they answer failed
// authentication and refused preconditions (online: 400 for both; card-present: 401 and 412).
int StatusFor(KKind kind, int credentials_status, int precondition_status);

struct KError {
  KCode code;
  std::string reason;  // short detail appended to the message; "" for none
  KKind kind = KKind::kBadRequest;
};

template <typename T>
using Parsed = Result<T, KError>;

std::string_view CodeText(KCode code);          // "K023"
std::string_view CanonicalMessage(KCode code);  // "MONTO DEL VOID SUPERIOR AL DEL SALE"
// The message a client sees: the canonical message, then ": reason" when there is one.
std::string MessageOf(const KError& error);

// For RETURN_IF_ERROR over both Parsed<> and common::FieldResult<> (see body.h).
inline const KError& ToKError(const KError& error) { return error; }

// The kind a code has when nothing more specific is known.
KKind DefaultKind(KCode code);
KError Error(KCode code, std::string reason = "");

// The one table from the core's refusals to Kushki's codes.
KError ErrorFor(core::Refusal refusal);

// {"code":"K0xx","message":"..."}
std::string ErrorJson(const KError& error);

// The answer to a request on a Kushki path that the router cannot route or the server refused:
// K404 or K405 with the method and path as the reason; K400, K408, K413 or K431 (kinds
// kBadRequest, kTimeout, kTooLarge, kHeadersTooLarge) with the server's message as the reason.
KError FromRequestError(const http::RequestError& error);

}  // namespace refundd::dialects::kushki
