// WriteTxWrapper forwards every call it does not override to the transaction it wraps.
#include "store/write_tx_wrapper.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/money.h"
#include "store/sqlite/sqlite_store.h"

namespace refundd::store {
namespace {

// Counts payment inserts, forwards everything else untouched.
class CountingTx final : public WriteTxWrapper {
 public:
  using WriteTxWrapper::WriteTxWrapper;
  StoreResult<bool> InsertPayment(const core::Payment& payment) override {
    ++inserts;
    return WriteTxWrapper::InsertPayment(payment);
  }
  int inserts = 0;
};

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

class WriteTxWrapperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("refundd-wrapper-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto s = sqlite::SqliteStore::Open((dir_ / "refundd.db").string());
    ASSERT_TRUE(s.ok());
    store_ = std::move(s).value();
    ASSERT_TRUE(store_->CreateMerchant({"mer_a", "a", 1}, {}).ok());
  }
  void TearDown() override {
    if (store_) store_->Close();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  std::unique_ptr<sqlite::SqliteStore> store_;
};

TEST_F(WriteTxWrapperTest, AnOverrideSeesItsCallsAndEverythingElseReachesTheTarget) {
  int inserts = -1;
  ASSERT_TRUE(store_->SubmitAndWait([&](WriteTx& tx) {
    CountingTx counting(tx);
    bool ok = counting.InsertPayment(NewPayment("pi_1")).ok() &&
              counting.InsertAlias({"mer_a", "charge", "ch_1", "pi_1"}).value() &&
              counting.PutRefundAction({"re_1", "mer_a", "lookup", 0, 10}).ok();
    auto loaded = counting.LoadPaymentForUpdate("mer_a", "pi_1");
    ok = ok && loaded.ok() && loaded.value().has_value();
    inserts = counting.inserts;
    return ok;
  }));
  EXPECT_EQ(inserts, 1);
  EXPECT_TRUE(store_->ReadPayment("mer_a", "pi_1").value().has_value());
  EXPECT_EQ(*store_->ReadAlias("mer_a", "charge", "ch_1").value(), "pi_1");
  EXPECT_TRUE(store_->ReadRefundAction("mer_a", "re_1").value().has_value());
}

}  // namespace
}  // namespace refundd::store
