#include "core/rules.h"

#include "core/money.h"

namespace refundd::core {

bool ValidPartName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool Payment::Consistent() const {
  auto holds = [](int64_t amount, int64_t captured, int64_t refunded, int64_t pending) {
    return refunded >= 0 && pending >= 0 && captured >= 0 && refunded + pending <= captured &&
           captured <= amount;
  };
  if (!holds(amount_minor, captured_minor, refunded_minor, pending_minor)) return false;
  if (parts.empty()) return true;
  int64_t amount = 0, captured = 0, refunded = 0, pending = 0;
  for (const Part& p : parts) {
    if (!holds(p.amount_minor, p.captured_minor, p.refunded_minor, p.pending_minor)) return false;
    amount += p.amount_minor;
    captured += p.captured_minor;
    refunded += p.refunded_minor;
    pending += p.pending_minor;
  }
  return amount == amount_minor && captured == captured_minor && refunded == refunded_minor &&
         pending == pending_minor;
}

Result<Unit, Refusal> ConfirmPayment(Payment& payment, bool capture_now, int64_t now_ms) {
  if (payment.status != PaymentStatus::kOpen) return Err(Refusal::kPaymentNotConfirmable);
  payment.status = capture_now ? PaymentStatus::kCaptured : PaymentStatus::kAuthorized;
  if (capture_now) {
    payment.captured_minor = payment.amount_minor;
    for (Part& part : payment.parts) part.captured_minor = part.amount_minor;
  }
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
  if (!payment.parts.empty()) {
    // A partial capture takes from each part in proportion to its authorized amount.
    std::vector<int64_t> weights;
    for (const Part& part : payment.parts) weights.push_back(part.amount_minor);
    std::vector<int64_t> shares = SplitProportionally(amount, weights);
    for (std::size_t i = 0; i < shares.size(); ++i) payment.parts[i].captured_minor = shares[i];
  }
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

namespace {
Part* FindPart(Payment& payment, std::string_view name) {
  for (Part& part : payment.parts) {
    if (part.name == name) return &part;
  }
  return nullptr;
}
const Part* FindPart(const Payment& payment, std::string_view name) {
  return FindPart(const_cast<Payment&>(payment), name);
}

// Checks requested parts against the payment's and returns their sum.
Result<int64_t, Refusal> CheckParts(const Payment& payment, const std::vector<PartAmount>& parts) {
  int64_t sum = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const PartAmount& want = parts[i];
    const Part* have = FindPart(payment, want.name);
    if (!have) return Err(Refusal::kUnknownPart);
    for (std::size_t j = 0; j < i; ++j) {
      if (parts[j].name == want.name) return Err(Refusal::kUnknownPart);  // named twice
    }
    if (want.amount_minor < 0) return Err(Refusal::kAmountNotPositive);
    if (want.amount_minor > have->RefundableMinor()) return Err(Refusal::kPartExceedsRefundable);
    sum += want.amount_minor;
  }
  return sum;
}
}  // namespace

Result<RefundPlan, Refusal> DecideRefund(const Payment& payment, const RefundRequest& request) {
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
  const int64_t refundable = payment.RefundableMinor();
  if (refundable <= 0) return Err(Refusal::kFullyRefunded);

  RefundPlan plan;
  if (!request.parts.empty()) {
    auto sum = CheckParts(payment, request.parts);
    if (!sum.ok()) return Err(sum.error());
    if (request.amount_minor && *request.amount_minor != sum.value()) {
      return Err(Refusal::kPartsDoNotAddUp);
    }
    if (sum.value() <= 0) return Err(Refusal::kAmountNotPositive);
    plan.amount_minor = sum.value();
    for (const PartAmount& p : request.parts) {
      if (p.amount_minor > 0) plan.parts.push_back(p);
    }
  } else {
    plan.amount_minor = request.amount_minor.value_or(refundable);
  }
  if (plan.amount_minor > refundable) return Err(Refusal::kAmountExceedsRefundable);

  if (request.parts.empty() && !payment.parts.empty()) {
    std::vector<int64_t> weights;
    for (const Part& part : payment.parts) weights.push_back(part.RefundableMinor());
    std::vector<int64_t> shares = SplitProportionally(plan.amount_minor, weights);
    for (std::size_t i = 0; i < shares.size(); ++i) {
      // Shares never exceed a part's refundable: each is at most ceil(amount * w / sum) <= w.
      CHECK(shares[i] <= payment.parts[i].RefundableMinor());
      if (shares[i] > 0) plan.parts.push_back({payment.parts[i].name, shares[i]});
    }
  }
  return plan;
}

void ApplyNewRefund(Payment& payment, const RefundPlan& plan, RefundStatus status,
                    int64_t now_ms) {
  CHECK(plan.amount_minor > 0 && plan.amount_minor <= payment.RefundableMinor());
  CHECK(status == RefundStatus::kPending || status == RefundStatus::kSucceeded);
  const bool pending = status == RefundStatus::kPending;
  (pending ? payment.pending_minor : payment.refunded_minor) += plan.amount_minor;
  for (const PartAmount& p : plan.parts) {
    Part* part = FindPart(payment, p.name);
    CHECK(part != nullptr);
    (pending ? part->pending_minor : part->refunded_minor) += p.amount_minor;
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
  // Moves `amount` between held and refunded, for the payment and for each of its parts.
  auto move = [&](int64_t& pending, int64_t& refunded, int64_t amount) {
    if (refund.status == RefundStatus::kPending) {
      CHECK(pending >= amount);
      pending -= amount;
      if (to == RefundStatus::kSucceeded) refunded += amount;
    } else {  // succeeded -> failed
      CHECK(refunded >= amount);
      refunded -= amount;
    }
  };
  move(payment.pending_minor, payment.refunded_minor, refund.amount_minor);
  for (const PartAmount& p : refund.parts) {
    Part* part = FindPart(payment, p.name);
    CHECK(part != nullptr);
    move(part->pending_minor, part->refunded_minor, p.amount_minor);
  }
  refund.status = to;
  refund.updated_ms = now_ms;
  payment.updated_ms = now_ms;
  CHECK(payment.Consistent());
  return Unit{};
}

}  // namespace refundd::core
