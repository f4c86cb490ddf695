// The lifecycle inside write transactions and the worker, on the real SQLite store with a fake
// clock: a refund change and its outbox event commit together or not at all, the worker settles
// due refunds (also after the store was closed and opened again), a late failure gives the amount
// back, an unknown outcome is asked again and never taken for a result, and a change by hand ends
// the processor's watch.
#include "service/lifecycle.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "base/clock.h"
#include "core/currency.h"
#include "processor/sandbox.h"
#include "service/lifecycle_worker.h"
#include "service/refunds.h"
#include "store/sqlite/sqlite_store.h"
#include "webhooks/event_body.h"

namespace refundd::service {
namespace {

constexpr int64_t kStart = 1'700'000'000'000;
constexpr int64_t kSettleMs = 1000;

// One event per change: type "created" or "changed", body the new status.
class FakeFormat final : public webhooks::Format {
 public:
  std::string_view dialect() const override { return "native"; }
  std::string_view StateWord(core::RefundStatus s) const override {
    return core::RefundStatusName(s);
  }
  void DescribeInstrument(const core::Payment& p, processor::Order& o) const override {
    o.instrument = p.payment_method;
  }
  std::vector<webhooks::EventDraft> Events(const webhooks::Change& c) const override {
    return {{"evt_" + std::to_string(++count_), c.from ? "changed" : "created", c.refund.id}};
  }
  std::string Body(const webhooks::EventSnapshot& e) const override {
    return std::string(core::RefundStatusName(e.refund.status));
  }
  store::Headers Sign(std::string_view, std::string_view, int64_t,
                      const webhooks::SigningKeys&) const override {
    return {};
  }

 private:
  mutable int count_ = 0;
};

// Answers from a script, one per call (the last one again when it runs out); counts the calls.
class ScriptedProcessor final : public processor::Processor {
 public:
  explicit ScriptedProcessor(std::vector<processor::Answer> script) : script_(std::move(script)) {}
  std::optional<processor::Answer> Instant(const processor::Order&, int64_t) const override {
    return processor::Answer{processor::State::kUnknown, "", 0};  // the request timed out
  }
  processor::Answer Submit(const processor::Order&, int64_t) override { return Next(); }
  processor::Answer Lookup(const processor::Order&, int64_t) override { return Next(); }
  int calls = 0;

 private:
  processor::Answer Next() {
    const std::size_t i = std::min<std::size_t>(calls++, script_.size() - 1);
    return script_[i];
  }
  std::vector<processor::Answer> script_;
};

class LifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("refundd-lifecycle-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    formats_.Add(std::make_unique<FakeFormat>());
    Open();
    ASSERT_TRUE(store_->CreateMerchant({"mer_a", "a", 1}, {}).ok());
  }
  void TearDown() override {
    store_->Close();
    std::filesystem::remove_all(dir_);
  }
  void Open() {
    auto s = store::sqlite::SqliteStore::Open((dir_ / "refundd.db").string());
    ASSERT_TRUE(s.ok());
    store_ = std::move(s).value();
  }

  void Pay(const std::string& id, const std::string& payment_method) {
    core::Payment p;
    p.id = id;
    p.merchant_id = "mer_a";
    p.dialect = "native";
    p.currency = *core::FindCurrency("USD");
    p.amount_minor = p.captured_minor = 1000;
    p.status = core::PaymentStatus::kCaptured;
    p.payment_method = payment_method;
    ASSERT_TRUE(
        store_->SubmitAndWait([&](store::WriteTx& tx) { return tx.InsertPayment(p).ok(); }));
  }

  // Creates a refund of 400 under the lifecycle; `keep` false rolls the job back at the end.
  bool Refund(const Lifecycle& lifecycle, const std::string& payment_id, const std::string& id,
              bool keep = true) {
    return store_->SubmitAndWait([&](store::WriteTx& tx) {
      LifecycleTx ltx(tx, lifecycle);
      NewRefund r;
      r.merchant_id = "mer_a";
      r.payment_id = payment_id;
      r.refund_id = id;
      r.dialect = "native";
      r.request.amount_minor = 400;
      if (!CreateRefund(ltx, r, clock_.NowMs()).ok()) return false;
      return ltx.Flush(clock_.NowMs()).ok() && keep;
    });
  }

