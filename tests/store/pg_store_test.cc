// What the PostgreSQL backend adds to the contract: a job whose payment another transaction holds
// is postponed and runs again (first in a later batch, where it waits), and writers and readers
// whose connections the server killed reconnect, the batch in flight being answered done(false);
// payments named by jobs (WriteJob::lock_payment_id) and locked up front are only a shortcut; a
// key claimed optimistically and stored elsewhere meanwhile runs the batch again.
// Runs when REFUNDD_TEST_PG_URL names a server (scripts/with-postgres.sh).
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "core/money.h"
#include "store/postgres/pg_queries.h"
#include "store/postgres/pg_store.h"
#include "store/verify.h"

namespace refundd::store::postgres {
namespace {

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = std::getenv("REFUNDD_TEST_PG_URL");
    if (!url) GTEST_SKIP() << "REFUNDD_TEST_PG_URL is not set";
    auto admin = Conn::Open(url);
    ASSERT_TRUE(admin.ok()) << admin.error();
    admin_ = std::move(admin).value();
    const std::string db =
        std::string("refundd_pg_") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::string lower;
    for (char c : db) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    ASSERT_TRUE(admin_->Simple(("DROP DATABASE IF EXISTS " + lower + " WITH (FORCE)").c_str()).ok());
    ASSERT_TRUE(admin_->Simple(("CREATE DATABASE " + lower).c_str()).ok());
    conninfo_ = *WithDatabase(url, lower);
    auto store = PostgresStore::Open({conninfo_, 2, 64});
    ASSERT_TRUE(store.ok()) << store.error();
    store_ = std::move(store).value();
    ASSERT_TRUE(store_->CreateMerchant({"mer_a", "a", 1}, {}).ok());
    auto other = Conn::Open(conninfo_);
    ASSERT_TRUE(other.ok());
    other_ = std::move(other).value();
  }
  void TearDown() override {
    if (store_) store_->Close();
  }

  static core::Payment Paid(const std::string& id) {
    core::Payment p;
    p.id = id;
    p.merchant_id = "mer_a";
    p.dialect = "native";
    p.currency = *core::FindCurrency("USD");
    p.amount_minor = p.captured_minor = 1000;
    p.status = core::PaymentStatus::kCaptured;
    return p;
  }

  std::unique_ptr<Conn> admin_, other_;
  std::string conninfo_;
  std::unique_ptr<PostgresStore> store_;
};

