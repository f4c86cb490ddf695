#include "webhooks/signature.h"

#include "crypto/crypto.h"

namespace refundd::webhooks {

std::string TimestampedSignature(int64_t t, std::string_view body,
                                 const std::vector<std::string>& secrets) {
  const std::string ts = std::to_string(t);
  std::string signed_payload;
  signed_payload.reserve(ts.size() + 1 + body.size());
  signed_payload.append(ts).append(".").append(body);
  std::string header = "t=" + ts;
  for (const std::string& secret : secrets) {
    header += ",v1=" + crypto::HmacSha256Hex(secret, signed_payload);
  }
  return header;
}

bool VerifyTimestampedSignature(std::string_view header, std::string_view body,
                                std::string_view secret, int64_t now_s, int64_t tolerance_s) {
  std::string t;
  std::vector<std::string_view> v1;
  while (!header.empty()) {
    const std::size_t comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = item.substr(0, eq), value = item.substr(eq + 1);
    if (key == "t") t = std::string(value);
    if (key == "v1") v1.push_back(value);
  }
  if (t.empty() || t.size() > 18 || t.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  const int64_t ts = std::stoll(t);
  if (ts < now_s - tolerance_s || ts > now_s + tolerance_s) return false;
  const std::string expected = crypto::HmacSha256Hex(secret, t + "." + std::string(body));
  for (std::string_view candidate : v1) {
    if (crypto::ConstantTimeEquals(candidate, expected)) return true;
  }
  return false;
}

}  // namespace refundd::webhooks
