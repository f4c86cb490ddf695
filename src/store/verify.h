#pragma once
// The audit behind `refundd verify`: a payment's stored totals recomputed from its refunds.
// Pure (no I/O); VerifyAll pages through Store::ScanPayments.
//
// A payment's refunded_minor must equal the sum of its succeeded refunds and its pending_minor the
// sum of its pending ones (failed and canceled refunds hold nothing), and together they must not
// exceed what was captured; the same for each named part, counting each refund's parts.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "store/store.h"

namespace refundd::store {

struct PaymentProblem {
  std::string merchant_id;
  std::string payment_id;
  std::string what;  // e.g. "refunded_minor 300 != sum of succeeded refunds 200"
};

// The problems of one payment; empty when its totals agree with its refunds.
std::vector<PaymentProblem> CheckPayment(const PaymentWithRefunds& item);

struct VerifySummary {
  int64_t payments = 0;
  int64_t refunds = 0;
  int64_t problems = 0;
};

// Checks every payment in the store, then looks for refunds without their payment (the first
// 1,000 are reported), calling on_problem for each problem found.
StoreResult<VerifySummary> VerifyAll(Store& store,
                                     const std::function<void(const PaymentProblem&)>& on_problem);

}  // namespace refundd::store
