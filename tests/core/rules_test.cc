// Proves the core's money rules: what a refund may take, every named refusal, the one transition
// table, and that succeeded + pending never exceeds captured under any sequence of steps.
#include "core/rules.h"

#include <gtest/gtest.h>

#include <random>

#include "core/idempotency.h"
#include "core/money.h"

namespace refundd::core {
namespace {

Payment Captured(int64_t amount) {
  Payment p;
  p.id = "pi_1";
  p.currency = *FindCurrency("USD");
  p.amount_minor = amount;
  p.status = PaymentStatus::kOpen;
  EXPECT_TRUE(ConfirmPayment(p, true, 0).ok());
  return p;
}

Refund RefundOf(const Payment& p, int64_t amount, RefundStatus status) {
  Refund r;
  r.id = "re_1";
  r.payment_id = p.id;
  r.amount_minor = amount;
  r.status = status;
  return r;
}

TEST(RefundDecision, DefaultsToEverythingThatRemains) {
  Payment p = Captured(1000);
  EXPECT_EQ(DecideRefund(p, {}).value().amount_minor, 1000);
  ApplyNewRefund(p, RefundPlan{300, {}}, RefundStatus::kSucceeded, 1);
  ApplyNewRefund(p, RefundPlan{200, {}}, RefundStatus::kPending, 1);
  EXPECT_EQ(DecideRefund(p, {}).value().amount_minor, 500);
}

TEST(RefundDecision, EachRefusalHasItsName) {
  Payment captured = Captured(1000);
  Payment open = captured;
  open.status = PaymentStatus::kOpen;
  open.captured_minor = 0;
  Payment authorized = open;
  authorized.status = PaymentStatus::kAuthorized;
  Payment voided = open;
  voided.status = PaymentStatus::kVoided;
  Payment exhausted = captured;
  ApplyNewRefund(exhausted, RefundPlan{1000, {}}, RefundStatus::kSucceeded, 1);
  Payment held = captured;
  ApplyNewRefund(held, RefundPlan{1000, {}}, RefundStatus::kPending, 1);
  const Currency eur = *FindCurrency("EUR");

  struct Row {
    const char* name;
    const Payment& payment;
    RefundRequest request;
    Refusal refusal;
  } rows[] = {
      {"voided", voided, {}, Refusal::kPaymentVoided},
      {"open", open, {}, Refusal::kPaymentNotCaptured},
      {"authorized", authorized, {100, std::nullopt, {}}, Refusal::kPaymentNotCaptured},
      {"currency", captured, {100, eur, {}}, Refusal::kCurrencyMismatch},
      {"zero", captured, {0, std::nullopt, {}}, Refusal::kAmountNotPositive},
      {"negative", captured, {-1, std::nullopt, {}}, Refusal::kAmountNotPositive},
      {"huge", captured, {kMaxAmountMinor + 1, std::nullopt, {}}, Refusal::kAmountTooLarge},
      {"over", captured, {1001, std::nullopt, {}}, Refusal::kAmountExceedsRefundable},
      {"exhausted", exhausted, {1, std::nullopt, {}}, Refusal::kFullyRefunded},
      {"exhausted default", exhausted, {}, Refusal::kFullyRefunded},
      {"held by pending", held, {1, std::nullopt, {}}, Refusal::kFullyRefunded},
  };
  for (const Row& r : rows) {
    auto decided = DecideRefund(r.payment, r.request);
    ASSERT_FALSE(decided.ok()) << r.name;
    EXPECT_EQ(decided.error(), r.refusal) << r.name;
  }
}

TEST(RefundDecision, OverRefundIsRefusedByOneMinorUnit) {
  Payment p = Captured(1000);
  ApplyNewRefund(p, RefundPlan{999, {}}, RefundStatus::kSucceeded, 1);
  EXPECT_EQ(DecideRefund(p, {2, std::nullopt, {}}).error(), Refusal::kAmountExceedsRefundable);
  EXPECT_EQ(DecideRefund(p, {1, std::nullopt, {}}).value().amount_minor, 1);
}

TEST(RefundTransitions, FollowTheOneTable) {
  struct Row {
    RefundStatus from, to;
    bool allowed;
  } rows[] = {
      {RefundStatus::kPending, RefundStatus::kSucceeded, true},
      {RefundStatus::kPending, RefundStatus::kFailed, true},
      {RefundStatus::kPending, RefundStatus::kCanceled, true},
      {RefundStatus::kPending, RefundStatus::kPending, false},
      {RefundStatus::kSucceeded, RefundStatus::kFailed, true},
      {RefundStatus::kSucceeded, RefundStatus::kCanceled, false},
      {RefundStatus::kSucceeded, RefundStatus::kPending, false},
      {RefundStatus::kFailed, RefundStatus::kSucceeded, false},
      {RefundStatus::kCanceled, RefundStatus::kSucceeded, false},
      {RefundStatus::kCanceled, RefundStatus::kFailed, false},
  };
  for (const Row& r : rows) {
    EXPECT_EQ(TransitionAllowed(r.from, r.to), r.allowed)
        << RefundStatusName(r.from) << "->" << RefundStatusName(r.to);
  }
}

TEST(RefundTransitions, PendingHoldsAndFailureReleases) {
  struct Row {
    RefundStatus first, to;
    int64_t refunded, pending, refundable;
  } rows[] = {
      {RefundStatus::kPending, RefundStatus::kSucceeded, 400, 0, 600},
      {RefundStatus::kPending, RefundStatus::kFailed, 0, 0, 1000},
      {RefundStatus::kPending, RefundStatus::kCanceled, 0, 0, 1000},
      {RefundStatus::kSucceeded, RefundStatus::kFailed, 0, 0, 1000},  // late failure
  };
  for (const Row& r : rows) {
    Payment p = Captured(1000);
    ApplyNewRefund(p, RefundPlan{400, {}}, r.first, 1);
    Refund refund = RefundOf(p, 400, r.first);
    ASSERT_TRUE(TransitionRefund(p, refund, r.to, 2).ok());
    EXPECT_EQ(refund.status, r.to);
    EXPECT_EQ(p.refunded_minor, r.refunded);
    EXPECT_EQ(p.pending_minor, r.pending);
    EXPECT_EQ(p.RefundableMinor(), r.refundable);
  }
}

TEST(RefundTransitions, CancelOfASucceededRefundIsRefused) {
  Payment p = Captured(1000);
  ApplyNewRefund(p, RefundPlan{400, {}}, RefundStatus::kSucceeded, 1);
  Refund refund = RefundOf(p, 400, RefundStatus::kSucceeded);
  EXPECT_EQ(TransitionRefund(p, refund, RefundStatus::kCanceled, 2).error(),
            Refusal::kRefundNotCancelable);
  Refund failed = RefundOf(p, 400, RefundStatus::kFailed);
  EXPECT_EQ(TransitionRefund(p, failed, RefundStatus::kSucceeded, 2).error(),
            Refusal::kRefundTransitionInvalid);
}

TEST(PaymentRules, CaptureVoidAndConfirmFollowTheLifecycle) {
  Payment p;
  p.amount_minor = 1000;
  EXPECT_EQ(CapturePayment(p, std::nullopt, 1).error(), Refusal::kPaymentNotCapturable);
  ASSERT_TRUE(ConfirmPayment(p, false, 1).ok());
  EXPECT_EQ(p.status, PaymentStatus::kAuthorized);
  EXPECT_EQ(ConfirmPayment(p, false, 1).error(), Refusal::kPaymentNotConfirmable);
  EXPECT_EQ(CapturePayment(p, 1001, 1).error(), Refusal::kCaptureExceedsAuthorized);
  EXPECT_EQ(CapturePayment(p, 0, 1).error(), Refusal::kAmountNotPositive);
  ASSERT_TRUE(CapturePayment(p, 600, 1).ok());
  EXPECT_EQ(p.captured_minor, 600);
  EXPECT_EQ(DecideRefund(p, {601, std::nullopt, {}}).error(), Refusal::kAmountExceedsRefundable);
  EXPECT_EQ(VoidPayment(p, 1).error(), Refusal::kPaymentNotVoidable);

  Payment q;
  q.amount_minor = 1000;
  ASSERT_TRUE(ConfirmPayment(q, false, 1).ok());
  ASSERT_TRUE(VoidPayment(q, 5).ok());
  EXPECT_EQ(q.status, PaymentStatus::kVoided);
  EXPECT_EQ(q.canceled_ms, 5);
  EXPECT_EQ(DecideRefund(q, {}).error(), Refusal::kPaymentVoided);
  EXPECT_EQ(VoidPayment(q, 6).error(), Refusal::kPaymentNotVoidable);
}

// A seeded random walk of refunds and transitions against a simple oracle: the invariant holds
// after every step and the payment's totals equal the sums over the refunds.
TEST(RefundInvariant, HoldsUnderRandomSequences) {
  std::mt19937_64 rng(20261123);
  for (int round = 0; round < 200; ++round) {
    Payment p = Captured(1 + static_cast<int64_t>(rng() % 10'000));
    std::vector<Refund> refunds;
    for (int step = 0; step < 60; ++step) {
      if (rng() % 3 != 0 || refunds.empty()) {
        int64_t amount = 1 + static_cast<int64_t>(rng() % 3000);
        auto decided = DecideRefund(p, {amount, std::nullopt, {}});
        if (!decided.ok()) {
          EXPECT_TRUE(decided.error() == Refusal::kAmountExceedsRefundable ||
                      decided.error() == Refusal::kFullyRefunded);
          EXPECT_GT(amount, p.RefundableMinor());
          continue;
        }
        RefundStatus s = rng() % 2 ? RefundStatus::kPending : RefundStatus::kSucceeded;
        ApplyNewRefund(p, RefundPlan{amount, {}}, s, step);
        refunds.push_back(RefundOf(p, amount, s));
      } else {
        Refund& r = refunds[rng() % refunds.size()];
        RefundStatus to = static_cast<RefundStatus>(rng() % 4);
        bool allowed = TransitionAllowed(r.status, to);
        EXPECT_EQ(TransitionRefund(p, r, to, step).ok(), allowed);
      }
      int64_t succeeded = 0, pending = 0;
      for (const Refund& r : refunds) {
        if (r.status == RefundStatus::kSucceeded) succeeded += r.amount_minor;
        if (r.status == RefundStatus::kPending) pending += r.amount_minor;
      }
      ASSERT_EQ(p.refunded_minor, succeeded);
      ASSERT_EQ(p.pending_minor, pending);
      ASSERT_LE(succeeded + pending, p.captured_minor);
    }
  }
}

// A payment split into parts, like Kushki's tax buckets: 800 base + 200 tax.
Payment WithParts() {
  Payment p;
  p.id = "pi_parts";
  p.currency = *FindCurrency("COP");
  p.amount_minor = 1000;
  p.parts = {{"subtotalIva", 800, 0, 0, 0}, {"iva", 200, 0, 0, 0}};
  EXPECT_TRUE(ConfirmPayment(p, true, 0).ok());
  return p;
}

TEST(RefundParts, ExplicitPartsAreCheckedOneByOne) {
  Payment p = WithParts();
  struct Row {
    const char* name;
    std::optional<int64_t> amount;
    std::vector<PartAmount> parts;
    std::optional<Refusal> refusal;
    int64_t planned;
  } rows[] = {
      {"within", std::nullopt, {{"subtotalIva", 100}, {"iva", 20}}, std::nullopt, 120},
      {"with matching amount", 120, {{"subtotalIva", 100}, {"iva", 20}}, std::nullopt, 120},
      {"amount disagrees", 121, {{"subtotalIva", 100}, {"iva", 20}}, Refusal::kPartsDoNotAddUp, 0},
      {"bucket over", std::nullopt, {{"iva", 201}}, Refusal::kPartExceedsRefundable, 0},
      {"unknown bucket", std::nullopt, {{"ice", 1}}, Refusal::kUnknownPart, 0},
      {"bucket twice", std::nullopt, {{"iva", 1}, {"iva", 1}}, Refusal::kUnknownPart, 0},
      {"all zero", std::nullopt, {{"iva", 0}}, Refusal::kAmountNotPositive, 0},
      {"negative", std::nullopt, {{"iva", -1}}, Refusal::kAmountNotPositive, 0},
  };
  for (const Row& r : rows) {
    auto plan = DecideRefund(p, {r.amount, std::nullopt, r.parts});
    if (r.refusal) {
      ASSERT_FALSE(plan.ok()) << r.name;
      EXPECT_EQ(plan.error(), *r.refusal) << r.name;
    } else {
      ASSERT_TRUE(plan.ok()) << r.name;
      EXPECT_EQ(plan.value().amount_minor, r.planned) << r.name;
    }
  }
}

TEST(RefundParts, EachBucketNeverExceedsWhatItStillHas) {
  Payment p = WithParts();
  auto first = DecideRefund(p, {std::nullopt, std::nullopt, {{"iva", 150}}});
  ApplyNewRefund(p, first.value(), RefundStatus::kSucceeded, 1);
  EXPECT_EQ(DecideRefund(p, {std::nullopt, std::nullopt, {{"iva", 51}}}).error(),
            Refusal::kPartExceedsRefundable);
  auto rest = DecideRefund(p, {});  // full refund of what remains, allocated per bucket
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(rest.value().amount_minor, 850);
  EXPECT_EQ(rest.value().parts,
            (std::vector<PartAmount>{{"subtotalIva", 800}, {"iva", 50}}));
  ApplyNewRefund(p, rest.value(), RefundStatus::kPending, 2);
  EXPECT_EQ(DecideRefund(p, {}).error(), Refusal::kFullyRefunded);
  Refund pending = RefundOf(p, 850, RefundStatus::kPending);
  pending.parts = rest.value().parts;
  ASSERT_TRUE(TransitionRefund(p, pending, RefundStatus::kFailed, 3).ok());
  EXPECT_EQ(p.parts[0].RefundableMinor(), 800);
  EXPECT_EQ(p.parts[1].RefundableMinor(), 50);
  EXPECT_TRUE(p.Consistent());
}

TEST(RefundParts, AnAmountWithoutPartsIsSplitInProportion) {
  Payment p = WithParts();
  auto plan = DecideRefund(p, {500, std::nullopt, {}});
  EXPECT_EQ(plan.value().parts, (std::vector<PartAmount>{{"subtotalIva", 400}, {"iva", 100}}));
  auto odd = DecideRefund(p, {3, std::nullopt, {}});
  int64_t sum = 0;
  for (const auto& part : odd.value().parts) sum += part.amount_minor;
  EXPECT_EQ(sum, 3);
}

TEST(PaymentRules, APartialCaptureSplitsOverTheParts) {
  Payment p;
  p.amount_minor = 1000;
  p.parts = {{"a", 700, 0, 0, 0}, {"b", 300, 0, 0, 0}};
  ASSERT_TRUE(ConfirmPayment(p, false, 1).ok());
  ASSERT_TRUE(CapturePayment(p, 500, 2).ok());
  EXPECT_EQ(p.parts[0].captured_minor, 350);
  EXPECT_EQ(p.parts[1].captured_minor, 150);
  EXPECT_TRUE(p.Consistent());
}

TEST(Idempotency, SameKeySameRequestReplaysOtherwiseMismatch) {
  IdempotencyRecord r{"mer_1", "k", "fp1", 200, "application/json", "{}", 1000};
  const int64_t ttl = 24 * 3600 * 1000;
  EXPECT_EQ(DecideIdempotency(std::nullopt, "fp1", 2000, ttl), IdempotencyDecision::kExecute);
  EXPECT_EQ(DecideIdempotency(r, "fp1", 2000, ttl), IdempotencyDecision::kReplay);
  EXPECT_EQ(DecideIdempotency(r, "fp2", 2000, ttl), IdempotencyDecision::kMismatch);
  EXPECT_EQ(DecideIdempotency(r, "fp2", 1000 + ttl, ttl), IdempotencyDecision::kExecute);
  EXPECT_EQ(DecideIdempotency(r, "fp1", 1000 + ttl - 1, ttl), IdempotencyDecision::kReplay);
}

}  // namespace
}  // namespace refundd::core
