#include "dialects/rapyd/auth.h"

#include "crypto/crypto.h"

namespace refundd::dialects::rapyd {

namespace {
// Standard alphabet, no padding: how two signatures are compared whatever alphabet was used.
std::string Normalized(std::string_view b64) {
  std::string out(b64);
  for (char& c : out) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

bool Digits(std::string_view s) {
  if (s.empty() || s.size() > 12) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}
}  // namespace

std::string SignatureHex(std::string_view secret, std::string_view method,
                         std::string_view path_and_query, std::string_view salt,
                         std::string_view timestamp, std::string_view access_key,
                         std::string_view body) {
  std::string message;
  message.reserve(method.size() + path_and_query.size() + salt.size() + timestamp.size() +
                  access_key.size() + secret.size() + body.size());
  for (char c : method) message.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
  message.append(path_and_query).append(salt).append(timestamp).append(access_key);
  message.append(secret);
  if (body != "{}") message.append(body);
  return crypto::HmacSha256Hex(secret, message);
}

std::string Signature(std::string_view secret, std::string_view method,
                      std::string_view path_and_query, std::string_view salt,
                      std::string_view timestamp, std::string_view access_key,
                      std::string_view body) {
  return crypto::Base64(
      SignatureHex(secret, method, path_and_query, salt, timestamp, access_key, body));
}

Result<AuthHeaders, Error> ReadAuthHeaders(const http::Request& request) {
  AuthHeaders h;
  h.access_key = std::string(request.Header("access_key"));
  h.salt = std::string(request.Header("salt"));
  h.timestamp = std::string(request.Header("timestamp"));
  h.signature = std::string(request.Header("signature"));
  if (h.access_key.empty() || h.access_key.size() > 128 || h.salt.empty() || h.salt.size() > 128 ||
      h.signature.empty() || h.signature.size() > 256 || !Digits(h.timestamp)) {
    return Err(BadSignature());
  }
  h.timestamp_s = std::stoll(h.timestamp);
  return h;
}

Result<Verified, Error> Verify(const AuthHeaders& h, std::string_view secret,
                               const http::Request& request, int64_t now_ms) {
  std::string path = request.path;
  if (!request.query.empty()) path += "?" + request.query;
  std::string expected =
      Signature(secret, request.method, path, h.salt, h.timestamp, h.access_key, request.body);
  if (!crypto::ConstantTimeEquals(Normalized(expected), Normalized(h.signature))) {
    return Err(BadSignature());
  }
  int64_t skew = now_ms / 1000 - h.timestamp_s;
  if (skew > kMaxClockSkewS || skew < -kMaxClockSkewS) return Err(StaleTimestamp());
  return Verified{};
}

}  // namespace refundd::dialects::rapyd