TEST_F(PostgresStoreTest, AJobWhosePaymentIsHeldElsewhereRunsAgainAfterwards) {
  ASSERT_TRUE(store_->SubmitAndWait([](WriteTx& tx) {
    return tx.InsertPayment(Paid("pi_free")).ok() && tx.InsertPayment(Paid("pi_held")).ok();
  }));
  // Another transaction holds pi_held.
  ASSERT_TRUE(other_->Simple("BEGIN").ok());
  ASSERT_TRUE(other_->Exec("SELECT 1 FROM payments WHERE id = 'pi_held' FOR UPDATE").ok());

  std::atomic<int> held_runs{0};
  std::promise<bool> free_done, held_done;
  auto refund = [](WriteTx& tx, const std::string& id) {
    auto p = tx.LoadPaymentForUpdate("mer_a", id);
    if (!p.ok() || !p.value()) return false;
    core::Payment payment = *p.value();
    payment.refunded_minor += 10;
    return tx.UpdatePayment(payment).ok();
  };
  // Two jobs queued together: the first takes pi_free, the second finds pi_held taken.
  store_->Submit(WriteJob{[&](WriteTx& tx) { return refund(tx, "pi_free"); },
                          [&](bool c) { free_done.set_value(c); }});
  store_->Submit(WriteJob{[&](WriteTx& tx) {
                            ++held_runs;
                            return refund(tx, "pi_held");
                          },
                          [&](bool c) { held_done.set_value(c); }});
  auto held = held_done.get_future();
  EXPECT_TRUE(free_done.get_future().get()) << "the free payment does not wait for the held one";
  EXPECT_EQ(held.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
  ASSERT_TRUE(other_->Simple("COMMIT").ok());
  EXPECT_TRUE(held.get());
  EXPECT_GE(held_runs.load(), 1);
  EXPECT_EQ(store_->ReadPayment("mer_a", "pi_held").value()->refunded_minor, 10);
  EXPECT_EQ(store_->ReadPayment("mer_a", "pi_free").value()->refunded_minor, 10);
}

// A job that refunds `amount` of (merchant, id) if that much is left, naming (hint_merchant,
// hint_id) as the payment it locks; every `fail_every`th such job changes the payment and then
// rolls back. *refunded says whether its last run refunded.
WriteJob RefundJob(const std::string& merchant, const std::string& id, const std::string& hint_merchant,
                   const std::string& hint_id, int64_t amount, bool roll_back,
                   std::shared_ptr<std::atomic<bool>> refunded, std::function<void(bool)> done) {
  WriteJob job;
  job.apply = [=](WriteTx& tx) {
    refunded->store(false);
    auto p = tx.LoadPaymentForUpdate(merchant, id);
    if (!p.ok() || !p.value()) return false;
    core::Payment payment = *p.value();
    if (payment.captured_minor - payment.refunded_minor < amount) return true;  // refused
    payment.refunded_minor += amount;
    if (!tx.UpdatePayment(payment).ok()) return false;
    if (roll_back) return false;
    refunded->store(true);
    return true;
  };
  job.done = std::move(done);
  job.lock_merchant_id = hint_merchant;
  job.lock_payment_id = hint_id;
  return job;
}

// A key nobody had stored when the batch began is claimed optimistically (pg_tx.h FindAll): when
// another node stores the same key before this batch commits, the batch's insert of the key
// fails, the batch runs again and its job finds the other node's record, so the key's work is
// done once. Here the "other node" stores the key from inside the job's first run.
TEST_F(PostgresStoreTest, AKeyStoredElsewhereMeanwhileRunsTheBatchAgainAndFindsTheRecord) {
  ASSERT_TRUE(store_->SubmitAndWait(
      [](WriteTx& tx) { return tx.InsertPayment(Paid("pi_k")).ok(); }));
  std::atomic<int> runs{0}, replays{0};
  std::promise<bool> finished;
  WriteJob job;
  job.claim_merchant_id = "mer_a";
  job.claim_key = "key-1";
  job.apply = [&](WriteTx& tx) {
    ++runs;
    auto claimed = tx.ClaimIdempotency("mer_a", "key-1", 5);
    if (!claimed.ok()) return false;
    if (claimed.value()) {
      ++replays;
      return claimed.value()->fingerprint == "theirs";
    }
    if (runs == 1) {  // the other node stores the key and commits while this batch runs
      auto other = other_->Exec(
          "INSERT INTO idempotency (merchant_id, key, fingerprint, status, content_type, body, "
          "created_ms) VALUES ('mer_a', 'key-1', 'theirs', 200, 'text/plain', 'a'::bytea, 4)",
          Params());
      if (!other.ok()) return false;
    }
    auto p = tx.LoadPaymentForUpdate("mer_a", "pi_k");
    if (!p.ok() || !p.value()) return false;
    core::Payment payment = *p.value();
    payment.refunded_minor += 10;
    return tx.UpdatePayment(payment).ok() &&
           tx.PutIdempotency({"mer_a", "key-1", "ours", 200, "text/plain", "b", 5}).ok();
  };
  job.done = [&](bool committed) { finished.set_value(committed); };
  store_->Submit(std::move(job));
  EXPECT_TRUE(finished.get_future().get());
  EXPECT_EQ(runs.load(), 2);
  EXPECT_EQ(replays.load(), 1);
  EXPECT_EQ(store_->ReadPayment("mer_a", "pi_k").value()->refunded_minor, 0)
      << "the first run's refund was rolled back with its key";
  auto rows = other_->Exec(
      "SELECT fingerprint FROM idempotency WHERE merchant_id = 'mer_a' AND key = 'key-1'",
      Params());
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows.value().size(), 1);
  EXPECT_EQ(rows.value().Text(0, 0), "theirs");
}

