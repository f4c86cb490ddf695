// The Store contract suite: every backend must pass it (SQLite, the in-memory store, and
// PostgreSQL when REFUNDD_TEST_PG_URL names a server). It proves scoping by merchant, the
// per-job savepoints of group commit, idempotency records, paging, concurrent refunds on one
// payment, consistent scans while refunds settle, and that committed data survives closing and
// reopening.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/money.h"
#include "store/memory/memory_store.h"
#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"
#include "store/verify.h"

namespace refundd::store {
namespace {

// A backend under test: opens a store on a location that survives Reopen().
struct Backend {
  std::string name;
  std::function<std::unique_ptr<Store>(const std::string& location)> open;
};

// PostgreSQL runs when REFUNDD_TEST_PG_URL names a server (scripts/with-postgres.sh starts one):
// each location gets its own database there, made on first open.
std::unique_ptr<Store> OpenPostgres(const std::string& location) {
  const std::string url = std::getenv("REFUNDD_TEST_PG_URL");
  const std::string dbname = "refundd_" + std::to_string(std::hash<std::string>{}(location));
  auto admin = postgres::Conn::Open(url);
  EXPECT_TRUE(admin.ok()) << (admin.ok() ? "" : admin.error());
  if (!admin.ok()) return nullptr;
  auto exists = admin.value()->Exec("SELECT 1 FROM pg_database WHERE datname = $1",
                                    postgres::Params().Add(dbname));
  if (exists.ok() && exists.value().size() == 0) {
    EXPECT_TRUE(admin.value()->Simple(("CREATE DATABASE " + dbname).c_str()).ok());
  }
  auto s = postgres::PostgresStore::Open({*postgres::WithDatabase(url, dbname), 4, 256});
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error());
  return s.ok() ? std::move(s).value() : nullptr;
}

// The in-memory store keeps a location's disk while the location's directory lives (a marker
// file in it), so that Reopen() finds it and a fresh directory gets a fresh disk.
std::unique_ptr<Store> OpenMemory(const std::string& location) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<memory::MemoryDisk>> disks;
  std::lock_guard lock(mu);
  const std::filesystem::path marker = std::filesystem::path(location) / "memory-disk";
  std::shared_ptr<memory::MemoryDisk>& disk = disks[location];
  if (!disk || !std::filesystem::exists(marker)) {
    disk = memory::NewDisk();
    std::ofstream{marker};
  }
  return memory::MemoryStore::Open(disk);
}

std::vector<Backend> Backends() {
  std::vector<Backend> out = {{"sqlite",
                               [](const std::string& dir) -> std::unique_ptr<Store> {
                                 auto s = sqlite::SqliteStore::Open(dir + "/refundd.db");
                                 EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error());
                                 return s.ok() ? std::move(s).value() : nullptr;
                               }},
                              {"memory", OpenMemory}};
  if (std::getenv("REFUNDD_TEST_PG_URL")) out.push_back({"postgres", OpenPostgres});
  return out;
}

class StoreContract : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    // A parameterized test's name is "Name/backend": one directory, not two nested ones (the
    // outer one would stay behind).
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::replace(name.begin(), name.end(), '/', '-');
    dir_ = std::filesystem::temp_directory_path() /
           ("refundd-store-" + std::to_string(::getpid()) + "-" + name);
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = GetParam().open(dir_.string());
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(
        store_->CreateMerchant({"mer_a", "a", 1}, {{"native", "hash_a", "mer_a", ""}}).ok());
    ASSERT_TRUE(
        store_->CreateMerchant({"mer_b", "b", 2}, {{"native", "hash_b", "mer_b", ""}}).ok());
  }
  void TearDown() override {
    if (store_) store_->Close();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Reopen() {
    store_->Close();
    store_ = GetParam().open(dir_.string());
    ASSERT_NE(store_, nullptr);
  }

  static core::Payment NewPayment(const std::string& id, const std::string& merchant,
                                  int64_t captured) {
    core::Payment p;
    p.id = id;
    p.merchant_id = merchant;
    p.dialect = "native";
    p.currency = *core::FindCurrency("USD");
    p.amount_minor = captured;
    p.captured_minor = captured;
    p.status = core::PaymentStatus::kCaptured;
    p.metadata = {{"order", "42"}};
    p.created_ms = p.updated_ms = 1000;
    return p;
  }
  static core::Refund NewRefund(const std::string& id, const core::Payment& p, int64_t amount) {
    core::Refund r;
    r.id = id;
    r.merchant_id = p.merchant_id;
    r.payment_id = p.id;
    r.dialect = "native";
    r.currency = p.currency;
    r.amount_minor = amount;
    r.status = core::RefundStatus::kSucceeded;
    r.created_ms = r.updated_ms = 2000;
    return r;
  }
  bool Write(std::function<bool(WriteTx&)> apply) {
    return store_->SubmitAndWait(std::move(apply));
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreContract, CredentialsFindTheirMerchant) {
  auto c = store_->FindCredential("native", "hash_b");
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c.value().has_value());
  EXPECT_EQ(c.value()->merchant_id, "mer_b");
  EXPECT_FALSE(store_->FindCredential("native", "nope").value().has_value());
  EXPECT_FALSE(store_->FindCredential("rapyd", "hash_b").value().has_value());
  EXPECT_FALSE(store_->CreateMerchant({"mer_c", "a", 3}, {}).ok()) << "names are unique";
  EXPECT_EQ(store_->ListMerchants().value().size(), 2u);
  EXPECT_EQ(store_->FindMerchantByName("a").value()->id, "mer_a");
}

