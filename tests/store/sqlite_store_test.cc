// What only the SQLite store has to prove (the contract suite covers what every backend shares):
// its WAL stays bounded while the writer never pauses, because SQLite restarts a WAL only when a
// write transaction begins with every frame checkpointed, which a checkpointer running beside a
// busy writer never achieves by itself; a migration that rebuilds a referenced table keeps what
// an older data dir holds; and a failed WAL write fails only its batch, while a failed fdatasync
// refuses writes until the store is reopened.
#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include "store/migrations.h"
#include "store/sqlite/db.h"
#include "store/sqlite/sqlite_tx.h"
#include "store/sqlite/wal_buffer_vfs.h"

namespace refundd::store::sqlite {
namespace {

// A fresh directory for one test's database, removed when the test ends, failed or not.
struct TestDir {
  explicit TestDir(const std::string& name)
      : path(std::filesystem::temp_directory_path() /
             ("refundd-sqlite-" + name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TestDir() { std::filesystem::remove_all(path); }
  TestDir(const TestDir&) = delete;
  TestDir& operator=(const TestDir&) = delete;
  std::string Db() const { return (path / "refundd.db").string(); }
  std::filesystem::path path;
};

int64_t FileSize(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_size : 0;
}

TEST(SqliteStore, TheWalStaysBoundedWhileTheWriterNeverPauses) {
  const TestDir dir("wal");
  const std::string path = dir.Db();
  {
    auto opened = SqliteStore::Open(path);
    ASSERT_TRUE(opened.ok()) << opened.error();
    auto& store = *opened.value();
    ASSERT_TRUE(store.CreateMerchant({"mer_a", "a", 1}, {}).ok());

    // 3x the WAL limit in 128 KiB idempotency records, 32 jobs always queued so that
    // the writer runs batch after batch without a gap.
    constexpr int64_t kWalLimitBytes = int64_t{SqliteStore::kWalLimitFrames} * 4096;
    constexpr int kBodyBytes = 128 << 10;
    constexpr int kJobs = static_cast<int>(3 * kWalLimitBytes / kBodyBytes);
    std::string body(kBodyBytes, 'x');
    std::mt19937 rng(7);
    for (auto& c : body) c = static_cast<char>('a' + rng() % 26);

    std::mutex mu;
    std::condition_variable cv;
    int in_flight = 0, done = 0, failed = 0;
    std::atomic<int64_t> largest_wal{0};
    std::atomic<bool> stop{false};
    std::thread watcher([&] {
      while (!stop) {
        largest_wal = std::max(largest_wal.load(), FileSize(path + "-wal"));
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    });
    for (int i = 0; i < kJobs; ++i) {
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return in_flight < 32; });
        ++in_flight;
      }
      body[0] = static_cast<char>('a' + i % 26);
      std::string key = "k" + std::to_string(i);
      store.Submit(
          {[key, body](WriteTx& tx) {
             return tx.PutIdempotency({"mer_a", key, "fp", 200, "text/plain", body, 1}).ok();
           },
           [&](bool ok) {
             std::lock_guard lock(mu);
             --in_flight;
             ++done;
             if (!ok) ++failed;
             cv.notify_all();
           }});
    }
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return done == kJobs; });
    }
    stop = true;
    watcher.join();
    EXPECT_EQ(failed, 0);
    // Past the limit the writer waits for the checkpoint; the batch that crossed it is the most
    // the WAL can hold beyond (32 jobs of 128 KiB, and their index pages).
    EXPECT_LT(largest_wal.load(), kWalLimitBytes + (8 << 20))
        << "the WAL grew with every write instead of starting over";
    store.Close();
  }
}


