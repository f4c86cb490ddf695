// What the PostgreSQL backend adds to the contract: a job whose payment another transaction holds
// is postponed and runs again (first in a later batch, where it waits), and writers and readers
// whose connections the server killed reconnect, the batch in flight being answered done(false).
// Runs when REFUNDD_TEST_PG_URL names a server (scripts/with-postgres.sh).
#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <future>
#include <thread>

#include "core/money.h"
#include "store/postgres/pg_store.h"

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

}  // namespace
}  // namespace refundd::store::postgres
