#include "service/payments.h"

#include "core/rules.h"

namespace refundd::service {

namespace {
UseCaseResult<core::Payment> Load(store::WriteTx& tx, const std::string& merchant_id,
                                  const std::string& payment_id) {
  auto loaded = tx.LoadPaymentForUpdate(merchant_id, payment_id);
  if (!loaded.ok()) return Err(UseCaseError::Store(loaded.error()));
  if (!loaded.value()) return Err(UseCaseError::NotFound("payment"));
  return std::move(*loaded.value());
}

UseCaseResult<core::Payment> Save(store::WriteTx& tx, core::Payment payment) {
  auto saved = tx.UpdatePayment(payment);
  if (!saved.ok()) return Err(UseCaseError::Store(saved.error()));
  CHECK(saved.value());  // loaded in this same transaction
  return payment;
}

template <typename Rule>
UseCaseResult<core::Payment> Change(store::WriteTx& tx, const std::string& merchant_id,
                                    const std::string& payment_id, Rule rule) {
  auto payment = Load(tx, merchant_id, payment_id);
  if (!payment.ok()) return payment;
  auto decided = rule(payment.value());
  if (!decided.ok()) return Err(UseCaseError::Refused(decided.error()));
  return Save(tx, std::move(payment).value());
}
}  // namespace

UseCaseResult<core::Payment> CreatePayment(store::WriteTx& tx, core::Payment payment) {
  CHECK(payment.Consistent());
  auto inserted = tx.InsertPayment(payment);
  if (!inserted.ok()) return Err(UseCaseError::Store(inserted.error()));
  return payment;
}

UseCaseResult<core::Payment> ConfirmPayment(store::WriteTx& tx, const std::string& merchant_id,
                                            const std::string& payment_id, bool capture_now,
                                            const std::string& payment_method, int64_t now_ms) {
  return Change(tx, merchant_id, payment_id, [&](core::Payment& p) {
    auto r = core::ConfirmPayment(p, capture_now, now_ms);
    if (r.ok() && !payment_method.empty()) p.payment_method = payment_method;
    return r;
  });
}

UseCaseResult<core::Payment> CapturePayment(store::WriteTx& tx, const std::string& merchant_id,
                                            const std::string& payment_id,
                                            std::optional<int64_t> amount_minor, int64_t now_ms) {
  return Change(tx, merchant_id, payment_id, [&](core::Payment& p) {
    return core::CapturePayment(p, amount_minor, now_ms);
  });
}

UseCaseResult<core::Payment> VoidPayment(store::WriteTx& tx, const std::string& merchant_id,
                                         const std::string& payment_id,
                                         const std::string& reason, int64_t now_ms) {
  return Change(tx, merchant_id, payment_id, [&](core::Payment& p) {
    auto r = core::VoidPayment(p, now_ms);
    if (r.ok()) p.cancellation_reason = reason;
    return r;
  });
}

}  // namespace refundd::service
