#pragma once
// Stripe's webhook signature scheme, which the native dialect uses as Stripe does (so Stripe's
// own libraries verify refundd's webhooks) and UTGL's format borrows:
//   Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>[,v1=...]
// with one v1 per secret still valid (several while a secret is rotated). Pure.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace refundd::webhooks {

// "t=<t>,v1=<sig1>,v1=<sig2>...": one v1 per secret, in the given order.
std::string TimestampedSignature(int64_t t, std::string_view body,
                                 const std::vector<std::string>& secrets);

// Verifies a header of that shape against `secret` (for tests and tools): the timestamp must be
// within `tolerance_s` of `now_s`, and one v1 must match.
bool VerifyTimestampedSignature(std::string_view header, std::string_view body,
                                std::string_view secret, int64_t now_s, int64_t tolerance_s);

}  // namespace refundd::webhooks