TEST_P(StoreContract, PaymentsAreScopedByMerchant) {
  ASSERT_TRUE(Write([](WriteTx& tx) {
    auto r = tx.InsertPayment(NewPayment("pi_1", "mer_a", 500));
    EXPECT_TRUE(r.ok()) << (r.ok() ? std::string()
                                   : std::to_string(int(r.error().kind)) + r.error().message);
    return r.ok();
  }));
  auto own = store_->ReadPayment("mer_a", "pi_1");
  ASSERT_TRUE(own.ok() && own.value().has_value());
  EXPECT_EQ(own.value()->captured_minor, 500);
  EXPECT_EQ(own.value()->metadata.at("order"), "42");
  EXPECT_FALSE(store_->ReadPayment("mer_b", "pi_1").value().has_value());
  Write([](WriteTx& tx) {
    EXPECT_FALSE(tx.LoadPaymentForUpdate("mer_b", "pi_1").value().has_value());
    return true;
  });
}

// The jobs queue up behind a slow first one, so that they share batches with failing jobs.
TEST_P(StoreContract, AJobThatFailsRollsBackOnlyItsOwnWrites) {
  std::vector<std::future<bool>> results;
  std::atomic<int> applied{0};
  for (int i = 0; i < 50; ++i) {
    auto promise = std::make_shared<std::promise<bool>>();
    results.push_back(promise->get_future());
    store_->Submit(WriteJob{[i, &applied](WriteTx& tx) {
                              ++applied;
                              if (i == 0)
                                std::this_thread::sleep_for(std::chrono::milliseconds(50));
                              auto p = NewPayment("pi_" + std::to_string(i), "mer_a", 100);
                              EXPECT_TRUE(tx.InsertPayment(p).ok());
                              return i % 5 != 0;  // every fifth job gives up after writing
                            },
                            [promise](bool committed) { promise->set_value(committed); }});
  }
  for (auto& r : results) EXPECT_TRUE(r.get());
  EXPECT_GE(applied.load(), 50);  // a job may run again after a rollback (store.h)
  for (int i = 0; i < 50; ++i) {
    bool present = store_->ReadPayment("mer_a", "pi_" + std::to_string(i)).value().has_value();
    EXPECT_EQ(present, i % 5 != 0) << i;
  }
}

