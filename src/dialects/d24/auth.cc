#include "dialects/d24/auth.h"

#include "crypto/crypto.h"
#include "dialects/common/time_text.h"

namespace refundd::dialects::d24 {

std::string Signature(std::string_view secret, std::string_view x_date, std::string_view x_login,
                      std::string_view body) {
  std::string message;
  message.reserve(x_date.size() + x_login.size() + body.size());
  message.append(x_date).append(x_login).append(body);
  return crypto::HmacSha256Hex(secret, message);
}

Result<AuthHeaders, Error> ReadAuthHeaders(const http::Request& request) {
  AuthHeaders h;
  h.x_login = std::string(request.Header("x-login"));
  if (h.x_login.empty() || h.x_login.size() > 128) return Err(MissingHeader("X-Login"));
  h.x_date = std::string(request.Header("x-date"));
  auto date = common::ParseIso8601UtcMs(h.x_date);
  if (!date) return Err(MissingHeader("X-Date"));
  h.date_ms = *date;
  // "D24 " is case sensitive, as in D24's clients. Whatever follows is compared with the
  // signature we compute (64 lowercase hex digits), so a wrong one is 102, not a format error.
  std::string_view auth = request.Header("authorization");
  constexpr std::string_view kPrefix = "D24 ";
  if (!auth.starts_with(kPrefix)) return Err(MissingHeader("Authorization"));
  h.signature = std::string(auth.substr(kPrefix.size()));
  if (h.signature.empty() || h.signature.size() > 128) return Err(MissingHeader("Authorization"));
  return h;
}

Result<Verified, Error> Verify(const AuthHeaders& headers, std::string_view secret,
                               std::string_view body, int64_t now_ms) {
  std::string expected = Signature(secret, headers.x_date, headers.x_login, body);
  if (!crypto::ConstantTimeEquals(expected, headers.signature)) return Err(InvalidSignature());
  int64_t skew = now_ms - headers.date_ms;
  if (skew > kMaxClockSkewMs || skew < -kMaxClockSkewMs) return Err(DateOutOfRange());
  return Verified{};
}

}  // namespace refundd::dialects::d24