TEST_F(PostgresStoreTest, BatchesOnTwoStoresNamingTheSamePaymentNeverRefundTooMuch) {
  ASSERT_TRUE(store_->SubmitAndWait([](WriteTx& tx) {
    return tx.InsertPayment(Paid("pi_shared")).ok() && tx.InsertPayment(Paid("pi_side")).ok();
  }));
  auto second = PostgresStore::Open({conninfo_, 2, 64});  // another node on the same database
  ASSERT_TRUE(second.ok()) << second.error();
  std::unique_ptr<PostgresStore> node2 = std::move(second).value();
  // Another transaction holds pi_shared while the first jobs are queued: they find it held.
  ASSERT_TRUE(other_->Simple("BEGIN").ok());
  ASSERT_TRUE(other_->Exec("SELECT 1 FROM payments WHERE id = 'pi_shared' FOR UPDATE").ok());

  constexpr int kJobs = 300;  // of 10 each on 1000 captured: 100 can succeed
  std::atomic<int> committed{0}, refunded{0}, side_refunded{0};
  std::vector<std::promise<void>> finished(kJobs);
  std::vector<std::thread> submitters;
  for (int node = 0; node < 2; ++node) {
    submitters.emplace_back([&, node] {
      PostgresStore& store = node == 0 ? *store_ : *node2;
      for (int i = node; i < kJobs; i += 2) {
        auto did = std::make_shared<std::atomic<bool>>(false);
        const bool side = i % 5 == 0;  // some jobs refund pi_side, so batches name both
        const bool roll_back = i % 7 == 0;
        store.Submit(RefundJob("mer_a", side ? "pi_side" : "pi_shared", "mer_a",
                               side ? "pi_side" : "pi_shared", 10, roll_back, did,
                               [&, did, side, i](bool c) {
                                 if (c) ++committed;
                                 if (c && did->load()) ++(side ? side_refunded : refunded);
                                 finished[i].set_value();
                               }));
        if (i % 32 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(other_->Simple("COMMIT").ok());
  for (auto& t : submitters) t.join();
  for (auto& f : finished) f.get_future().wait();
  node2->Close();

  EXPECT_EQ(committed.load(), kJobs);
  const core::Payment shared = *store_->ReadPayment("mer_a", "pi_shared").value();
  const core::Payment side = *store_->ReadPayment("mer_a", "pi_side").value();
  EXPECT_EQ(shared.refunded_minor, 10 * refunded.load());
  EXPECT_EQ(side.refunded_minor, 10 * side_refunded.load());
  EXPECT_LE(shared.refunded_minor, shared.captured_minor);
  // 240 jobs on pi_shared, 206 of them kept: the payment is refunded in full, and no more.
  EXPECT_EQ(shared.refunded_minor, 1000);
  EXPECT_EQ(side.refunded_minor, 10 * (60 - 9));  // 60 on pi_side, 9 of them rolled back
}

TEST_F(PostgresStoreTest, AHintNamingNoSuchPaymentOrAnotherMerchantsChangesNothing) {
  ASSERT_TRUE(store_->CreateMerchant({"mer_b", "b", 1}, {}).ok());
  ASSERT_TRUE(store_->SubmitAndWait([](WriteTx& tx) {
    core::Payment b = Paid("pi_b");
    b.merchant_id = "mer_b";
    return tx.InsertPayment(Paid("pi_a")).ok() && tx.InsertPayment(b).ok();
  }));
  // (merchant, payment, hint merchant, hint payment): wrong hints of every kind, first or not.
  const std::vector<std::array<std::string, 4>> jobs = {
      {"mer_a", "pi_a", "mer_a", "pi_none"},  // no such payment
      {"mer_a", "pi_a", "mer_a", "pi_b"},     // another merchant's payment id
      {"mer_a", "pi_a", "mer_b", "pi_b"},     // another merchant's payment
      {"mer_b", "pi_b", "mer_b", "pi_a"},
      {"mer_a", "pi_a", "", ""},              // none
      {"mer_b", "pi_b", "mer_a", "pi_a"},
      {"mer_a", "pi_a", "mer_a", "pi_a"},     // right
      {"mer_b", "pi_b", "mer_b", "pi_b"},
  };
  for (int round = 0; round < 5; ++round) {
    // Each order puts another kind of hint first in the batch.
    std::vector<std::promise<bool>> done(jobs.size());
    std::vector<std::shared_ptr<std::atomic<bool>>> did;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      const auto& j = jobs[(i + round) % jobs.size()];
      did.push_back(std::make_shared<std::atomic<bool>>(false));
      store_->Submit(RefundJob(j[0], j[1], j[2], j[3], 10, /*roll_back=*/i == 3, did.back(),
                               [&done, i](bool c) { done[i].set_value(c); }));
    }
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      EXPECT_TRUE(done[i].get_future().get());
      EXPECT_EQ(did[i]->load(), i != 3);
    }
  }
  // Per round: 7 jobs kept, the rolled-back one alternating between the merchants.
  int a = 0, b = 0;
  for (int round = 0; round < 5; ++round) {
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      if (i == 3) continue;
      (jobs[(i + round) % jobs.size()][0] == "mer_a" ? a : b) += 10;
    }
  }
  EXPECT_EQ(store_->ReadPayment("mer_a", "pi_a").value()->refunded_minor, a);
  EXPECT_EQ(store_->ReadPayment("mer_b", "pi_b").value()->refunded_minor, b);
  EXPECT_FALSE(store_->ReadPayment("mer_a", "pi_b").value().has_value());
  EXPECT_FALSE(store_->ReadPayment("mer_a", "pi_none").value().has_value());
}

// Migration 0009 dropped the foreign key refunds -> payments (the store keeps the rule itself:
// store_contract_test). A refund written from outside without its payment is what verify reports.
TEST_F(PostgresStoreTest, VerifyReportsARefundWrittenFromOutsideWithoutItsPayment) {
  auto keys = other_->Exec(
      "SELECT count(*) FROM pg_constraint WHERE conrelid = 'refunds'::regclass AND contype = 'f'");
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys.value().Int(0, 0), 0);
  ASSERT_TRUE(store_->SubmitAndWait([](WriteTx& tx) { return tx.InsertPayment(Paid("pi_a")).ok(); }));
  ASSERT_TRUE(other_->Exec(
      "INSERT INTO refunds (id, merchant_id, payment_id, dialect, currency, amount_minor, status, "
      "reason, metadata, failure_reason, created_ms, updated_ms, attrs, parts) VALUES ('re_lost', "
      "'mer_a', 'pi_gone', 'native', 'USD', 5, 'succeeded', '', '{}', '', 1, 1, '', '')").ok());
  auto orphans = store_->ScanRefundsWithoutPayment(10);
  ASSERT_TRUE(orphans.ok());
  ASSERT_EQ(orphans.value().size(), 1u);
  EXPECT_EQ(orphans.value()[0].id, "re_lost");
  std::vector<PaymentProblem> problems;
  auto summary = VerifyAll(*store_, [&](const PaymentProblem& p) { problems.push_back(p); });
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary.value().payments, 1);
  EXPECT_EQ(summary.value().refunds, 1);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].payment_id, "pi_gone");
  EXPECT_NE(problems[0].what.find("re_lost"), std::string::npos);
}

