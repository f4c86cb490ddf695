#include "core/payment.h"
#include "core/refund.h"
#include "core/refusal.h"

namespace refundd::core {

std::string_view PaymentStatusName(PaymentStatus status) {
  switch (status) {
    case PaymentStatus::kOpen:
      return "open";
    case PaymentStatus::kAuthorized:
      return "authorized";
    case PaymentStatus::kCaptured:
      return "captured";
    case PaymentStatus::kVoided:
      return "voided";
  }
  return "unknown";
}

bool ParsePaymentStatus(std::string_view name, PaymentStatus& out) {
  for (PaymentStatus s : {PaymentStatus::kOpen, PaymentStatus::kAuthorized,
                          PaymentStatus::kCaptured, PaymentStatus::kVoided}) {
    if (PaymentStatusName(s) == name) {
      out = s;
      return true;
    }
  }
  return false;
}

std::string_view RefundStatusName(RefundStatus status) {
  switch (status) {
    case RefundStatus::kPending:
      return "pending";
    case RefundStatus::kSucceeded:
      return "succeeded";
    case RefundStatus::kFailed:
      return "failed";
    case RefundStatus::kCanceled:
      return "canceled";
  }
  return "unknown";
}

bool ParseRefundStatus(std::string_view name, RefundStatus& out) {
  for (RefundStatus s : {RefundStatus::kPending, RefundStatus::kSucceeded, RefundStatus::kFailed,
                         RefundStatus::kCanceled}) {
    if (RefundStatusName(s) == name) {
      out = s;
      return true;
    }
  }
  return false;
}

std::string_view RefusalName(Refusal refusal) {
  switch (refusal) {
    case Refusal::kAmountNotPositive:
      return "amount_not_positive";
    case Refusal::kAmountTooLarge:
      return "amount_too_large";
    case Refusal::kCurrencyMismatch:
      return "currency_mismatch";
    case Refusal::kPaymentNotCaptured:
      return "payment_not_captured";
    case Refusal::kPaymentVoided:
      return "payment_voided";
    case Refusal::kAmountExceedsRefundable:
      return "amount_exceeds_refundable";
    case Refusal::kFullyRefunded:
      return "fully_refunded";
    case Refusal::kPaymentNotCapturable:
      return "payment_not_capturable";
    case Refusal::kCaptureExceedsAuthorized:
      return "capture_exceeds_authorized";
    case Refusal::kPaymentNotVoidable:
      return "payment_not_voidable";
    case Refusal::kPaymentNotConfirmable:
      return "payment_not_confirmable";
    case Refusal::kRefundNotCancelable:
      return "refund_not_cancelable";
    case Refusal::kRefundTransitionInvalid:
      return "refund_transition_invalid";
    case Refusal::kUnknownPart:
      return "unknown_part";
    case Refusal::kPartExceedsRefundable:
      return "part_exceeds_refundable";
    case Refusal::kPartsDoNotAddUp:
      return "parts_do_not_add_up";
  }
  return "unknown";
}

}  // namespace refundd::core
