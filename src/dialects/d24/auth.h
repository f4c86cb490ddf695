#pragma once
// D24's request authentication: headers X-Login, X-Date and Authorization: "D24 " + lowercase hex
// HMAC-SHA256(secret, X-Date + X-Login + raw body), the body exactly as received ("" for GET).
// Pure: the caller looks up the secret for X-Login and passes the clock's time.

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "dialects/d24/errors.h"
#include "http/message.h"

namespace refundd::dialects::d24 {

// How far X-Date may be from our clock, either way. D24 does not publish its window; five minutes
// covers clock drift and slow clients without keeping old signed requests replayable for long.
inline constexpr int64_t kMaxClockSkewMs = 5 * 60 * 1000;

struct AuthHeaders {
  std::string x_login;
  std::string x_date;     // exactly as received: it is what was signed
  int64_t date_ms = 0;    // X-Date parsed
  std::string signature;  // the hex after "D24 "
};

// Lowercase hex of HMAC-SHA256(secret, x_date + x_login + body).
std::string Signature(std::string_view secret, std::string_view x_date, std::string_view x_login,
                      std::string_view body);

// The three headers, each present and well formed; else 101 naming the first one that is not.
Result<AuthHeaders, Error> ReadAuthHeaders(const http::Request& request);

// 102 when the signature is not the one `secret` gives over `body`; then 103 when X-Date is more
// than kMaxClockSkewMs from now_ms. Ok (Unit) otherwise.
struct Verified {};
Result<Verified, Error> Verify(const AuthHeaders& headers, std::string_view secret,
                               std::string_view body, int64_t now_ms);

}  // namespace refundd::dialects::d24
