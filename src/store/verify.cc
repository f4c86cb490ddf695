#include "store/verify.h"

#include <map>

namespace refundd::store {

namespace {
struct Totals {
  int64_t succeeded = 0;
  int64_t pending = 0;
};

// Adds `amount` to the bucket of `status`; failed and canceled refunds hold nothing.
void Count(Totals& t, core::RefundStatus status, int64_t amount) {
  switch (status) {
    case core::RefundStatus::kSucceeded:
      t.succeeded += amount;
      return;
    case core::RefundStatus::kPending:
      t.pending += amount;
      return;
    case core::RefundStatus::kFailed:
    case core::RefundStatus::kCanceled:
      return;
  }
}

std::string Num(int64_t v) { return std::to_string(v); }
}  // namespace

std::vector<PaymentProblem> CheckPayment(const PaymentWithRefunds& item) {
  const core::Payment& p = item.payment;
  std::vector<PaymentProblem> out;
  auto problem = [&](std::string what) { out.push_back({p.merchant_id, p.id, std::move(what)}); };

  Totals whole;
  std::map<std::string, Totals> by_part;
  for (const core::Refund& r : item.refunds) {
    Count(whole, r.status, r.amount_minor);
    if (r.currency.code != p.currency.code) {
      problem("refund " + r.id + " is in " + std::string(r.currency.code) + ", the payment in " +
              std::string(p.currency.code));
    }
    int64_t parts_sum = 0;
    for (const core::PartAmount& pa : r.parts) {
      Count(by_part[pa.name], r.status, pa.amount_minor);
      parts_sum += pa.amount_minor;
    }
    if (!r.parts.empty() && parts_sum != r.amount_minor) {
      problem("refund " + r.id + " parts add up to " + Num(parts_sum) + ", not its amount " +
              Num(r.amount_minor));
    }
  }
  if (p.refunded_minor != whole.succeeded) {
    problem("refunded_minor " + Num(p.refunded_minor) + " != sum of succeeded refunds " +
            Num(whole.succeeded));
  }
  if (p.pending_minor != whole.pending) {
    problem("pending_minor " + Num(p.pending_minor) + " != sum of pending refunds " +
            Num(whole.pending));
  }
  if (whole.succeeded + whole.pending > p.captured_minor) {
    problem("over-refunded: refunds " + Num(whole.succeeded + whole.pending) + " > captured " +
            Num(p.captured_minor));
  }
  for (const core::Part& part : p.parts) {
    Totals t = by_part[part.name];
    by_part.erase(part.name);
    if (part.refunded_minor != t.succeeded || part.pending_minor != t.pending) {
      problem("part " + part.name + " refunded/pending " + Num(part.refunded_minor) + "/" +
              Num(part.pending_minor) + " != its refunds " + Num(t.succeeded) + "/" +
              Num(t.pending));
    }
    if (t.succeeded + t.pending > part.captured_minor) {
      problem("part " + part.name + " over-refunded: refunds " + Num(t.succeeded + t.pending) +
              " > captured " + Num(part.captured_minor));
    }
  }
  for (const auto& [name, t] : by_part) {
    if (t.succeeded + t.pending != 0 || !p.parts.empty()) {
      problem("refunds name part " + name + ", which the payment does not have");
    }
  }
  return out;
}

StoreResult<VerifySummary> VerifyAll(
    Store& store, const std::function<void(const PaymentProblem&)>& on_problem) {
  constexpr int kPage = 500;
  VerifySummary summary;
  std::string after_merchant, after_payment;
  for (;;) {
    auto page = store.ScanPayments(after_merchant, after_payment, kPage);
    if (!page.ok()) return Err(page.error());
    for (const PaymentWithRefunds& item : page.value()) {
      summary.payments += 1;
      summary.refunds += static_cast<int64_t>(item.refunds.size());
      for (const PaymentProblem& problem : CheckPayment(item)) {
        summary.problems += 1;
        on_problem(problem);
      }
    }
    if (static_cast<int>(page.value().size()) < kPage) break;
    after_merchant = page.value().back().payment.merchant_id;
    after_payment = page.value().back().payment.id;
  }
  // Refunds that no payment page above reached. Payments are never deleted and a refund commits
  // with (or after) its payment, so a live store shows none either.
  constexpr int kOrphansListed = 1000;
  auto orphans = store.ScanRefundsWithoutPayment(kOrphansListed);
  if (!orphans.ok()) return Err(orphans.error());
  for (const core::Refund& r : orphans.value()) {
    summary.refunds += 1;
    summary.problems += 1;
    on_problem({r.merchant_id, r.payment_id, "refund " + r.id + " has no such payment"});
  }
  return summary;
}

}  // namespace refundd::store
