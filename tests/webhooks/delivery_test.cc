// The delivery loop renders each event's body from the snapshot its row keeps, at every attempt,
// before signing: every attempt sends (and signs) the same bytes; a row an older version wrote
// with its body goes out as it is; a snapshot that does not decode kills its delivery, logged,
// without a crash. On the real SQLite store, with a fake clock and a recording HTTP client.
#include "webhooks/delivery.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/currency.h"
#include "crypto/crypto.h"
#include "store/sqlite/sqlite_store.h"
#include "webhooks/event_body.h"

namespace refundd::webhooks {
namespace {

constexpr int64_t kStart = 1'700'000'000'000;

// Bodies show the event and the refund; the signature is an HMAC of exactly the body signed.
class TestFormat final : public Format {
 public:
  std::string_view dialect() const override { return "native"; }
  std::string_view StateWord(core::RefundStatus s) const override {
    return core::RefundStatusName(s);
  }
  void DescribeInstrument(const core::Payment&, processor::Order&) const override {}
  std::vector<EventDraft> Events(const Change& c) const override {
    return {{"evt_1", "refund.created", c.refund.id, "extra-1"}};
  }
  std::string Body(const EventSnapshot& e) const override {
    return "{\"id\":\"" + e.id + "\",\"refund\":\"" + e.refund.id + "\",\"amount\":" +
           std::to_string(e.refund.amount_minor) + ",\"at\":" + std::to_string(e.now_ms) +
           ",\"extra\":\"" + e.extra + "\"}";
  }
  store::Headers Sign(std::string_view, std::string_view body, int64_t,
                      const SigningKeys&) const override {
    return {{"X-Test-Signature", crypto::HmacSha256Hex("key", body)}};
  }
};

// Answers each POST with the next status of a script (the last one again when it runs out).
class RecordingClient final : public HttpClient {
 public:
  explicit RecordingClient(std::vector<int> statuses) : statuses_(std::move(statuses)) {}
  OutboundResult Post(const OutboundRequest& request) override {
    sent.push_back(request);
    const std::size_t i = std::min(sent.size() - 1, statuses_.size() - 1);
    return {statuses_[i], ""};
  }
  std::vector<OutboundRequest> sent;

 private:
  std::vector<int> statuses_;
};

std::string HeaderOf(const store::Headers& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return "";
}

class DeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("refundd-delivery-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto s = store::sqlite::SqliteStore::Open((dir_ / "refundd.db").string());
    ASSERT_TRUE(s.ok());
    store_ = std::move(s).value();
    ASSERT_TRUE(store_->CreateMerchant({"mer_a", "a", 1}, {}).ok());
    formats_.Add(std::make_unique<TestFormat>());
  }
  void TearDown() override {
    store_->Close();
    std::filesystem::remove_all(dir_);
  }

  // The row Lifecycle::Publish writes for a new refund of 400 (TestFormat's one event).
  store::OutboxEvent SnapshotRow() {
    core::Payment p;
    p.id = "pi_1";
    p.merchant_id = "mer_a";
    p.dialect = "native";
    p.currency = *core::FindCurrency("USD");
    p.amount_minor = p.captured_minor = 1000;
    p.pending_minor = 400;
    p.status = core::PaymentStatus::kCaptured;
    core::Refund r;
    r.id = "re_1";
    r.merchant_id = "mer_a";
    r.payment_id = "pi_1";
    r.dialect = "native";
    r.currency = p.currency;
    r.amount_minor = 400;
    const std::vector<store::WebhookEndpoint> endpoints;
    const Change change{r, p, std::nullopt, kStart, endpoints};
    const EventDraft draft = formats_.Find("native")->Events(change).front();
    return {draft.id, "mer_a",  "native", draft.type, draft.object_id,
            0,        SnapshotWriter(change).For(draft, 0), kStart};
  }