// Migration 0007 rebuilds the events table (SQLite cannot drop its old unique constraint) while
// deliveries reference it: a data dir written before keeps every event, its place in the order
// and its deliveries, and new events come after the old ones.
TEST(SqliteStore, TheEventsRebuildKeepsEveryEventInPlaceWithItsDeliveries) {
  const TestDir dir("0007");
  const std::string path = dir.Db();
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    auto exec = [&](const std::string& sql) {
      char* err = nullptr;
      EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK)
          << (err ? err : "") << "\n" << sql;
      sqlite3_free(err);
    };
    exec("PRAGMA foreign_keys=ON");
    exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)");
    for (const Migration& m : Migrations()) {
      if (m.version >= 7) break;
      exec(std::string(m.sql));
      exec("INSERT INTO schema_migrations VALUES (" + std::to_string(m.version) + ", '" +
           std::string(m.name) + "')");
    }
    exec("INSERT INTO events (id, merchant_id, dialect, type, object_id, object_seq, body, "
         "created_ms) VALUES ('evt_a', 'mer_a', 'native', 'refund.created', 're_1', 1, '{\"a\":1}', "
         "10), ('evt_b', 'mer_a', 'native', 'refund.updated', 're_1', 2, '{}', 11)");
    exec("INSERT INTO webhook_deliveries VALUES ('whd_1', 'evt_b', 'mer_a', 'we_1', "
         "'https://m.example/h', '[]', 'pending', 0, 11, 11, 0, 0, '')");
    ASSERT_EQ(sqlite3_close(db), SQLITE_OK);
  }
  {
    auto opened = SqliteStore::Open(path);
    ASSERT_TRUE(opened.ok()) << opened.error();
    auto& store = *opened.value();
    EXPECT_EQ(store.schema_version(), Migrations().back().version);
    auto a = store.ReadEvent("mer_a", "evt_a").value();
    auto b = store.ReadEvent("mer_a", "evt_b").value();
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->body, "{\"a\":1}");
    EXPECT_LT(a->sequence, b->sequence);
    auto deliveries = store.ListDeliveries("mer_a", "evt_b").value();
    ASSERT_EQ(deliveries.size(), 1u);
    EXPECT_EQ(deliveries[0].id, "whd_1");
    ASSERT_TRUE(store.SubmitAndWait([](WriteTx& tx) {
      return tx.InsertEvent({"evt_c", "mer_a", "native", "refund.updated", "re_1", 0, "{}", 12})
          .value();
    }));
    EXPECT_GT(store.ReadEvent("mer_a", "evt_c").value()->sequence, b->sequence);
    EventListQuery q{"mer_a", "native", "", "", "", "", 10};
    auto page = store.ListEvents(q).value();
    ASSERT_EQ(page.events.size(), 3u);
    EXPECT_EQ(page.events[0].id, "evt_c");
    EXPECT_EQ(page.events[2].id, "evt_a");
  }
}

// The writer's transaction keeps a merchant's endpoints as first loaded (a batch publishes one
// change per refund), but not past an endpoint write in the same transaction, which a job's
// savepoint may roll back.
TEST(SqliteStore, ABatchSeesTheEndpointsItsOwnJobsWriteAndRollBack) {
  const TestDir dir("endpoints");
  const std::string path = dir.Db();
  {
    auto store = SqliteStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.error();
    ASSERT_TRUE(store.value()->CreateMerchant({"mer_a", "a", 1}, {}).ok());
  }
  auto opened = Db::Open(path, Db::Wal::kDefault);
  ASSERT_TRUE(opened.ok());
  Db& db = *opened.value();
  ASSERT_TRUE(db.Exec("BEGIN IMMEDIATE").ok());
  SqliteWriteTx tx(db);
  auto endpoint = [](std::string id, std::string url) {
    return WebhookEndpoint{std::move(id), "mer_a", "native", std::move(url), "", {"*"}, {}, 5};
  };
  EXPECT_TRUE(tx.LoadWebhookEndpoints("mer_a", "native").value().empty());
  ASSERT_TRUE(tx.InsertWebhookEndpoint(endpoint("we_1", "https://a.example/hook")).value());
  EXPECT_EQ(tx.LoadWebhookEndpoints("mer_a", "native").value().size(), 1u);
  ASSERT_TRUE(db.Exec("SAVEPOINT job").ok());
  ASSERT_TRUE(tx.InsertWebhookEndpoint(endpoint("we_2", "https://b.example/hook")).value());
  EXPECT_EQ(tx.LoadWebhookEndpoints("mer_a", "native").value().size(), 2u);
  ASSERT_TRUE(db.Exec("ROLLBACK TO job").ok());
  ASSERT_TRUE(db.Exec("RELEASE job").ok());
  auto after = tx.LoadWebhookEndpoints("mer_a", "native").value();
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].id, "we_1");
  auto changed = endpoint("we_1", "https://c.example/hook");
  ASSERT_TRUE(tx.UpdateWebhookEndpoint(changed).value());
  EXPECT_EQ(tx.LoadWebhookEndpoints("mer_a", "native").value()[0].url, changed.url);
  ASSERT_TRUE(tx.DeleteWebhookEndpoint("mer_a", "we_1").value());
  EXPECT_TRUE(tx.LoadWebhookEndpoints("mer_a", "native").value().empty());
  ASSERT_TRUE(db.Exec("ROLLBACK").ok());
}

// Restores the default (no injected faults) when a test ends, failed or not.
struct InjectedWalFaults {
  explicit InjectedWalFaults(const WalFaults& faults) { SetWalFaultsForTesting(faults); }
  ~InjectedWalFaults() { SetWalFaultsForTesting(WalFaults{}); }
};