TEST_P(StoreContract, RefundsPageNewestFirstWithCursors) {
  core::Payment p = NewPayment("pi_1", "mer_a", 10'000);
  core::Payment other = NewPayment("pi_2", "mer_a", 10'000);
  ASSERT_TRUE(Write([&](WriteTx& tx) {
    bool ok = tx.InsertPayment(p).ok() && tx.InsertPayment(other).ok();
    for (int i = 0; i < 7; ++i) {
      ok = ok && tx.InsertRefund(NewRefund("re_" + std::to_string(i), i < 5 ? p : other, 1)).ok();
    }
    return ok;
  }));
  auto page = store_->ListRefunds({"mer_a", "", "", "", 3}).value();
  ASSERT_EQ(page.refunds.size(), 3u);
  EXPECT_TRUE(page.has_more);
  EXPECT_EQ(page.refunds[0].id, "re_6");
  EXPECT_EQ(page.refunds[2].id, "re_4");
  auto next = store_->ListRefunds({"mer_a", "", "re_4", "", 3}).value();
  EXPECT_EQ(next.refunds.front().id, "re_3");
  EXPECT_TRUE(next.has_more);
  auto last = store_->ListRefunds({"mer_a", "", "re_1", "", 3}).value();
  ASSERT_EQ(last.refunds.size(), 1u);
  EXPECT_FALSE(last.has_more);
  auto before = store_->ListRefunds({"mer_a", "", "", "re_1", 2}).value();
  ASSERT_EQ(before.refunds.size(), 2u);
  EXPECT_EQ(before.refunds[0].id, "re_3");
  EXPECT_EQ(before.refunds[1].id, "re_2");
  EXPECT_TRUE(before.has_more);
  auto by_payment = store_->ListRefunds({"mer_a", "pi_2", "", "", 10}).value();
  EXPECT_EQ(by_payment.refunds.size(), 2u);
  EXPECT_TRUE(store_->ListRefunds({"mer_b", "", "", "", 10}).value().refunds.empty());
  EXPECT_TRUE(store_->ListRefunds({"mer_b", "", "re_4", "", 10}).value().refunds.empty());
}

// Regression: Rapyd's list used to drop other dialects' rows after the store's LIMIT, so a page
// came back short although more Rapyd refunds existed.
TEST_P(StoreContract, ADialectFilterStillFillsEveryPage) {
  core::Payment native = NewPayment("pi_n", "mer_a", 10'000);
  core::Payment rapyd = NewPayment("payment_r", "mer_a", 10'000);
  rapyd.dialect = "rapyd";
  // Oldest to newest: r0 n0 n1 r1 n2 n3 r2 … r4 n8 n9: two native refunds after each Rapyd one.
  ASSERT_TRUE(Write([&](WriteTx& tx) {
    bool ok = tx.InsertPayment(native).ok() && tx.InsertPayment(rapyd).ok();
    for (int i = 0; i < 5; ++i) {
      core::Refund r = NewRefund("re_r" + std::to_string(i), rapyd, 1);
      r.dialect = "rapyd";
      ok = ok && tx.InsertRefund(r).ok();
      for (int j = 0; j < 2; ++j) {
        ok = ok && tx.InsertRefund(NewRefund("re_n" + std::to_string(2 * i + j), native, 1)).ok();
      }
    }
    return ok;
  }));
  auto ids = [](const RefundPage& page) {
    std::vector<std::string> out;
    for (const core::Refund& r : page.refunds) out.push_back(r.id);
    return out;
  };
  using Ids = std::vector<std::string>;
  auto first = store_->ListRefunds({"mer_a", "", "", "", 2, "rapyd"}).value();
  EXPECT_EQ(ids(first), (Ids{"re_r4", "re_r3"}));
  EXPECT_TRUE(first.has_more);
  auto second = store_->ListRefunds({"mer_a", "", "re_r3", "", 2, "rapyd"}).value();
  EXPECT_EQ(ids(second), (Ids{"re_r2", "re_r1"}));
  EXPECT_TRUE(second.has_more);
  auto last = store_->ListRefunds({"mer_a", "", "re_r1", "", 2, "rapyd"}).value();
  EXPECT_EQ(ids(last), (Ids{"re_r0"}));
  EXPECT_FALSE(last.has_more);
  auto exact = store_->ListRefunds({"mer_a", "", "", "", 5, "rapyd"}).value();
  EXPECT_EQ(exact.refunds.size(), 5u);
  EXPECT_FALSE(exact.has_more);  // native rows after the fifth Rapyd one are not "more"
  auto backwards = store_->ListRefunds({"mer_a", "", "", "re_r1", 2, "rapyd"}).value();
  EXPECT_EQ(ids(backwards), (Ids{"re_r3", "re_r2"}));
  EXPECT_TRUE(backwards.has_more);
  auto natives = store_->ListRefunds({"mer_a", "", "", "", 3, "native"}).value();
  EXPECT_EQ(ids(natives), (Ids{"re_n9", "re_n8", "re_n7"}));
  EXPECT_EQ(store_->ListRefunds({"mer_a", "", "", "", 100, ""}).value().refunds.size(), 15u);
  // Another dialect's refund is no cursor: an unknown cursor gives an empty page.
  EXPECT_TRUE(store_->ListRefunds({"mer_a", "", "re_n5", "", 10, "rapyd"}).value().refunds.empty());
  EXPECT_TRUE(store_->ListRefunds({"mer_a", "", "", "re_n5", 10, "rapyd"}).value().refunds.empty());
  EXPECT_TRUE(store_->ListRefunds({"mer_b", "", "", "", 10, "rapyd"}).value().refunds.empty());
}

TEST_P(StoreContract, IdempotencyRecordsAreKeptPerMerchantAndPurgedByAge) {
  ASSERT_TRUE(Write([](WriteTx& tx) {
    return tx.PutIdempotency({"mer_a", "k1", "fp", 400, "application/json", "{\"e\":1}", 100})
               .ok() &&
           tx.PutIdempotency({"mer_a", "k2", "fp", 200, "application/json", "{}", 5000}).ok();
  }));
  Write([](WriteTx& tx) {
    auto r = tx.LoadIdempotency("mer_a", "k1").value();
    EXPECT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 400);
    EXPECT_EQ(r->body, "{\"e\":1}");
    EXPECT_FALSE(tx.LoadIdempotency("mer_b", "k1").value().has_value());
    return true;
  });
  EXPECT_EQ(store_->PurgeIdempotency(1000).value(), 1);
  Write([](WriteTx& tx) {
    EXPECT_FALSE(tx.LoadIdempotency("mer_a", "k1").value().has_value());
    EXPECT_TRUE(tx.LoadIdempotency("mer_a", "k2").value().has_value());
    return true;
  });
}

TEST_P(StoreContract, AliasesResolveWithinTheirMerchant) {
  ASSERT_TRUE(Write([](WriteTx& tx) {
    EXPECT_TRUE(tx.InsertAlias({"mer_a", "ticket", "123", "pi_1"}).value());
    EXPECT_FALSE(tx.InsertAlias({"mer_a", "ticket", "123", "pi_2"}).value());
    return true;
  }));
  EXPECT_EQ(*store_->ReadAlias("mer_a", "ticket", "123").value(), "pi_1");
  EXPECT_FALSE(store_->ReadAlias("mer_b", "ticket", "123").value().has_value());
}

TEST_P(StoreContract, CommittedWritesSurviveReopening) {
  core::Payment p = NewPayment("pi_1", "mer_a", 1000);
  p.refunded_minor = 300;
  ASSERT_TRUE(Write([&](WriteTx& tx) {
    return tx.InsertPayment(p).ok() && tx.InsertRefund(NewRefund("re_1", p, 300)).ok();
  }));
  Reopen();
  EXPECT_EQ(store_->ReadPayment("mer_a", "pi_1").value()->refunded_minor, 300);
  EXPECT_EQ(store_->ReadRefund("mer_a", "re_1").value()->amount_minor, 300);
  EXPECT_EQ(store_->ListMerchants().value().size(), 2u);
}

TEST_P(StoreContract, ConcurrentJobsOnOnePaymentNeverOverRefund) {
  ASSERT_TRUE(
      Write([](WriteTx& tx) { return tx.InsertPayment(NewPayment("pi_1", "mer_a", 1000)).ok(); }));
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        // apply() may run again after a rollback (store.h): count what the last run decided.
        bool refunded = false;
        bool committed = store_->SubmitAndWait([&, t, i](WriteTx& tx) {
          refunded = false;
          auto loaded = tx.LoadPaymentForUpdate("mer_a", "pi_1");
          if (!loaded.ok()) return false;
          core::Payment p = *loaded.value();
          if (p.RefundableMinor() < 7) return true;
          p.refunded_minor += 7;
          core::Refund r = NewRefund("re_" + std::to_string(t) + "_" + std::to_string(i), p, 7);
          if (!tx.InsertRefund(r).ok() || !tx.UpdatePayment(p).ok()) return false;
          refunded = true;
          return true;
        });
        if (committed && refunded) ++granted;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(granted.load(), 1000 / 7);
  EXPECT_EQ(store_->ReadPayment("mer_a", "pi_1").value()->refunded_minor, 7 * (1000 / 7));
}

// A backlog larger than one chunk goes in several; a record that has not expired is never
// deleted, whatever was stored around it.
TEST_P(StoreContract, PurgingABacklogTakesEveryExpiredRecordAndNoLiveOne) {
  for (int part = 0; part < 5; ++part) {
    ASSERT_TRUE(Write([part](WriteTx& tx) {
      for (int i = 0; i < 500; ++i) {
        const std::string key = "old" + std::to_string(part * 500 + i);
        if (!tx.PutIdempotency({"mer_a", key, "fp", 200, "application/json", "{}", 100 + i}).ok()) {
          return false;
        }
      }
      return true;
    }));
  }
  ASSERT_TRUE(Write([](WriteTx& tx) {
    return tx.PutIdempotency({"mer_a", "live", "fp", 200, "application/json", "{}", 5000}).ok() &&
           tx.PutIdempotency({"mer_b", "late", "fp", 200, "application/json", "{}", 50}).ok();
  }));
  const int64_t first = store_->PurgeIdempotency(1000).value();
  // "late" was stored after a live record: it may have to wait for that one.
  EXPECT_GE(first, 2500);
  EXPECT_LE(first, 2501);
  EXPECT_EQ(store_->PurgeIdempotency(1000).value(), 0) << "nothing else expired";
  Write([](WriteTx& tx) {
    EXPECT_FALSE(tx.LoadIdempotency("mer_a", "old0").value().has_value());
    EXPECT_FALSE(tx.LoadIdempotency("mer_a", "old2499").value().has_value());
    EXPECT_TRUE(tx.LoadIdempotency("mer_a", "live").value().has_value());
    return true;
  });
  EXPECT_EQ(store_->PurgeIdempotency(6000).value(), first == 2500 ? 2 : 1);
  Write([](WriteTx& tx) {
    EXPECT_FALSE(tx.LoadIdempotency("mer_a", "live").value().has_value());
    EXPECT_FALSE(tx.LoadIdempotency("mer_b", "late").value().has_value());
    return true;
  });
}

TEST_P(StoreContract, AClaimedKeyIsStoredWithItsAnswerOrReleasedWithItsJob) {
  Write([](WriteTx& tx) {
    EXPECT_FALSE(tx.ClaimIdempotency("mer_a", "k1", 100).value().has_value());
    return false;  // rolled back: the claim goes with it
  });
  ASSERT_TRUE(Write([](WriteTx& tx) {
    EXPECT_FALSE(tx.ClaimIdempotency("mer_a", "k1", 100).value().has_value());
    return tx.PutIdempotency({"mer_a", "k1", "fp", 201, "application/json", "{}", 100}).ok();
  }));
  Write([](WriteTx& tx) {
    auto r = tx.ClaimIdempotency("mer_a", "k1", 200).value();
    EXPECT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 201);
    EXPECT_EQ(r->fingerprint, "fp");
    EXPECT_EQ(r->created_ms, 100);
    EXPECT_FALSE(tx.ClaimIdempotency("mer_b", "k1", 200).value().has_value());
    return true;
  });
  EXPECT_EQ(store_->PurgeIdempotency(1000).value(), 1) << "mer_b's claim was never stored";
}

TEST_P(StoreContract, JobsInOneBatchSeeEachOthersWrites) {
  ASSERT_TRUE(
      Write([](WriteTx& tx) { return tx.InsertPayment(NewPayment("pi_1", "mer_a", 100)).ok(); }));
  std::vector<std::future<bool>> results;
  for (int i = 0; i < 30; ++i) {
    auto promise = std::make_shared<std::promise<bool>>();
    results.push_back(promise->get_future());
    store_->Submit(WriteJob{[i](WriteTx& tx) {
                              auto loaded = tx.LoadPaymentForUpdate("mer_a", "pi_1");
                              if (!loaded.ok()) return false;
                              core::Payment p = *loaded.value();
                              p.refunded_minor += 3;
                              if (!p.Consistent()) return true;  // 33 * 3 > 100: refused
                              core::Refund r = NewRefund("re_" + std::to_string(i), p, 3);
                              r.status = core::RefundStatus::kPending;
                              p.refunded_minor -= 3;
                              p.pending_minor += 3;
                              if (!tx.InsertRefund(r).ok()) return false;
                              auto again = tx.LoadRefund("mer_a", r.id);
                              EXPECT_TRUE(again.ok() && again.value().has_value());
                              return tx.UpdatePayment(p).value();
                            },
                            [promise](bool committed) { promise->set_value(committed); }});
  }
  for (auto& r : results) EXPECT_TRUE(r.get());
  auto p = store_->ReadPayment("mer_a", "pi_1").value();
  EXPECT_EQ(p->pending_minor, 90);
  EXPECT_EQ(store_->ListRefunds({"mer_a", "pi_1", "", "", 100}).value().refunds.size(), 30u);
}

// A refund needs its payment (SQLite: a foreign key; PostgreSQL: the store inserts a refund only
// for a payment its transaction has locked or inserted). The job alone fails; its batch-mates
// commit, and verify finds nothing amiss.
TEST_P(StoreContract, ARefundWithoutItsPaymentIsRefusedAndChangesNothing) {
  const core::Payment p = NewPayment("pi_1", "mer_a", 100);
  ASSERT_TRUE(Write([&](WriteTx& tx) { return tx.InsertPayment(p).ok(); }));
  std::vector<std::future<bool>> results;
  // Per job, the last answer its InsertRefund got (a job may run again after a rollback).
  auto refused = std::make_shared<std::array<std::atomic<int>, 6>>();
  for (int i = 0; i < 6; ++i) {
    auto promise = std::make_shared<std::promise<bool>>();
    results.push_back(promise->get_future());
    store_->Submit(WriteJob{[i, p, refused](WriteTx& tx) {
                              core::Payment target = p;
                              // Odd jobs: no such payment, or (i == 3) another merchant's id.
                              if (i % 2 == 1) target.id = "pi_none";
                              if (i == 3) target = NewPayment("pi_1", "mer_b", 100);
                              auto loaded = tx.LoadPaymentForUpdate("mer_a", "pi_1");
                              if (!loaded.ok() || !loaded.value()) return false;
                              core::Payment next = *loaded.value();
                              next.refunded_minor += 1;
                              auto r = tx.InsertRefund(NewRefund("re_" + std::to_string(i),
                                                                 target, 1));
                              (*refused)[i] = r.ok() ? 0 : 1 + static_cast<int>(r.error().kind);
                              return r.ok() && tx.UpdatePayment(next).ok();
                            },
                            [promise](bool committed) { promise->set_value(committed); }});
  }
  for (auto& r : results) EXPECT_TRUE(r.get());  // the batches commit; the odd jobs roll back
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ((*refused)[i].load(),
              i % 2 == 1 ? 1 + static_cast<int>(StoreErrorKind::kConstraint) : 0)
        << i;
    for (const char* m : {"mer_a", "mer_b"}) {
      EXPECT_EQ(store_->ReadRefund(m, "re_" + std::to_string(i)).value().has_value(),
                i % 2 == 0 && std::string(m) == "mer_a")
          << m << " " << i;
    }
  }
  EXPECT_EQ(store_->ReadPayment("mer_a", "pi_1").value()->refunded_minor, 3);
  EXPECT_TRUE(store_->ScanRefundsWithoutPayment(10).value().empty());
  int problems = 0;
  auto summary = VerifyAll(*store_, [&](const PaymentProblem&) { ++problems; });
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary.value().refunds, 3);
  EXPECT_EQ(problems, 0);
}

