#pragma once
// Rapyd's request signature: headers access_key, salt, timestamp (Unix seconds) and signature =
// BASE64(HEX_LOWER(HMAC-SHA256(secret, lower(method) + path + salt + timestamp + access_key +
// secret + body))), where path includes "?query" when there is one and the body is signed exactly
// as received, except that "{}" signs as "". Both base64 alphabets are accepted. Pure.

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "dialects/rapyd/errors.h"
#include "http/message.h"

namespace refundd::dialects::rapyd {

// Rapyd takes a timestamp "less than 60 seconds" old; refundd allows 60 s either way.
inline constexpr int64_t kMaxClockSkewS = 60;

struct AuthHeaders {
  std::string access_key;
  std::string salt;
  std::string timestamp;  // as received: it is what was signed
  int64_t timestamp_s = 0;
  std::string signature;
};

// The hex HMAC and its base64 (the header's value), over what the request signs.
std::string SignatureHex(std::string_view secret, std::string_view method,
                         std::string_view path_and_query, std::string_view salt,
                         std::string_view timestamp, std::string_view access_key,
                         std::string_view body);
std::string Signature(std::string_view secret, std::string_view method,
                      std::string_view path_and_query, std::string_view salt,
                      std::string_view timestamp, std::string_view access_key,
                      std::string_view body);

// The four headers, present and well formed; else UNAUTHENTICATED_API_CALL.
Result<AuthHeaders, Error> ReadAuthHeaders(const http::Request& request);

struct Verified {};
// UNAUTHENTICATED_API_CALL when the signature is not the one `secret` gives over `request`, or
// when the timestamp is more than kMaxClockSkewS from now_ms.
Result<Verified, Error> Verify(const AuthHeaders& headers, std::string_view secret,
                               const http::Request& request, int64_t now_ms);

}  // namespace refundd::dialects::rapyd
