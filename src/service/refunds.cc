#include "service/refunds.h"

#include "service/lifecycle.h"

namespace refundd::service {

UseCaseResult<RefundAndPayment> CreateRefund(store::WriteTx& tx, const NewRefund& input,
                                             int64_t now_ms) {
  auto loaded = tx.LoadPaymentForUpdate(input.merchant_id, input.payment_id);
  if (!loaded.ok()) return Err(UseCaseError::Store(loaded.error()));
  if (!loaded.value() || (input.visible && !input.visible(*loaded.value()))) {
    return Err(UseCaseError::NotFound("payment"));
  }
  core::Payment payment = std::move(*loaded.value());

  auto plan = core::DecideRefund(payment, input.request);
  if (!plan.ok()) {
    return Err(UseCaseError::Refused(plan.error(),
                                     std::make_shared<const core::Payment>(std::move(payment))));
  }
  core::Refund refund;
  refund.id = input.refund_id;
  refund.merchant_id = input.merchant_id;
  refund.payment_id = payment.id;
  refund.dialect = input.dialect;
  refund.currency = payment.currency;
  refund.amount_minor = plan.value().amount_minor;
  refund.parts = plan.value().parts;
  refund.status = input.initial_status;
  refund.reason = input.reason;
  refund.metadata = input.metadata;
  refund.created_ms = now_ms;
  refund.updated_ms = now_ms;
  refund.attrs = input.attrs;

  // Under the lifecycle the processor decides how the refund starts (lifecycle.h); a synchronous
  // decline is created and failed at once, so its hold is released in the same transaction.
  if (LifecycleTx* ltx = LifecycleTx::Of(tx)) {
    Lifecycle::Decision decision = ltx->lifecycle().DecideNew(payment, refund, now_ms);
    refund.status = decision.status;
    refund.failure_reason = decision.failure_reason;
    ltx->Schedule(refund.merchant_id, refund.id, std::move(decision.action));
  }
  const bool declined = refund.status == core::RefundStatus::kFailed;
  core::ApplyNewRefund(payment, plan.value(),
                       declined ? core::RefundStatus::kPending : refund.status, now_ms);
  if (declined) {
    refund.status = core::RefundStatus::kPending;
    CHECK(core::TransitionRefund(payment, refund, core::RefundStatus::kFailed, now_ms).ok());
  }

  auto inserted = tx.InsertRefund(refund);
  if (!inserted.ok()) return Err(UseCaseError::Store(inserted.error()));
  auto saved = tx.UpdatePayment(payment);
  if (!saved.ok()) return Err(UseCaseError::Store(saved.error()));
  CHECK(saved.value());
  return RefundAndPayment{std::move(refund), std::move(payment)};
}

UseCaseResult<RefundAndPayment> TransitionRefund(store::WriteTx& tx,
                                                 const std::string& merchant_id,
                                                 const std::string& refund_id,
                                                 core::RefundStatus to,
                                                 const std::string& failure_reason,
                                                 int64_t now_ms) {
  auto refund = tx.LoadRefund(merchant_id, refund_id);
  if (!refund.ok()) return Err(UseCaseError::Store(refund.error()));
  if (!refund.value()) return Err(UseCaseError::NotFound("refund"));
  auto payment = tx.LoadPaymentForUpdate(merchant_id, refund.value()->payment_id);
  if (!payment.ok()) return Err(UseCaseError::Store(payment.error()));
  CHECK(payment.value().has_value());  // refunds reference their payment (foreign key)
  RefundAndPayment out{std::move(*refund.value()), std::move(*payment.value())};

  auto moved = core::TransitionRefund(out.payment, out.refund, to, now_ms);
  if (!moved.ok()) return Err(UseCaseError::Refused(moved.error()));
  if (to == core::RefundStatus::kFailed) out.refund.failure_reason = failure_reason;
  auto r1 = tx.UpdateRefund(out.refund);
  if (!r1.ok()) return Err(UseCaseError::Store(r1.error()));
  auto r2 = tx.UpdatePayment(out.payment);
  if (!r2.ok()) return Err(UseCaseError::Store(r2.error()));
  return out;
}

UseCaseResult<core::Refund> UpdateRefundMetadata(store::WriteTx& tx,
                                                 const std::string& merchant_id,
                                                 const std::string& refund_id,
                                                 const core::Metadata& patch, int64_t now_ms) {
  auto loaded = tx.LoadRefund(merchant_id, refund_id);
  if (!loaded.ok()) return Err(UseCaseError::Store(loaded.error()));
  if (!loaded.value()) return Err(UseCaseError::NotFound("refund"));
  core::Refund refund = std::move(*loaded.value());
  for (const auto& [k, v] : patch) {
    if (v.empty()) {
      refund.metadata.erase(k);
    } else {
      refund.metadata[k] = v;
    }
  }
  refund.updated_ms = now_ms;
  auto saved = tx.UpdateRefund(refund);
  if (!saved.ok()) return Err(UseCaseError::Store(saved.error()));
  return refund;
}

}  // namespace refundd::service