TEST_P(StoreContract, ScanPaymentsPagesEveryPaymentWithItsRefunds) {
  ASSERT_TRUE(Write([](WriteTx& tx) {
    bool ok = true;
    for (const char* m : {"mer_a", "mer_b"}) {
      for (int i = 0; i < 3; ++i) {
        core::Payment p = NewPayment(std::string("pi_") + m + "_" + std::to_string(i), m, 100);
        p.refunded_minor = i;
        ok = ok && tx.InsertPayment(p).ok();
        for (int j = 0; j < i; ++j) {
          ok = ok && tx
                         .InsertRefund(NewRefund(
                             std::string("re_") + m + std::to_string(i) + std::to_string(j), p, 1))
                         .ok();
        }
      }
    }
    return ok;
  }));
  auto first = store_->ScanPayments("", "", 4).value();
  ASSERT_EQ(first.size(), 4u);
  EXPECT_EQ(first[0].payment.merchant_id, "mer_a");
  EXPECT_EQ(first[0].payment.id, "pi_mer_a_0");
  EXPECT_EQ(first[2].refunds.size(), 2u);
  EXPECT_EQ(first[3].payment.merchant_id, "mer_b");
  auto rest = store_->ScanPayments("mer_b", "pi_mer_b_0", 4).value();
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[1].payment.id, "pi_mer_b_2");
  EXPECT_EQ(rest[1].refunds.size(), 2u);
  EXPECT_EQ(rest[1].refunds[0].payment_id, "pi_mer_b_2");
}

