// `refundd verify`'s check: a payment's stored totals, whole and per part, recomputed from its
// refunds; each disagreement or over-refund is reported, and a consistent payment reports nothing.
#include <gtest/gtest.h>

#include "store/verify.h"

namespace refundd::store {
namespace {

core::Refund R(const std::string& id, int64_t amount, core::RefundStatus status,
               std::vector<core::PartAmount> parts = {}) {
  core::Refund r;
  r.id = id;
  r.amount_minor = amount;
  r.status = status;
  r.parts = std::move(parts);
  return r;
}

PaymentWithRefunds Paid(int64_t captured, int64_t refunded, int64_t pending) {
  PaymentWithRefunds item;
  item.payment.id = "pi_1";
  item.payment.merchant_id = "mer_a";
  item.payment.amount_minor = item.payment.captured_minor = captured;
  item.payment.refunded_minor = refunded;
  item.payment.pending_minor = pending;
  return item;
}

using S = core::RefundStatus;

TEST(VerifyPayment, TotalsThatMatchTheirRefundsAreClean) {
  auto item = Paid(1000, 300, 200);
  item.refunds = {R("re_1", 300, S::kSucceeded), R("re_2", 200, S::kPending),
                  R("re_3", 500, S::kFailed), R("re_4", 900, S::kCanceled)};
  EXPECT_TRUE(CheckPayment(item).empty());
}

TEST(VerifyPayment, EachMismatchAndOverRefundIsReported) {
  struct Row {
    int64_t captured, refunded, pending;
    std::vector<core::Refund> refunds;
    std::size_t problems;
  };
  const std::vector<Row> rows = {
      {1000, 300, 0, {R("a", 200, S::kSucceeded)}, 1},                          // refunded differs
      {1000, 0, 100, {}, 1},                                                    // pending differs
      {1000, 0, 0, {R("a", 800, S::kSucceeded), R("b", 800, S::kPending)}, 3},  // both + over
      {100, 100, 0, {R("a", 100, S::kSucceeded)}, 0},
  };
  for (const Row& row : rows) {
    auto item = Paid(row.captured, row.refunded, row.pending);
    item.refunds = row.refunds;
    EXPECT_EQ(CheckPayment(item).size(), row.problems) << row.refunded << "/" << row.pending;
  }
}

TEST(VerifyPayment, PartsAreCheckedOneByOne) {
  auto item = Paid(1000, 300, 0);
  item.payment.parts = {{"base", 800, 800, 300, 0}, {"tax", 200, 200, 0, 0}};
  item.refunds = {R("re_1", 300, S::kSucceeded, {{"base", 300}})};
  EXPECT_TRUE(CheckPayment(item).empty());

  item.refunds = {R("re_1", 300, S::kSucceeded, {{"base", 200}, {"tax", 100}})};
  auto problems = CheckPayment(item);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].what.find("part base"), std::string::npos);
  EXPECT_NE(problems[1].what.find("part tax"), std::string::npos);

  item.refunds = {R("re_1", 300, S::kSucceeded, {{"base", 300}, {"ship", 0}})};
  EXPECT_EQ(CheckPayment(item).size(), 1u) << "a part the payment does not have";
}

}  // namespace
}  // namespace refundd::store