TEST_F(PostgresStoreTest, ConnectionsTheServerKillsAreReplaced) {
  ASSERT_TRUE(store_->SubmitAndWait([](WriteTx& tx) { return tx.InsertPayment(Paid("pi_1")).ok(); }));
  ASSERT_TRUE(store_->ReadPayment("mer_a", "pi_1").ok());
  auto killed_here = other_->Exec(
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
      "application_name = 'refundd' AND datname = current_database() AND pid <> pg_backend_pid()");
  ASSERT_TRUE(killed_here.ok());
  EXPECT_GE(killed_here.value().Int(0, 0), 3) << "two writers and a reader";

  // Writes fail (done(false)) until a writer has reconnected, then succeed.
  bool wrote = false;
  for (int i = 0; i < 100 && !wrote; ++i) {
    wrote = store_->SubmitAndWait([i](WriteTx& tx) {
      return tx.InsertPayment(Paid("pi_after_" + std::to_string(i))).ok();
    });
    if (!wrote) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(wrote);
  bool read = false;
  for (int i = 0; i < 10 && !read; ++i) read = store_->ReadPayment("mer_a", "pi_1").ok();
  EXPECT_TRUE(read) << "a broken read connection is dropped, the next one is new";
}

// GET /v1/refunds?payment_intent=... must not walk every refund of the merchant, even on the
// generic plan that a prepared statement settles on: the payment's pages go through
// refunds_by_payment.
TEST_F(PostgresStoreTest, APaymentsRefundsArePagedThroughItsOwnIndex) {
  ASSERT_TRUE(other_->Simple("SET plan_cache_mode = force_generic_plan").ok());
  ASSERT_TRUE(other_->Simple("SET enable_seqscan = off").ok());
  int n = 0;
  for (bool by_payment : {false, true}) {
    for (bool backwards : {false, true}) {
      const std::string name = "page" + std::to_string(n++);
      ASSERT_TRUE(other_->Simple(("PREPARE " + name + "(text, text, bigint, bigint, bigint, text) AS " +
                                  RefundPageSql(by_payment, backwards))
                                     .c_str())
                      .ok());
      auto rows = other_->Simple(
          ("EXPLAIN EXECUTE " + name + "('mer_a', 'pi_1', 9000000000000000000, 0, 11, '')").c_str());
      ASSERT_TRUE(rows.ok()) << rows.error().message;
      std::string plan;
      for (int i = 0; i < rows.value().size(); ++i) plan += rows.value().Text(i, 0) + "\n";
      EXPECT_NE(plan.find(by_payment ? "refunds_by_payment" : "refunds_by_merchant"),
                std::string::npos)
          << plan;
      EXPECT_EQ(plan.find("Sort"), std::string::npos) << plan;
    }
  }
}

}  // namespace
}  // namespace refundd::store::postgres