// `refundd verify` while refunds settle: each settlement changes a refund's status and its
// payment's totals in one transaction, so a scan that reads each payment with its refunds from
// one snapshot never sees one change without the other. Read apart, it reported mismatches that
// were never committed (issue 19, fault 2).
TEST_P(StoreContract, VerifyWhileRefundsSettleFindsNoMismatch) {
  constexpr int kPayments = 40;
  auto pending_id = [](int payment, int64_t k) {
    return "re_" + std::to_string(payment) + "_" + std::to_string(k);
  };
  ASSERT_TRUE(Write([&](WriteTx& tx) {
    bool ok = true;
    for (int i = 0; i < kPayments; ++i) {
      core::Payment p = NewPayment("pi_" + std::to_string(i), "mer_a", 1'000'000);
      p.pending_minor = 1;
      core::Refund r = NewRefund(pending_id(i, 0), p, 1);
      r.status = core::RefundStatus::kPending;
      ok = ok && tx.InsertPayment(p).ok() && tx.InsertRefund(r).ok();
    }
    return ok;
  }));
  // Settles payment i's pending refund k and opens refund k + 1, in one transaction.
  std::atomic<bool> stop{false};
  std::atomic<int64_t> settled{0};
  std::atomic<bool> settle_failed{false};
  std::thread settler([&] {
    for (int64_t n = 0; !stop.load(); ++n) {
      const int i = static_cast<int>(n % kPayments);
      const int64_t k = n / kPayments;
      bool ok = Write([&](WriteTx& tx) {
        auto p = tx.LoadPaymentForUpdate("mer_a", "pi_" + std::to_string(i));
        auto r = tx.LoadRefund("mer_a", pending_id(i, k));
        if (!p.ok() || !p.value() || !r.ok() || !r.value()) return false;
        core::Payment payment = *p.value();
        core::Refund refund = *r.value();
        refund.status = core::RefundStatus::kSucceeded;
        payment.refunded_minor += 1;
        core::Refund next = NewRefund(pending_id(i, k + 1), payment, 1);
        next.status = core::RefundStatus::kPending;
        return tx.UpdateRefund(refund).ok() && tx.InsertRefund(next).ok() &&
               tx.UpdatePayment(payment).ok();
      });
      if (!ok) {
        settle_failed = true;
        return;
      }
      settled.fetch_add(1);
    }
  });
  // At least kRuns scans, and until settlements landed during them (a scan with none proves
  // nothing); a deadline keeps a stalled settler from hanging the test.
  constexpr int kRuns = 20;
  const int64_t settled_before = settled.load();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::vector<std::string> problems;
  int runs = 0;
  while ((runs < kRuns || settled.load() - settled_before < 4 * kPayments) &&
         std::chrono::steady_clock::now() < deadline && !settle_failed.load()) {
    auto summary = VerifyAll(*store_, [&](const PaymentProblem& problem) {
      problems.push_back(problem.payment_id + ": " + problem.what);
    });
    ASSERT_TRUE(summary.ok()) << summary.error().message;
    EXPECT_EQ(summary.value().payments, kPayments);
    ++runs;
  }
  stop = true;
  settler.join();
  EXPECT_FALSE(settle_failed.load());
  EXPECT_GE(settled.load() - settled_before, 4 * kPayments) << "too few settlements to prove it";
  EXPECT_TRUE(problems.empty()) << problems.size() << " problems in " << runs
                                << " runs, the first: " << problems.front();
  // The pooled read connections were left outside their snapshots: a read sees the latest commit.
  auto last = store_->ReadPayment("mer_a", "pi_0");
  ASSERT_TRUE(last.ok() && last.value());
  EXPECT_EQ(last.value()->refunded_minor, (settled.load() + kPayments - 1) / kPayments);
}

