#pragma once
// The decisions of the core: pure functions from state + request to a new state or a Refusal.
// No I/O, no clock reads (times come in as arguments). Each Apply* CHECKs the payment invariant
// afterwards: a broken invariant is a bug in refundd, never bad input.

#include <cstdint>
#include <optional>

#include "base/result.h"
#include "core/payment.h"
#include "core/refund.h"
#include "core/refusal.h"

namespace refundd::core {

struct Unit {};

// --- payments ---
// Authorizes an open payment (confirm); with capture_now it is captured in full at once.
Result<Unit, Refusal> ConfirmPayment(Payment& payment, bool capture_now, int64_t now_ms);
// Captures `amount_minor` (nullopt: the whole authorized amount) of an authorized payment. As with
// card networks, a partial capture releases the rest of the authorization.
Result<Unit, Refusal> CapturePayment(Payment& payment, std::optional<int64_t> amount_minor,
                                     int64_t now_ms);
// Voids an open or authorized payment.
Result<Unit, Refusal> VoidPayment(Payment& payment, int64_t now_ms);

// --- refunds ---
struct RefundRequest {
  std::optional<int64_t> amount_minor;  // nullopt: everything still refundable (or the parts' sum)
  std::optional<Currency> currency;     // nullopt: the payment's
  std::vector<PartAmount> parts;        // empty: the core allocates over the payment's parts
};

// What a new refund takes: its amount and, for a payment with parts, how it falls on them.
struct RefundPlan {
  int64_t amount_minor = 0;
  std::vector<PartAmount> parts;
};

// Decides a new refund against `payment`. Checks, in this order: state (voided, not captured),
// currency, amount (positive, bounded), fully refunded, parts (known, within each part's
// refundable, adding up to the amount), exceeds refundable. A request without parts on a payment
// with parts is allocated over the parts in proportion to what each still has
// (SplitProportionally), so a full refund takes exactly what each part has left.
Result<RefundPlan, Refusal> DecideRefund(const Payment& payment, const RefundRequest& request);

// Records a new refund (from DecideRefund) in `status` kPending or kSucceeded: pending holds the
// amount, succeeded counts it as refunded; the same for each part.
void ApplyNewRefund(Payment& payment, const RefundPlan& plan, RefundStatus status,
                    int64_t now_ms);

// The one transition table. Moves `refund` to `to` and updates the payment's held and refunded
// amounts: pending->succeeded moves the hold to refunded; pending->failed|canceled releases the
// hold; succeeded->failed gives the refunded amount back to refundable.
bool TransitionAllowed(RefundStatus from, RefundStatus to);
Result<Unit, Refusal> TransitionRefund(Payment& payment, Refund& refund, RefundStatus to,
                                       int64_t now_ms);

}  // namespace refundd::core
