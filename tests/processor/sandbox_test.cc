// The sandbox processor's documented outcomes as tables: which scenario each test card, test word
// and default picks, and what the processor says over time for each scenario.
#include "processor/sandbox.h"

#include <gtest/gtest.h>

namespace refundd::processor {
namespace {

Order With(std::string instrument, std::string bin = "", std::string last4 = "",
           bool asynchronous = false) {
  Order o;
  o.refund_id = "re_1";
  o.instrument = std::move(instrument);
  o.card_bin = std::move(bin);
  o.card_last4 = std::move(last4);
  o.asynchronous = asynchronous;
  o.created_ms = 1'000'000;
  return o;
}

TEST(SandboxScenario, TestPaymentMethodsWordsAndCards) {
  struct Row {
    Order order;
    Scenario scenario;
  };
  const Row rows[] = {
      {With("pm_card_visa"), Scenario::kInstant},
      {With("pm_card_refundDecline"), Scenario::kDecline},
      {With("pm_card_refundAsync"), Scenario::kAsyncSuccess},
      {With("pm_card_refundAsyncFail"), Scenario::kAsyncFailure},
      {With("pm_card_refundFail"), Scenario::kLateFailure},
      {With("pm_card_refundStuck"), Scenario::kStuck},
      {With("pm_card_refundTimeout"), Scenario::kTimeout},
      {With("us_refund_decline_card"), Scenario::kDecline},
      {With("mx_refund_instant_cash", "", "", true), Scenario::kInstant},
      {With("REFUND_ASYNC_FAIL BANK"), Scenario::kAsyncFailure},
      {With("REFUND STUCK"), Scenario::kStuck},
      {With("refund"), Scenario::kInstant},
      {With("refundasync"), Scenario::kInstant},
      {With("mx_oxxo_cash", "", "", true), Scenario::kAsyncSuccess},
      {With("Ana", "400000", "5126"), Scenario::kLateFailure},
      {With("Ana", "400000", "5134"), Scenario::kDecline},
      {With("Ana", "400000", "5142"), Scenario::kAsyncSuccess},
      {With("Ana", "400000", "5159"), Scenario::kAsyncFailure},
      {With("Ana", "400000", "5167"), Scenario::kStuck},
      {With("Ana", "400000", "5175"), Scenario::kTimeout},
      {With("Ana", "400000", "5100", true), Scenario::kInstant},
      {With("Ana", "411111", "5126"), Scenario::kInstant},
      {With("Ana", "400000", "1111", true), Scenario::kAsyncSuccess},
      {With("REFUND DECLINE", "400000", "5142"), Scenario::kAsyncSuccess},  // the card wins
  };
  for (const Row& r : rows) {
    EXPECT_EQ(ScenarioName(ScenarioFor(r.order)), ScenarioName(r.scenario))
        << r.order.instrument << " " << r.order.card_bin << " " << r.order.card_last4;
  }
}

TEST(SandboxEvaluate, EachScenarioOverTime) {
  const SandboxOptions options{1000, 60'000};
  const int64_t created = 5000;
  struct Row {
    Scenario scenario;
    int64_t at;
    State state;
    const char* reason;
    int64_t recheck;
  };
  const Row rows[] = {
      {Scenario::kInstant, 5000, State::kSucceeded, "", 0},
      {Scenario::kDecline, 5000, State::kFailed, "declined", 0},
      {Scenario::kAsyncSuccess, 5999, State::kPending, "", 6000},
      {Scenario::kAsyncSuccess, 6000, State::kSucceeded, "", 0},
      {Scenario::kAsyncFailure, 5000, State::kPending, "", 6000},
      {Scenario::kAsyncFailure, 9000, State::kFailed, "lost_or_stolen_card", 0},
      {Scenario::kLateFailure, 5000, State::kSucceeded, "", 6000},
      {Scenario::kLateFailure, 6000, State::kFailed, "expired_or_canceled_card", 0},
      {Scenario::kStuck, 9000, State::kPending, "", 69'000},
      {Scenario::kTimeout, 5500, State::kUnknown, "", 6000},
      {Scenario::kTimeout, 6000, State::kSucceeded, "", 0},
  };
  for (const Row& r : rows) {
    Answer a = Evaluate(r.scenario, created, r.at, options);
    EXPECT_EQ(StateName(a.state), StateName(r.state)) << ScenarioName(r.scenario) << "@" << r.at;
    EXPECT_EQ(a.failure_reason, r.reason) << ScenarioName(r.scenario) << "@" << r.at;
    EXPECT_EQ(a.recheck_at_ms, r.recheck) << ScenarioName(r.scenario) << "@" << r.at;
  }
}

TEST(SandboxProcessor, SubmitAndLookupTellTheSameStoryAsInstant) {
  SandboxProcessor p(SandboxOptions{1000});
  Order o = With("pm_card_refundAsync");
  EXPECT_EQ(p.Instant(o, o.created_ms)->state, State::kPending);
  EXPECT_EQ(p.Submit(o, o.created_ms + 10).state, State::kPending);
  EXPECT_EQ(p.Lookup(o, o.created_ms + 1000).state, State::kSucceeded);
}

}  // namespace
}  // namespace refundd::processor