TEST_P(StoreContract, MerchantSettingsAreSetReplacedAndScoped) {
  EXPECT_FALSE(store_->GetMerchantSetting("mer_a", "x").value().has_value());
  ASSERT_TRUE(store_->SetMerchantSetting("mer_a", "x", "1").ok());
  ASSERT_TRUE(store_->SetMerchantSetting("mer_a", "x", "2").ok());
  EXPECT_EQ(*store_->GetMerchantSetting("mer_a", "x").value(), "2");
  EXPECT_FALSE(store_->GetMerchantSetting("mer_b", "x").value().has_value());
  EXPECT_FALSE(store_->SetMerchantSetting("mer_nope", "x", "1").ok()) << "unknown merchant";
}

TEST_P(StoreContract, SubmitAfterCloseIsAnsweredNotCommitted) {
  store_->Close();
  EXPECT_FALSE(store_->SubmitAndWait([](WriteTx&) { return true; }));
}

// --- the lifecycle's part of the contract (store/outbox.h) ---

TEST_P(StoreContract, RefundActionsAreClaimedOnceUntilTheirLeaseRunsOut) {
  ASSERT_TRUE(Write([](WriteTx& tx) {
    return tx.PutRefundAction({"re_a", "mer_a", "lookup", 0, 200}).ok() &&
           tx.PutRefundAction({"re_b", "mer_b", "submit", 2, 100}).ok() &&
           tx.PutRefundAction({"re_c", "mer_a", "lookup", 0, 5000}).ok();
  }));
  EXPECT_EQ(*store_->NextRefundActionDueMs().value(), 100);
  auto first = store_->ClaimDueRefundActions(250, 10, 1000).value();
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0], (RefundAction{"re_b", "mer_b", "submit", 2, 1250})) << "earliest first";
  EXPECT_EQ(first[1].refund_id, "re_a");
  EXPECT_TRUE(store_->ClaimDueRefundActions(300, 10, 1000).value().empty()) << "leased";
  EXPECT_EQ(store_->ReadRefundAction("mer_a", "re_a").value()->next_action_ms, 1250);
  EXPECT_EQ(store_->ClaimDueRefundActions(1300, 1, 1000).value().size(), 1u) << "limit";
  EXPECT_FALSE(store_->ReadRefundAction("mer_b", "re_a").value().has_value()) << "scoped";
  ASSERT_TRUE(Write([](WriteTx& tx) {
    EXPECT_TRUE(tx.DeleteRefundAction("mer_a", "re_a").value());
    EXPECT_FALSE(tx.DeleteRefundAction("mer_a", "re_a").value());
    return tx.PutRefundAction({"re_c", "mer_a", "lookup", 1, 7000}).ok();  // replaces
  }));
  EXPECT_FALSE(store_->ReadRefundAction("mer_a", "re_a").value().has_value());
  EXPECT_EQ(store_->ReadRefundAction("mer_a", "re_c").value()->attempts, 1);
  Reopen();
  EXPECT_EQ(store_->ReadRefundAction("mer_a", "re_c").value()->next_action_ms, 7000);
}

