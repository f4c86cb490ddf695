// What an idempotency record keeps of a command: an Outcome encodes and decodes to the same
// values (so a replay renders the same answer), and text that is not an encoded Outcome, or a
// snapshot that breaks the money invariant, is refused instead of trusted.
#include "service/command.h"

#include <gtest/gtest.h>

#include "core/currency.h"
#include "core/snapshot.h"

namespace refundd::service {
namespace {

core::Payment SomePayment() {
  core::Payment p;
  p.id = "pi_1";
  p.merchant_id = "m_1";
  p.dialect = "native";
  p.currency = *core::FindCurrency("EUR");
  p.amount_minor = 1000;
  p.captured_minor = 1000;
  p.refunded_minor = 300;
  p.pending_minor = 200;
  p.status = core::PaymentStatus::kCaptured;
  p.metadata = {{"order", "42"}, {"empty", ""}, {"comma,colon:", "1:2,3"}};
  p.attrs = R"({"k":"v"})";
  p.parts = {{"base", 800, 800, 300, 100}, {"tip", 200, 200, 0, 100}};
  p.created_ms = 1;
  p.updated_ms = 2;
  return p;
}

core::Refund SomeRefund() {
  core::Refund r;
  r.id = "re_1";
  r.merchant_id = "m_1";
  r.payment_id = "pi_1";
  r.dialect = "native";
  r.currency = *core::FindCurrency("EUR");
  r.amount_minor = 200;
  r.status = core::RefundStatus::kPending;
  r.reason = "requested_by_customer";
  r.metadata = {{"a", "b"}};
  r.created_ms = 3;
  r.updated_ms = 4;
  r.attrs = "{}";
  r.parts = {{"base", 100}, {"tip", 100}};
  return r;
}

TEST(OutcomeCodec, AnOutcomeDecodesToTheSameValues) {
  Outcome o;
  o.now_ms = 123;
  o.payment = SomePayment();
  o.refund = SomeRefund();
  o.values = {"", "x", "1:2,"};
  auto back = DecodeOutcome(EncodeOutcome(o));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->now_ms, 123);
  EXPECT_EQ(core::EncodePayment(*back->payment), core::EncodePayment(*o.payment));
  EXPECT_EQ(core::EncodeRefund(*back->refund), core::EncodeRefund(*o.refund));
  EXPECT_EQ(back->values, o.values);
  EXPECT_FALSE(back->refusal.has_value());
  EXPECT_FALSE(back->replayed);
}

TEST(OutcomeCodec, ARefusalKeepsItsKindAndPayment) {
  Outcome o;
  Refusal r = Refusal::Rule(core::Refusal::kAmountExceedsRefundable);
  r.payment = SomePayment();
  o.refusal = r;
  auto back = DecodeOutcome(EncodeOutcome(o));
  ASSERT_TRUE(back.has_value());
  ASSERT_TRUE(back->refusal.has_value());
  EXPECT_EQ(back->refusal->kind, Refusal::Kind::kRule);
  EXPECT_EQ(back->refusal->rule, core::Refusal::kAmountExceedsRefundable);
  ASSERT_TRUE(back->refusal->payment.has_value());
  EXPECT_EQ(back->refusal->payment->id, "pi_1");

  Outcome d;
  d.refusal = Refusal::Dialect(400, 802, "INVALID_AMOUNT_TO_REFUND", "Amount to refund not valid");
  back = DecodeOutcome(EncodeOutcome(d));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->refusal->status, 400);
  EXPECT_EQ(back->refusal->code, 802);
  EXPECT_EQ(back->refusal->what, "INVALID_AMOUNT_TO_REFUND");
}

TEST(OutcomeCodec, TextThatIsNotAnOutcomeIsRefused) {
  std::string good = EncodeOutcome(Outcome{});
  for (std::string bad : {std::string(), std::string("{\"id\":\"re_1\"}"), good + "1:x,",
                          good.substr(0, good.size() - 1), std::string("2:o1,99999999999:x,")}) {
    EXPECT_FALSE(DecodeOutcome(bad).has_value()) << bad;
  }
}

TEST(Snapshot, APaymentThatBreaksTheMoneyInvariantIsRefused) {
  core::Payment p = SomePayment();
  p.refunded_minor = 900;  // 900 + 200 pending > 1000 captured
  EXPECT_FALSE(core::DecodePayment(core::EncodePayment(p)).ok());
  EXPECT_TRUE(core::DecodePayment(core::EncodePayment(SomePayment())).ok());
}

TEST(Snapshot, AnUnknownCurrencyOrStatusIsRefused) {
  std::string text = core::EncodeRefund(SomeRefund());
  std::string bad_currency = text;
  bad_currency.replace(bad_currency.find("3:EUR,"), 6, "3:XXX,");
  EXPECT_FALSE(core::DecodeRefund(bad_currency).ok());
  std::string bad_status = text;
  bad_status.replace(bad_status.find("7:pending,"), 10, "7:pendinh,");
  EXPECT_FALSE(core::DecodeRefund(bad_status).ok());
}

}  // namespace
}  // namespace refundd::service
