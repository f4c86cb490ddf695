#pragma once
// Payments and refunds as netstrings (base/netstring.h): how a value of the core is kept whole
// where it must be read back exactly as it was (an idempotent replay's outcome, an event's
// change). Decoding treats the text as input: a snapshot that does not decode, names an unknown
// currency or status, or breaks the money invariant is an error (the caller reports corruption),
// never a crash.

#include <string>
#include <string_view>

#include "base/netstring.h"
#include "base/result.h"
#include "core/payment.h"
#include "core/refund.h"

namespace refundd::core {

void WritePayment(NetstringWriter& w, const Payment& payment);
void WriteRefund(NetstringWriter& w, const Refund& refund);
// false when the next fields are not a valid payment (refund); `out` is then unspecified.
bool ReadPayment(NetstringReader& r, Payment& out);
bool ReadRefund(NetstringReader& r, Refund& out);

std::string EncodePayment(const Payment& payment);
std::string EncodeRefund(const Refund& refund);
Result<Payment, std::string> DecodePayment(std::string_view text);
Result<Refund, std::string> DecodeRefund(std::string_view text);

}  // namespace refundd::core
