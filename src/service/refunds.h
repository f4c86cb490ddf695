#pragma once
// Use cases on refunds, run inside a write transaction (see Engine::Write). The money invariant
// (succeeded + pending <= captured) is checked and written in the same transaction as the refund.

#include <functional>
#include <optional>
#include <string>

#include "core/payment.h"
#include "core/refund.h"
#include "core/rules.h"
#include "service/errors.h"
#include "store/store.h"

namespace refundd::service {

// These use cases predate commands (service/command.h), whose operations carry the same names;
// they go once the last caller has moved to commands.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"

struct NewRefund {
  std::string merchant_id;
  std::string payment_id;
  std::string refund_id;  // chosen by the dialect (re_..., its own id shape)
  std::string dialect;
  core::RefundRequest request;
  std::string reason;
  core::Metadata metadata;
  std::string attrs;
  // Whether this caller may see the payment (its dialect, its own conditions); a payment it may
  // not see is answered as not found. Empty: every payment of the merchant is visible.
  std::function<bool(const core::Payment&)> visible;
  // The state the refund starts in when the write runs without the lifecycle (plain
  // transactions: tests, tools). Under a LifecycleTx (service/lifecycle.h) the processor decides.
  core::RefundStatus initial_status = core::RefundStatus::kSucceeded;
};

struct RefundAndPayment {
  core::Refund refund;
  core::Payment payment;  // after the refund was applied
};

UseCaseResult<RefundAndPayment> CreateRefund(store::WriteTx& tx, const NewRefund& input,
                                             int64_t now_ms);

// Moves a refund through the transition table (cancel, succeed, fail).
UseCaseResult<RefundAndPayment> TransitionRefund(store::WriteTx& tx,
                                                 const std::string& merchant_id,
                                                 const std::string& refund_id,
                                                 core::RefundStatus to,
                                                 const std::string& failure_reason,
                                                 int64_t now_ms);

// Merges `patch` into the refund's metadata; an empty value removes the key.
UseCaseResult<core::Refund> UpdateRefundMetadata(store::WriteTx& tx,
                                                 const std::string& merchant_id,
                                                 const std::string& refund_id,
                                                 const core::Metadata& patch, int64_t now_ms);

#pragma GCC diagnostic pop

}  // namespace refundd::service
