// FaultStore injects each fault it promises: a failed write fails only its job, a failed commit
// leaves nothing of its batch, a failed fsync leaves the batch unacknowledged and fences the
// store until it is opened again, a slow commit holds its answers back.
#include "store/testing/fault_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>

#include "core/money.h"

namespace refundd::store::faults {
namespace {

core::Payment NewPayment(const std::string& id) {
  core::Payment p;
  p.id = id;
  p.merchant_id = "mer_a";
  p.dialect = "native";
  p.currency = *core::FindCurrency("USD");
  p.amount_minor = p.captured_minor = 100;
  p.status = core::PaymentStatus::kCaptured;
  return p;
}

class FaultStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    inner_ = memory::MemoryStore::Open(disk_);
    store_ = std::make_unique<FaultStore>(*inner_);
  }
  void TearDown() override {
    inner_->Close();
    store_.reset();
  }
  bool Insert(const std::string& id) {
    return store_->SubmitAndWait(
        [&](WriteTx& tx) { return tx.InsertPayment(NewPayment(id)).ok(); });
  }
  bool Exists(const std::string& id) {
    return store_->ReadPayment("mer_a", id).value().has_value();
  }
  // Submits one insert per id at once, held behind a slow first job so that they share a batch;
  // returns each job's done().
  std::vector<bool> InsertInOneBatch(const std::vector<std::string>& ids) {
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::vector<std::future<bool>> done;
    auto gate = std::make_shared<std::promise<bool>>();
    std::future<bool> gate_done = gate->get_future();
    std::atomic<bool> gate_running{false};
    store_->Submit(WriteJob{[&, released](WriteTx&) {
                              gate_running = true;
                              released.wait();
                              return true;
                            },
                            [gate](bool committed) { gate->set_value(committed); }});
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!gate_running && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    for (const std::string& id : ids) {
      auto promise = std::make_shared<std::promise<bool>>();
      done.push_back(promise->get_future());
      store_->Submit(WriteJob{[id](WriteTx& tx) { return tx.InsertPayment(NewPayment(id)).ok(); },
                              [promise](bool committed) { promise->set_value(committed); }});
    }
    release.set_value();
    gate_done.get();
    std::vector<bool> out;
    for (auto& f : done) out.push_back(f.get());
    return out;
  }

  std::shared_ptr<memory::MemoryDisk> disk_ = memory::NewDisk();
  std::unique_ptr<memory::MemoryStore> inner_;
  std::unique_ptr<FaultStore> store_;
};

TEST_F(FaultStoreTest, TheNthWriteFailsAndOnlyItsJobRollsBack) {
  store_->FailWrite(2);
  EXPECT_TRUE(Insert("pi_1"));
  std::optional<StoreErrorKind> seen;
  EXPECT_TRUE(store_->SubmitAndWait([&](WriteTx& tx) {
    auto r = tx.InsertPayment(NewPayment("pi_2"));
    if (!r.ok()) seen = r.error().kind;
    return true;  // the job goes on without the write
  }));
  EXPECT_EQ(seen, StoreErrorKind::kUnavailable);
  EXPECT_TRUE(Insert("pi_3")) << "the fault fires once";
  EXPECT_TRUE(Exists("pi_1"));
  EXPECT_FALSE(Exists("pi_2"));
  EXPECT_TRUE(Exists("pi_3"));
  EXPECT_EQ(store_->writes(), 3);
}

TEST_F(FaultStoreTest, AFailedCommitAnswersEveryJobOfItsBatchAndLeavesNothing) {
  store_->FailCommit(2);  // the first batch is InsertInOneBatch's gate
  std::vector<bool> done = InsertInOneBatch({"pi_1", "pi_2", "pi_3"});
  EXPECT_EQ(done, (std::vector<bool>{false, false, false}));
  for (const char* id : {"pi_1", "pi_2", "pi_3"}) EXPECT_FALSE(Exists(id)) << id;
  EXPECT_FALSE(store_->fenced());
  EXPECT_TRUE(Insert("pi_4")) << "the next batch commits";
  EXPECT_TRUE(Exists("pi_4"));
}

TEST_F(FaultStoreTest, AFailedFsyncLeavesTheBatchUnacknowledgedAndFencesTheStore) {
  store_->FailFsync(1);
  EXPECT_FALSE(Insert("pi_1"));
  EXPECT_TRUE(store_->fenced());
  EXPECT_FALSE(Insert("pi_2")) << "fenced: every later write fails";
  EXPECT_FALSE(store_->ClaimDueRefundActions(0, 10, 1000).ok());
  EXPECT_FALSE(store_->SetMerchantSetting("mer_a", "x", "1").ok());
  EXPECT_FALSE(Exists("pi_2"));
  // Reopened on the same disk, the store writes again; the unacknowledged batch stayed.
  store_.reset();
  inner_->Close();
  inner_ = memory::MemoryStore::Open(disk_);
  store_ = std::make_unique<FaultStore>(*inner_);
  EXPECT_FALSE(store_->fenced());
  EXPECT_TRUE(Exists("pi_1"));
  EXPECT_TRUE(Insert("pi_3"));
}

TEST_F(FaultStoreTest, ASlowCommitHoldsItsAnswersBack) {
  store_->SlowCommits(100);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(Insert("pi_1"));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
  store_->SlowCommits(0);
  EXPECT_TRUE(Exists("pi_1"));
}

TEST_F(FaultStoreTest, TheCommitFaultCountsBatchesFromWhenItIsArmed) {
  EXPECT_TRUE(Insert("pi_1"));
  store_->FailCommit(2);
  EXPECT_TRUE(Insert("pi_2"));
  EXPECT_FALSE(Insert("pi_3"));
  EXPECT_TRUE(Insert("pi_4"));
  EXPECT_TRUE(Exists("pi_2"));
  EXPECT_FALSE(Exists("pi_3"));
  EXPECT_TRUE(Exists("pi_4"));
}

}  // namespace
}  // namespace refundd::store::faults