  // Writes `event` with one delivery to a URL the request named, due now.
  void Write(const store::OutboxEvent& event) {
    store::Delivery d;
    d.id = "whd_1";
    d.event_id = event.id;
    d.merchant_id = "mer_a";
    d.url = "http://127.0.0.1:9/hook";
    d.next_attempt_ms = d.window_start_ms = clock_.NowMs();
    ASSERT_TRUE(store_->SubmitAndWait([&](store::WriteTx& tx) {
      return tx.InsertEvent(event).ok() && tx.InsertDelivery(d).ok();
    }));
  }

  store::Delivery DeliveryNow() {
    auto all = store_->ListDeliveries("mer_a", "evt_1");
    EXPECT_TRUE(all.ok() && all.value().size() == 1);
    return all.ok() && !all.value().empty() ? all.value().front() : store::Delivery{};
  }

  // Runs one claim with `client` at the fake clock's time.
  int Run(HttpClient& client) {
    Deliverer deliverer(*store_, formats_, client, clock_, DeliveryOptions{});
    return deliverer.RunOnce();
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  Formats formats_;
  FakeClock clock_{kStart};
};

TEST_F(DeliveryTest, EveryAttemptSendsAndSignsTheBytesRenderedFromTheSnapshot) {
  const store::OutboxEvent row = SnapshotRow();
  ASSERT_FALSE(IsRenderedBody(row.body));
  Write(row);
  RecordingClient client({500, 200});
  ASSERT_EQ(Run(client), 1);
  EXPECT_EQ(DeliveryNow().status, store::DeliveryStatus::kPending);
  clock_.AdvanceMs(24 * 3600'000);  // past any retry delay, within the give-up age
  ASSERT_EQ(Run(client), 1);
  EXPECT_EQ(DeliveryNow().status, store::DeliveryStatus::kDelivered);

  ASSERT_EQ(client.sent.size(), 2u);
  const std::string expected =
      R"({"id":"evt_1","refund":"re_1","amount":400,"at":1700000000000,"extra":"extra-1"})";
  for (const OutboundRequest& r : client.sent) {
    EXPECT_EQ(r.body, expected);
    EXPECT_EQ(HeaderOf(r.headers, "X-Test-Signature"), crypto::HmacSha256Hex("key", r.body));
  }
}

TEST_F(DeliveryTest, ARowAnOlderVersionWroteWithItsBodyIsDeliveredAsItIs) {
  const std::string old_body = R"({"id":"evt_1","object":"event","type":"refund.created"})";
  Write({"evt_1", "mer_a", "native", "refund.created", "re_1", 0, old_body, kStart});
  RecordingClient client({200});
  ASSERT_EQ(Run(client), 1);
  ASSERT_EQ(client.sent.size(), 1u);
  EXPECT_EQ(client.sent[0].body, old_body);
  EXPECT_EQ(HeaderOf(client.sent[0].headers, "X-Test-Signature"),
            crypto::HmacSha256Hex("key", old_body));
  EXPECT_EQ(DeliveryNow().status, store::DeliveryStatus::kDelivered);
}

TEST_F(DeliveryTest, ASnapshotThatDoesNotDecodeKillsItsDeliveryWithoutACrash) {
  store::OutboxEvent row = SnapshotRow();
  row.body.resize(row.body.size() / 2);  // torn
  Write(row);
  RecordingClient client({200});
  ASSERT_EQ(Run(client), 1);
  EXPECT_TRUE(client.sent.empty()) << "nothing is sent for a body that cannot be rendered";
  const store::Delivery d = DeliveryNow();
  EXPECT_EQ(d.status, store::DeliveryStatus::kDead);
  auto log = store_->ListDeliveryAttempts(d.id);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log.value().size(), 1u);
  EXPECT_NE(log.value()[0].error.find("does not decode"), std::string::npos)
      << log.value()[0].error;
}

}  // namespace
}  // namespace refundd::webhooks
