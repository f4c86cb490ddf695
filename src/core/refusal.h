#pragma once
// Every way the core says no. Each dialect maps each refusal to its provider's code in one table
// (a switch without default, so adding a refusal here makes the compiler list every place to update).

#include <string_view>

namespace refundd::core {

enum class Refusal {
  kAmountNotPositive,        // amount <= 0
  kAmountTooLarge,           // above kMaxAmountMinor
  kCurrencyMismatch,         // request currency differs from the payment's
  kPaymentNotCaptured,       // open or authorized: nothing to refund yet
  kPaymentVoided,            // canceled before capture
  kAmountExceedsRefundable,  // more than captured - refunded - pending
  kFullyRefunded,            // nothing left to refund at all
  kPaymentNotCapturable,     // capture of a payment that is not authorized
  kCaptureExceedsAuthorized, // capture amount above the authorized amount
  kPaymentNotVoidable,       // void of a captured or already voided payment
  kPaymentNotConfirmable,    // confirm of a payment that is not open
  kRefundNotCancelable,      // cancel of a refund that is not pending
  kRefundTransitionInvalid,  // any other transition not in the table
  kUnknownPart,              // a refund names a part the payment does not have
  kPartExceedsRefundable,    // a part's amount is above what that part still has
  kPartsDoNotAddUp,          // the parts of a refund do not sum to its amount
};

std::string_view RefusalName(Refusal refusal);

}  // namespace refundd::core