TEST_P(StoreContract, EventsIncreaseInWriteOrderAndPageNewestFirst) {
  const std::vector<OutboxEvent> written = {
      {"evt_1", "mer_a", "native", "refund.updated", "re_1", 0, "{}", 10},
      {"evt_2", "mer_a", "native", "refund.updated", "re_1", 0, "{}", 10},
      {"evt_3", "mer_a", "native", "refund.updated", "re_1", 0, "{}", 10},
      {"evt_4", "mer_a", "native", "charge.refunded", "ch_1", 0, "{}", 10},
      {"evt_5", "mer_b", "native", "refund.updated", "re_1", 0, "{}", 10},
      {"evt_6", "mer_a", "rapyd", "REFUND_COMPLETED", "refund_1", 0, "{}", 11}};
  ASSERT_TRUE(Write([&](WriteTx& tx) {
    for (const OutboxEvent& e : written) EXPECT_TRUE(tx.InsertEvent(e).value());
    return true;
  }));
  // A later transaction's events about the same object come after.
  ASSERT_TRUE(Write([&](WriteTx& tx) {
    return tx.InsertEvent({"evt_7", "mer_a", "rapyd", "REFUND_COMPLETED", "refund_1", 0, "{}", 12})
        .value();
  }));
  std::vector<int64_t> sequences;
  for (const char* id : {"evt_1", "evt_2", "evt_3", "evt_4", "evt_6", "evt_7"}) {
    auto e = store_->ReadEvent("mer_a", id).value();
    ASSERT_TRUE(e.has_value()) << id;
    sequences.push_back(e->sequence);
  }
  sequences.insert(sequences.begin() + 4, store_->ReadEvent("mer_b", "evt_5").value()->sequence);
  EXPECT_TRUE(std::is_sorted(sequences.begin(), sequences.end()));
  EXPECT_EQ(std::adjacent_find(sequences.begin(), sequences.end()), sequences.end())
      << "each event its own sequence";
  auto e = store_->ReadEvent("mer_a", "evt_2").value();
  ASSERT_TRUE(e.has_value());
  OutboxEvent expected = written[1];
  expected.sequence = e->sequence;
  EXPECT_EQ(*e, expected);
  EXPECT_FALSE(store_->ReadEvent("mer_b", "evt_2").value().has_value());

  EventListQuery q{"mer_a", "native", "", "", "", "", 2};
  auto page = store_->ListEvents(q).value();
  ASSERT_EQ(page.events.size(), 2u);
  EXPECT_TRUE(page.has_more);
  EXPECT_EQ(page.events[0].id, "evt_4") << "newest first, in the order written";
  EXPECT_EQ(page.events[1].id, "evt_3");
  q.starting_after = "evt_3";
  page = store_->ListEvents(q).value();
  ASSERT_EQ(page.events.size(), 2u);
  EXPECT_EQ(page.events[0].id, "evt_2");
  EXPECT_FALSE(page.has_more);
  q = EventListQuery{"mer_a", "native", "", "", "", "evt_2", 10};
  page = store_->ListEvents(q).value();
  ASSERT_EQ(page.events.size(), 2u);
  EXPECT_EQ(page.events[0].id, "evt_4");
  q = EventListQuery{"mer_a", "native", "charge.refunded", "", "", "", 10};
  EXPECT_EQ(store_->ListEvents(q).value().events.size(), 1u);
  q = EventListQuery{"mer_a", "native", "", "re_1", "", "", 10};
  EXPECT_EQ(store_->ListEvents(q).value().events.size(), 3u);
  q = EventListQuery{"mer_a", "native", "", "", "evt_nope", "", 10};
  EXPECT_TRUE(store_->ListEvents(q).value().events.empty());
}