// A full disk: the write of the batch's WAL frames fails. That batch fails and nothing of it is
// stored; the next batch writes again and commits, without a restart (issue 19, fault 1).
TEST(SqliteStore, AFailedWalWriteFailsOnlyItsBatch) {
  const TestDir dir("full");
  {
    auto opened = SqliteStore::Open(dir.Db());
    ASSERT_TRUE(opened.ok()) << opened.error();
    SqliteStore& store = *opened.value();
    ASSERT_TRUE(store.CreateMerchant({"mer_a", "a", 1}, {}).ok());
    {
      WalFaults faults;
      faults.write_failures = 1;
      InjectedWalFaults injected(faults);
      EXPECT_FALSE(store.SetMerchantSetting("mer_a", "lost", "1").ok());
    }
    EXPECT_EQ(store.WritesRefused(), "");
    EXPECT_TRUE(store.SetMerchantSetting("mer_a", "kept", "2").ok());
    EXPECT_FALSE(store.GetMerchantSetting("mer_a", "lost").value().has_value());
    EXPECT_EQ(store.GetMerchantSetting("mer_a", "kept").value(), std::optional<std::string>("2"));
  }
  auto reopened = SqliteStore::Open(dir.Db());
  ASSERT_TRUE(reopened.ok()) << reopened.error();
  EXPECT_FALSE(reopened.value()->GetMerchantSetting("mer_a", "lost").value().has_value());
  EXPECT_EQ(reopened.value()->GetMerchantSetting("mer_a", "kept").value(),
            std::optional<std::string>("2"));
}

// A failed fdatasync: the kernel may have dropped what it could not write, so the store refuses
// every later write, says why (WritesRefused, which /healthz reports), and reopening recovers.
TEST(SqliteStore, AFailedFdatasyncRefusesEveryLaterWriteUntilReopened) {
  const TestDir dir("fsync");
  {
    auto opened = SqliteStore::Open(dir.Db());
    ASSERT_TRUE(opened.ok()) << opened.error();
    SqliteStore& store = *opened.value();
    ASSERT_TRUE(store.CreateMerchant({"mer_a", "a", 1}, {}).ok());
    {
      WalFaults faults;
      faults.sync_failures = 1;
      InjectedWalFaults injected(faults);
      EXPECT_FALSE(store.SetMerchantSetting("mer_a", "x", "1").ok());
    }
    EXPECT_NE(store.WritesRefused().find("fdatasync"), std::string::npos) << store.WritesRefused();
    EXPECT_FALSE(store.SetMerchantSetting("mer_a", "y", "2").ok()) << "the disk works again";
    EXPECT_FALSE(store.GetMerchantSetting("mer_a", "y").value().has_value());
  }
  auto reopened = SqliteStore::Open(dir.Db());
  ASSERT_TRUE(reopened.ok()) << reopened.error();
  EXPECT_EQ(reopened.value()->WritesRefused(), "");
  EXPECT_TRUE(reopened.value()->SetMerchantSetting("mer_a", "z", "3").ok());
  EXPECT_EQ(reopened.value()->GetMerchantSetting("mer_a", "z").value(),
            std::optional<std::string>("3"));
}

// GET /v1/refunds?payment_intent=... must not walk every refund of the merchant: the payment's
// pages go through refunds_by_payment, the merchant's through refunds_by_merchant.
TEST(SqliteStore, APaymentsRefundsArePagedThroughItsOwnIndex) {
  const TestDir dir("plan");
  const std::string path = dir.Db();
  { ASSERT_TRUE(SqliteStore::Open(path).ok()); }
  auto opened = Db::Open(path, Db::Wal::kDefault);
  ASSERT_TRUE(opened.ok());
  auto plan = [&](const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    const std::string explain = std::string("EXPLAIN QUERY PLAN ") + sql;
    EXPECT_EQ(sqlite3_prepare_v2(opened.value()->raw(), explain.c_str(), -1, &stmt, nullptr),
              SQLITE_OK);
    std::string details;
    while (stmt && sqlite3_step(stmt) == SQLITE_ROW) {
      details += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3));
      details += "; ";
    }
    sqlite3_finalize(stmt);
    return details;
  };
  for (bool backwards : {false, true}) {
    const std::string by_payment = plan(RefundPageSql(true, backwards));
    EXPECT_NE(by_payment.find("USING INDEX refunds_by_payment"), std::string::npos) << by_payment;
    EXPECT_EQ(by_payment.find("TEMP B-TREE"), std::string::npos) << by_payment;
    const std::string by_merchant = plan(RefundPageSql(false, backwards));
    EXPECT_NE(by_merchant.find("USING INDEX refunds_by_merchant"), std::string::npos)
        << by_merchant;
    EXPECT_EQ(by_merchant.find("TEMP B-TREE"), std::string::npos) << by_merchant;
  }
}

}  // namespace
}  // namespace refundd::store::sqlite