  core::Refund RefundNow(const std::string& id) { return *store_->ReadRefund("mer_a", id).value(); }
  std::vector<std::string> Events(const std::string& refund_id) {
    store::EventListQuery q{"mer_a", "native", "", refund_id, "", "", 100};
    // The page is held here: iterating `ListEvents(q).value().events` directly would read the
    // vector of a Result that is already destroyed (the range-for keeps only the reference).
    auto page = store_->ListEvents(q);
    EXPECT_TRUE(page.ok());
    if (!page.ok()) return {};
    std::vector<std::string> out;
    for (const auto& e : page.value().events) {
      auto body = webhooks::RenderEventBody(formats_.Find(e.dialect), e);
      EXPECT_TRUE(body.ok()) << body.error();
      if (body.ok()) out.insert(out.begin(), e.type + ":" + body.value());  // oldest first
    }
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  webhooks::Formats formats_;
  FakeClock clock_{kStart};
  processor::SandboxProcessor sandbox_{processor::SandboxOptions{kSettleMs}};
  Lifecycle lifecycle_{sandbox_, formats_, LifecycleOptions{}};
};

TEST_F(LifecycleTest, AChangeAndItsEventCommitTogetherOrNotAtAll) {
  Pay("pi_1", "pm_card_refundAsync");
  EXPECT_FALSE(Refund(lifecycle_, "pi_1", "re_rolled_back", /*keep=*/false));
  EXPECT_FALSE(store_->ReadRefund("mer_a", "re_rolled_back").value().has_value());
  EXPECT_TRUE(Events("re_rolled_back").empty());
  EXPECT_FALSE(store_->ReadRefundAction("mer_a", "re_rolled_back").value().has_value());

  ASSERT_TRUE(Refund(lifecycle_, "pi_1", "re_1"));
  EXPECT_EQ(RefundNow("re_1").status, core::RefundStatus::kPending);
  EXPECT_EQ(Events("re_1"), (std::vector<std::string>{"created:pending"}));
  auto action = store_->ReadRefundAction("mer_a", "re_1").value();
  ASSERT_TRUE(action.has_value());
  EXPECT_EQ(action->next_action_ms, kStart + kSettleMs);
}

TEST_F(LifecycleTest, TheWorkerSettlesDueRefundsAfterARestart) {
  Pay("pi_1", "pm_card_refundAsync");
  ASSERT_TRUE(Refund(lifecycle_, "pi_1", "re_1"));
  {
    LifecycleWorker worker(*store_, lifecycle_, clock_, WorkerOptions{});
    EXPECT_EQ(worker.RunOnce(), 0) << "not due yet";
  }
  store_->Close();  // a restart: nothing of the refund's future is in memory
  Open();
  clock_.AdvanceMs(kSettleMs);
  LifecycleWorker worker(*store_, lifecycle_, clock_, WorkerOptions{});
  EXPECT_EQ(worker.RunOnce(), 1);
  EXPECT_EQ(RefundNow("re_1").status, core::RefundStatus::kSucceeded);
  EXPECT_EQ(store_->ReadPayment("mer_a", "pi_1").value()->refunded_minor, 400);
  EXPECT_EQ(Events("re_1"), (std::vector<std::string>{"created:pending", "changed:succeeded"}));
  EXPECT_FALSE(store_->ReadRefundAction("mer_a", "re_1").value().has_value());
  EXPECT_EQ(worker.RunOnce(), 0);
}

TEST_F(LifecycleTest, ALateFailureGivesTheAmountBack) {
  Pay("pi_1", "pm_card_refundFail");
  ASSERT_TRUE(Refund(lifecycle_, "pi_1", "re_1"));
  EXPECT_EQ(RefundNow("re_1").status, core::RefundStatus::kSucceeded);
  EXPECT_EQ(store_->ReadPayment("mer_a", "pi_1").value()->refunded_minor, 400);
  clock_.AdvanceMs(kSettleMs);
  LifecycleWorker worker(*store_, lifecycle_, clock_, WorkerOptions{});
  EXPECT_EQ(worker.RunOnce(), 1);
  const core::Refund r = RefundNow("re_1");
  EXPECT_EQ(r.status, core::RefundStatus::kFailed);
  EXPECT_EQ(r.failure_reason, "expired_or_canceled_card");
  EXPECT_EQ(store_->ReadPayment("mer_a", "pi_1").value()->RefundableMinor(), 1000);
  EXPECT_EQ(Events("re_1"), (std::vector<std::string>{"created:succeeded", "changed:failed"}));
}

TEST_F(LifecycleTest, ASynchronousDeclineNeverHoldsTheAmount) {
  Pay("pi_1", "pm_card_refundDecline");
  ASSERT_TRUE(Refund(lifecycle_, "pi_1", "re_1"));
  EXPECT_EQ(RefundNow("re_1").status, core::RefundStatus::kFailed);
  const core::Payment p = *store_->ReadPayment("mer_a", "pi_1").value();
  EXPECT_EQ(p.pending_minor + p.refunded_minor, 0);
  EXPECT_EQ(Events("re_1"), (std::vector<std::string>{"created:failed"}));
  EXPECT_FALSE(store_->ReadRefundAction("mer_a", "re_1").value().has_value());
}

TEST_F(LifecycleTest, AnUnknownOutcomeIsAskedAgainNeverGuessed) {
  using processor::State;
  ScriptedProcessor scripted({{State::kUnknown, "", 0},
                              {State::kNotFound, "", 0},
                              {State::kUnknown, "", 0},
                              {State::kSucceeded, "", 0}});
  Lifecycle lifecycle(scripted, formats_, LifecycleOptions{});
  Pay("pi_1", "pm_card_visa");
  ASSERT_TRUE(Refund(lifecycle, "pi_1", "re_1"));
  LifecycleWorker worker(*store_, lifecycle, clock_, WorkerOptions{});
  std::vector<std::string> phases;
  for (int i = 0; i < 4; ++i) {
    auto action = store_->ReadRefundAction("mer_a", "re_1").value();
    ASSERT_TRUE(action.has_value()) << i;
    phases.push_back(action->phase + std::to_string(action->attempts));
    EXPECT_EQ(RefundNow("re_1").status, core::RefundStatus::kPending) << i;
    clock_.AdvanceMs(10 * 60 * 1000);  // past any backoff
    EXPECT_EQ(worker.RunOnce(), 1) << i;
  }
  // Created without an answer: looked up; unknown again: looked up; not found: sent again.
  EXPECT_EQ(phases, (std::vector<std::string>{"lookup1", "lookup2", "submit3", "lookup4"}));
  EXPECT_EQ(scripted.calls, 4);
  EXPECT_EQ(RefundNow("re_1").status, core::RefundStatus::kSucceeded);
  EXPECT_FALSE(store_->ReadRefundAction("mer_a", "re_1").value().has_value());
}

TEST_F(LifecycleTest, AChangeByHandEndsTheProcessorsWatch) {
  Pay("pi_1", "pm_card_refundStuck");
  ASSERT_TRUE(Refund(lifecycle_, "pi_1", "re_1"));
  ASSERT_TRUE(store_->ReadRefundAction("mer_a", "re_1").value().has_value());
  ASSERT_TRUE(store_->SubmitAndWait([&](store::WriteTx& tx) {
    LifecycleTx ltx(tx, lifecycle_);
    auto r =
        TransitionRefund(ltx, "mer_a", "re_1", core::RefundStatus::kCanceled, "", clock_.NowMs());
    return r.ok() && ltx.Flush(clock_.NowMs()).ok();
  }));
  EXPECT_FALSE(store_->ReadRefundAction("mer_a", "re_1").value().has_value());
  EXPECT_EQ(Events("re_1"), (std::vector<std::string>{"created:pending", "changed:canceled"}));
  EXPECT_EQ(store_->ReadPayment("mer_a", "pi_1").value()->pending_minor, 0);
}

}  // namespace
}  // namespace refundd::service