TEST_P(StoreContract, DeliveriesAreClaimedLoggedAndRedelivered) {
  ASSERT_TRUE(Write([](WriteTx& tx) {
    EXPECT_TRUE(tx.InsertEvent({"evt_1", "mer_a", "native", "t", "re_1", 0, "{}", 10}).ok());
    Delivery d;
    d.id = "whd_1";
    d.event_id = "evt_1";
    d.merchant_id = "mer_a";
    d.endpoint_id = "we_1";
    d.url = "https://m.example/hook";
    d.headers = {{"X-Custom", "a b"}};
    d.next_attempt_ms = d.window_start_ms = 10;
    EXPECT_TRUE(tx.InsertDelivery(d).ok());
    d.id = "whd_2";
    d.endpoint_id = "";
    d.headers = {};
    d.next_attempt_ms = 50;
    return tx.InsertDelivery(d).ok();
  }));
  EXPECT_EQ(*store_->NextDeliveryDueMs().value(), 10);
  auto claimed = store_->ClaimDueDeliveries(20, 10, 5000).value();
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].id, "whd_1");
  EXPECT_EQ(claimed[0].headers, (Headers{{"X-Custom", "a b"}}));
  EXPECT_EQ(claimed[0].next_attempt_ms, 5020);
  EXPECT_EQ(*store_->NextDeliveryDueMs().value(), 50);

  ASSERT_TRUE(store_
                  ->RecordDeliveryAttempt(
                      {{"whd_1", 1, 20, 7, 500, "HTTP 500"}, DeliveryStatus::kPending, 900})
                  .value());
  ASSERT_TRUE(
      store_->RecordDeliveryAttempt({{"whd_1", 2, 900, 3, 200, ""}, DeliveryStatus::kDelivered, 0})
          .value());
  ASSERT_TRUE(store_
                  ->RecordDeliveryAttempt(
                      {{"whd_2", 1, 60, 10000, 0, "timed out"}, DeliveryStatus::kDead, 0})
                  .value());
  EXPECT_FALSE(
      store_->RecordDeliveryAttempt({{"whd_nope", 1, 1, 1, 200, ""}, DeliveryStatus::kDelivered, 0})
          .value());
  EXPECT_FALSE(store_->NextDeliveryDueMs().value().has_value()) << "none pending";
  auto deliveries = store_->ListDeliveries("mer_a", "evt_1").value();
  ASSERT_EQ(deliveries.size(), 2u);
  EXPECT_EQ(deliveries[0].status, DeliveryStatus::kDelivered);
  EXPECT_EQ(deliveries[0].attempts, 2);
  EXPECT_EQ(deliveries[0].last_http_status, 200);
  EXPECT_EQ(deliveries[1].status, DeliveryStatus::kDead);
  EXPECT_EQ(deliveries[1].last_error, "timed out");
  EXPECT_TRUE(store_->ListDeliveries("mer_b", "evt_1").value().empty());
  auto log = store_->ListDeliveryAttempts("whd_1").value();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0], (DeliveryAttempt{"whd_1", 1, 20, 7, 500, "HTTP 500"}));
  EXPECT_EQ(log[1].http_status, 200);

  EXPECT_EQ(store_->RedeliverEvent("mer_b", "evt_1", 2000).value(), 0) << "scoped";
  EXPECT_EQ(store_->RedeliverEvent("mer_a", "evt_1", 2000).value(), 2);
  claimed = store_->ClaimDueDeliveries(2000, 10, 5000).value();
  ASSERT_EQ(claimed.size(), 2u);
  EXPECT_EQ(claimed[0].window_start_ms, 2000) << "the give-up age starts again";
  EXPECT_EQ(claimed[0].attempts + claimed[1].attempts, 3) << "the log goes on";
}

TEST_P(StoreContract, WebhookEndpointsAreScopedByMerchantAndDialect) {
  WebhookEndpoint e{"we_1", "mer_a", "native",         "https://m.example/a",
                    "",     {"*"},   {{"whsec_1", 0}}, 100};
  ASSERT_TRUE(Write([&](WriteTx& tx) {
    EXPECT_TRUE(tx.InsertWebhookEndpoint(e).ok());
    WebhookEndpoint other = e;
    other.id = "we_2";
    other.dialect = "d24";
    other.secrets = {};
    other.created_ms = 50;
    EXPECT_TRUE(tx.InsertWebhookEndpoint(other).ok());
    EXPECT_EQ(tx.LoadWebhookEndpoints("mer_a", "native").value().size(), 1u);
    EXPECT_FALSE(tx.LoadWebhookEndpoint("mer_b", "we_1").value().has_value());
    return true;
  }));
  EXPECT_EQ(*store_->ReadWebhookEndpoint("mer_a", "we_1").value(), e);
  EXPECT_TRUE(store_->ListWebhookEndpoints("mer_b", "native").value().empty());
  e.url = "https://m.example/b";
  e.enabled_events = {"refund.created", "refund.failed"};
  e.secrets = {{"whsec_2", 0}, {"whsec_1", 86'400'100}};
  ASSERT_TRUE(Write([&](WriteTx& tx) { return tx.UpdateWebhookEndpoint(e).value(); }));
  EXPECT_EQ(store_->ListWebhookEndpoints("mer_a", "native").value(),
            (std::vector<WebhookEndpoint>{e}));
  ASSERT_TRUE(Write([&](WriteTx& tx) {
    EXPECT_FALSE(tx.DeleteWebhookEndpoint("mer_b", "we_1").value());
    return tx.DeleteWebhookEndpoint("mer_a", "we_1").value();
  }));
  EXPECT_FALSE(store_->ReadWebhookEndpoint("mer_a", "we_1").value().has_value());
  EXPECT_EQ(store_->ListWebhookEndpoints("mer_a", "d24").value().size(), 1u);
}

TEST_P(StoreContract, AMerchantsCredentialSignsItsWebhooks) {
  auto c = store_->FindMerchantCredential("mer_a", "native").value();
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->lookup, "hash_a");
  EXPECT_FALSE(store_->FindMerchantCredential("mer_a", "rapyd").value().has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContract, ::testing::ValuesIn(Backends()),
                         [](const ::testing::TestParamInfo<Backend>& p) { return p.param.name; });

}  // namespace
}  // namespace refundd::store
