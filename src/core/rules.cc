#include "core/rules.h"

#include "core/money.h"

namespace refundd::core {

Result<Unit, Refusal> ConfirmPayment(Payment& payment, bool capture_now, int64_t now_ms) {
  if (payment.status != PaymentStatus::kOpen) return Err(Refusal::kPaymentNotConfirmable);
  payment.status = capture_now ? PaymentStatus::kCaptured : PaymentStatus::kAuthorized;
  if (capture_now) payment.captured_minor = payment.amount_minor;
  payment.updated_ms = now_ms;
  CHECK(payment.Consistent());
  return Unit{};
}

Result<Unit, Refusal> CapturePayment(Payment& payment, std::optional<int64_t> amount_minor,
                                     int64_t now_ms) {
  if (payment.status != PaymentStatus::kAuthorized) return Err(Refusal::kPaymentNotCapturable);
  int64_t amount = amount_minor.value_or(payment.amount_minor);
  if (amount <= 0) return Err(Refusal::kAmountNotPositive);
  if (amount > payment.amount_minor) return Err(Refusal::kCaptureExceedsAuthorized);
  payment.captured_minor = amount;
  payment.status = PaymentStatus::kCaptured;
  payment.updated_ms = now_ms;
  CHECK(payment.Consistent());
  return Unit{};
}

Result<Unit, Refusal> VoidPayment(Payment& payment, int64_t now_ms) {
  if (payment.status != PaymentStatus::kOpen && payment.status != PaymentStatus::kAuthorized) {
    return Err(Refusal::kPaymentNotVoidable);
  }
  payment.status = PaymentStatus::kVoided;
  payment.canceled_ms = now_ms;
  payment.updated_ms = now_ms;
  CHECK(payment.Consistent());
  return Unit{};
}

Result<int64_t, Refusal> DecideRefund(const Payment& payment, const RefundRequest& request) {
  switch (payment.status) {
    case PaymentStatus::kVoided:
      return Err(Refusal::kPaymentVoided);
    case PaymentStatus::kOpen:
    case PaymentStatus::kAuthorized:
      return Err(Refusal::kPaymentNotCaptured);
    case PaymentStatus::kCaptured:
      break;
  }
  if (request.currency && !(*request.currency == payment.currency)) {
    return Err(Refusal::kCurrencyMismatch);
  }
  if (request.amount_minor) {
    if (*request.amount_minor <= 0) return Err(Refusal::kAmountNotPositive);
    if (*request.amount_minor > kMaxAmountMinor) return Err(Refusal::kAmountTooLarge);
  }
  int64_t refundable = payment.RefundableMinor();
  if (refundable <= 0) return Err(Refusal::kFullyRefunded);
  int64_t amount = request.amount_minor.value_or(refundable);
  if (amount > refundable) return Err(Refusal::kAmountExceedsRefundable);
  return amount;
}

void ApplyNewRefund(Payment& payment, int64_t amount_minor, RefundStatus status, int64_t now_ms) {
  CHECK(amount_minor > 0 && amount_minor <= payment.RefundableMinor());
  CHECK(status == RefundStatus::kPending || status == RefundStatus::kSucceeded);
  if (status == RefundStatus::kPending) {
    payment.pending_minor += amount_minor;
  } else {
    payment.refunded_minor += amount_minor;
  }
  payment.updated_ms = now_ms;
  CHECK(payment.Consistent());
}

bool TransitionAllowed(RefundStatus from, RefundStatus to) {
  switch (from) {
    case RefundStatus::kPending:
      return to == RefundStatus::kSucceeded || to == RefundStatus::kFailed ||
             to == RefundStatus::kCanceled;
    case RefundStatus::kSucceeded:
      return to == RefundStatus::kFailed;
    case RefundStatus::kFailed:
    case RefundStatus::kCanceled:
      return false;
  }
  return false;
}

Result<Unit, Refusal> TransitionRefund(Payment& payment, Refund& refund, RefundStatus to,
                                       int64_t now_ms) {
  CHECK(refund.payment_id == payment.id);
  if (!TransitionAllowed(refund.status, to)) {
    if (to == RefundStatus::kCanceled) return Err(Refusal::kRefundNotCancelable);
    return Err(Refusal::kRefundTransitionInvalid);
  }
  int64_t amount = refund.amount_minor;
  if (refund.status == RefundStatus::kPending) {
    CHECK(payment.pending_minor >= amount);
    payment.pending_minor -= amount;
    if (to == RefundStatus::kSucceeded) payment.refunded_minor += amount;
  } else {  // succeeded -> failed
    CHECK(payment.refunded_minor >= amount);
    payment.refunded_minor -= amount;
  }
  refund.status = to;
  refund.updated_ms = now_ms;
  payment.updated_ms = now_ms;
  CHECK(payment.Consistent());
  return Unit{};
}

}  // namespace refundd::core
