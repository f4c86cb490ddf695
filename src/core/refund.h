#pragma once
// A refund and its states. Transitions go through one table (refund_rules.h):
//   pending -> succeeded | failed | canceled;  succeeded -> failed (a late failure).

#include <cstdint>
#include <string>

#include "core/currency.h"
#include "core/payment.h"

namespace refundd::core {

enum class RefundStatus { kPending, kSucceeded, kFailed, kCanceled };
std::string_view RefundStatusName(RefundStatus status);
bool ParseRefundStatus(std::string_view name, RefundStatus& out);

struct Refund {
  std::string id;  // re_... (or the creating dialect's id): unique
  std::string merchant_id;
  std::string payment_id;
  std::string dialect;
  Currency currency{"USD", 2};
  int64_t amount_minor = 0;
  RefundStatus status = RefundStatus::kPending;
  std::string reason;  // free text or the dialect's enum value; "" when none
  Metadata metadata;
  std::string failure_reason;  // set when failed
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  std::string attrs;  // dialect-owned opaque text (JSON), never read by the core
  std::vector<PartAmount> parts;  // how the amount falls on the payment's parts; empty if none
};

}  // namespace refundd::core
