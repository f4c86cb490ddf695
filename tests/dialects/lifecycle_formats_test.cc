// Every dialect's lifecycle mapping as tables: its words for each refund state, the events each
// change emits, what the sandbox reads from its payments, and its webhook signatures checked
// against vectors computed independently (Python's hmac; Rapyd's from the spec's worked example).
#include <gtest/gtest.h>

#include "core/currency.h"
#include "core/snapshot.h"
#include "dialects/d24/translate.h"
#include "dialects/kushki_common/attrs.h"
#include "dialects/rapyd/auth.h"
#include "dialects/rapyd/translate.h"
#include "dialects/registry.h"
#include "webhooks/event_body.h"
#include "webhooks/signature.h"

namespace refundd::dialects {
namespace {

using core::RefundStatus;
constexpr auto P = RefundStatus::kPending;
constexpr auto S = RefundStatus::kSucceeded;
constexpr auto F = RefundStatus::kFailed;
constexpr auto C = RefundStatus::kCanceled;

const webhooks::Formats& All() {
  static const webhooks::Formats* formats = [] {
    auto* f = new webhooks::Formats();
    RegisterAllWebhookFormats(*f);
    return f;
  }();
  return *formats;
}

const webhooks::Format& Of(std::string_view dialect) {
  const webhooks::Format* f = All().Find(dialect);
  CHECK(f != nullptr);
  return *f;
}

core::Payment PaymentIn(std::string_view dialect) {
  core::Payment p;
  p.id = "pay_1";
  p.merchant_id = "mer_1";
  p.dialect = std::string(dialect);
  p.currency = *core::FindCurrency("USD");
  p.amount_minor = p.captured_minor = 1000;
  p.status = core::PaymentStatus::kCaptured;
  return p;
}

core::Refund RefundIn(std::string_view dialect, RefundStatus status) {
  core::Refund r;
  r.id = "re_1";
  r.merchant_id = "mer_1";
  r.payment_id = "pay_1";
  r.dialect = std::string(dialect);
  r.currency = *core::FindCurrency("USD");
  r.amount_minor = 300;
  r.status = status;
  r.failure_reason = status == F ? "declined" : "";
  r.created_ms = r.updated_ms = 1'700'000'000'000;
  return r;
}

// One event with its body, as a delivery sends it.
struct Rendered {
  std::string id;
  std::string type;
  std::string object_id;
  std::string body;
};

// The row each event of `change` is written as (its snapshot), as Lifecycle::Publish writes it.
std::vector<store::OutboxEvent> Rows(const webhooks::Format& format, const webhooks::Change& c) {
  const webhooks::SnapshotWriter snapshot(c);
  std::vector<store::OutboxEvent> out;
  for (const webhooks::EventDraft& d : format.Events(c)) {
    int wanting = 0;
    for (const auto& e : c.endpoints) wanting += webhooks::Wants(e.enabled_events, d.type) ? 1 : 0;
    out.push_back({d.id, c.refund.merchant_id, c.refund.dialect, d.type, d.object_id, 0,
                   snapshot.For(d, wanting), c.now_ms});
  }
  return out;
}

// The events of one change, each body rendered from the snapshot its row keeps.
std::vector<Rendered> Render(const webhooks::Format& format, const webhooks::Change& c) {
  std::vector<Rendered> out;
  for (const store::OutboxEvent& row : Rows(format, c)) {
    auto body = webhooks::RenderEventBody(&format, row);
    EXPECT_TRUE(body.ok()) << body.error();
    out.push_back({row.id, row.type, row.object_id, body.ok() ? body.value() : ""});
  }
  return out;
}

std::vector<std::string> TypesFor(std::string_view dialect, std::optional<RefundStatus> from,
                                  RefundStatus to) {
  const core::Payment payment = PaymentIn(dialect);
  const core::Refund refund = RefundIn(dialect, to);
  const std::vector<store::WebhookEndpoint> endpoints;
  std::vector<std::string> out;
  for (const auto& e : Render(Of(dialect), {refund, payment, from, 1'700'000'000'000, endpoints})) {
    EXPECT_FALSE(e.id.empty());
    EXPECT_FALSE(e.body.empty());
    out.push_back(e.type);
  }
  return out;
}

TEST(LifecycleFormats, EveryDialectHasOne) {
  std::vector<std::string> names;
  for (const auto* f : All().All()) names.emplace_back(f->dialect());
  EXPECT_EQ(names, (std::vector<std::string>{"d24", "kushki_online", "kushki_pos", "native",
                                             "rapyd", "utgl"}));
}

TEST(LifecycleFormats, StateWords) {
  struct Row {
    const char* dialect;
    const char* pending;
    const char* succeeded;
    const char* failed;
    const char* canceled;
  };
  const Row rows[] = {
      {"native", "pending", "succeeded", "failed", "canceled"},
      {"d24", "PENDING", "COMPLETED", "REJECTED", "CANCELLED"},
      {"kushki_online", "INITIALIZED", "APPROVAL", "DECLINED", "DECLINED"},
      {"kushki_pos", "INITIALIZED", "APPROVAL", "DECLINED", "DECLINED"},
      {"rapyd", "Pending", "Completed", "Rejected", "Canceled"},
      {"utgl", "pending", "refunded", "failed", "cancelled"},
  };
  for (const Row& r : rows) {
    const webhooks::Format& f = Of(r.dialect);
    EXPECT_EQ(f.StateWord(P), r.pending) << r.dialect;
    EXPECT_EQ(f.StateWord(S), r.succeeded) << r.dialect;
    EXPECT_EQ(f.StateWord(F), r.failed) << r.dialect;
    EXPECT_EQ(f.StateWord(C), r.canceled) << r.dialect;
  }
}

TEST(LifecycleFormats, EventsForEachChange) {
  using V = std::vector<std::string>;
  using O = std::optional<RefundStatus>;
  struct Row {
    const char* dialect;
    O from;
    RefundStatus to;
    V types;
  };
  const O created = std::nullopt;
  const V approved{"approvedTransaction"}, declined{"declinedTransaction"};
  const Row rows[] = {
      {"native", created, P, {"refund.created"}},
      {"native", created, S, {"refund.created", "charge.refunded"}},
      {"native", created, F, {"refund.created", "refund.failed"}},
      {"native", P, S, {"refund.updated", "charge.refunded"}},
      {"native", P, F, {"refund.updated", "refund.failed"}},
      {"native", P, C, {"refund.updated"}},
      {"native", S, F, {"refund.updated", "refund.failed"}},
      {"d24", created, P, {}},
      {"d24", created, S, {"COMPLETED"}},  // a bank refund: its answer is only the refund_id
      {"d24", created, F, {"REJECTED"}},
      {"d24", P, S, {"COMPLETED"}},
      {"d24", P, F, {"REJECTED"}},
      {"d24", P, C, {"CANCELLED"}},
      {"d24", S, F, {"REJECTED"}},
      {"kushki_online", created, P, {}},
      {"kushki_online", created, S, approved},
      {"kushki_online", created, F, declined},
      {"kushki_online", P, S, approved},
      {"kushki_online", P, F, declined},
      {"kushki_online", P, C, declined},
      {"kushki_online", S, F, declined},
      {"kushki_pos", created, S, approved},
      {"kushki_pos", S, F, declined},
      {"rapyd", created, P, {}},
      {"rapyd", created, S, {"REFUND_COMPLETED"}},
      {"rapyd", created, F, {"PAYMENT_REFUND_REJECTED"}},
      {"rapyd", P, S, {"REFUND_COMPLETED"}},
      {"rapyd", P, F, {"PAYMENT_REFUND_REJECTED"}},
      {"rapyd", P, C, {"PAYMENT_REFUND_UPDATED"}},
      {"rapyd", S, F, {"PAYMENT_REFUND_FAILED"}},
      {"utgl", created, P, {"refund.pending"}},
      {"utgl", created, S, {"refund.refunded"}},
      {"utgl", created, F, {"refund.failed"}},
      {"utgl", P, S, {"refund.refunded"}},
      {"utgl", P, F, {"refund.failed"}},
      {"utgl", P, C, {"refund.cancelled"}},
      {"utgl", S, F, {"refund.failed"}},
  };
  for (const Row& r : rows) {
    EXPECT_EQ(TypesFor(r.dialect, r.from, r.to), r.types)
        << r.dialect << " " << (r.from ? core::RefundStatusName(*r.from) : "new") << " -> "
        << core::RefundStatusName(r.to);
  }
}

TEST(LifecycleFormats, WhatTheSandboxReads) {
  processor::Order o;
  core::Payment native = PaymentIn("native");
  native.payment_method = "pm_card_refundFail";
  Of("native").DescribeInstrument(native, o);
  EXPECT_EQ(o.instrument, "pm_card_refundFail");
  EXPECT_FALSE(o.asynchronous);

  core::Payment kushki = PaymentIn("kushki_online");
  kushki::PaymentAttrs ka;
  ka.bin = "400000";
  ka.last4 = "5126";
  ka.holder = "Ana";
  kushki.attrs = kushki::EncodePaymentAttrs(ka);
  o = {};
  Of("kushki_online").DescribeInstrument(kushki, o);
  EXPECT_EQ(o.card_bin, "400000");
  EXPECT_EQ(o.card_last4, "5126");
  EXPECT_TRUE(o.asynchronous) << "Kushki's online refunds are semi-automatic";
  o = {};
  Of("kushki_pos").DescribeInstrument(kushki, o);
  EXPECT_FALSE(o.asynchronous);

  for (bool card : {true, false}) {
    core::Payment d = PaymentIn("d24");
    d24::DepositAttrs da;
    da.card = card;
    da.payment_type = card ? "CREDIT_CARD" : "REFUND_STUCK";
    d.attrs = d24::EncodeDepositAttrs(da);
    o = {};
    Of("d24").DescribeInstrument(d, o);
    EXPECT_EQ(o.asynchronous, !card);
    EXPECT_NE(o.instrument.find(da.payment_type), std::string::npos);
  }

  for (auto [category, asynchronous] :
       {std::pair{"card", false}, std::pair{"ewallet", false}, std::pair{"cash", true},
        std::pair{"bank_transfer", true}}) {
    core::Payment r = PaymentIn("rapyd");
    rapyd::PaymentAttrs ra;
    ra.category = category;
    ra.method_type = "mx_test_" + std::string(category);
    r.attrs = rapyd::EncodePaymentAttrs(ra);
    o = {};
    Of("rapyd").DescribeInstrument(r, o);
    EXPECT_EQ(o.asynchronous, asynchronous) << category;
    EXPECT_EQ(o.instrument, ra.method_type);
  }
}

constexpr std::string_view kBody = R"({"id":"evt_1","object":"event","type":"refund.updated"})";

std::string HeaderOf(const store::Headers& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return "";
}

TEST(LifecycleSignatures, NativeSignsLikeStripe) {
  webhooks::SigningKeys keys{"mer_1", {"whsec_test_secret", "whsec_old_secret"}, std::nullopt};
  auto h = Of("native").Sign("https://m.example/hook", kBody, 1'700'000'000'999, keys);
  EXPECT_EQ(HeaderOf(h, "Stripe-Signature"),
            "t=1700000000,v1=6ee9c217dc5dc0d344d53fdfa22a67f6ffd5b1bfea7849799cdb2ed7336d7535"
            ",v1=15a6640f1ed9055acc5eef95cd37e2cf592f92008ca13431efaddaa541417126");
  EXPECT_TRUE(Of("native").Sign("u", kBody, 0, {"mer_1", {}, std::nullopt}).empty());
}

TEST(LifecycleSignatures, KushkiSignsBodyDotIdAndTheIdAlone) {
  const core::Credential online{"kushki_online", "lookup", "mer_1",
                                "0123456789abcdef0123456789abcdef"};
  for (const char* dialect : {"kushki_online", "kushki_pos"}) {
    auto h =
        Of(dialect).Sign("https://m.example/k", kBody, 1'700'000'000'123, {"mer_1", {}, online});
    EXPECT_EQ(HeaderOf(h, "X-Kushki-Key"), "mer_1");
    EXPECT_EQ(HeaderOf(h, "X-Kushki-Id"), "1700000000123");
    EXPECT_EQ(HeaderOf(h, "X-Kushki-Signature"),
              "0ea2d26793f5466a148142aa6342bf04998fe8c94f33eb39e5af258159aa8cd7");
    EXPECT_EQ(HeaderOf(h, "X-Kushki-SimpleSignature"),
              "f0ecf93b98de9ddb579af58beb7db7d50113dba84f2bfd676da68b530311e6ae");
  }
  // An endpoint's own secret takes the place of the merchant's webhook signature.
  auto h = Of("kushki_online")
               .Sign("u", kBody, 1'700'000'000'123,
                     {"mer_1", {"0123456789abcdef0123456789abcdef"}, std::nullopt});
  EXPECT_EQ(HeaderOf(h, "X-Kushki-SimpleSignature"),
            "f0ecf93b98de9ddb579af58beb7db7d50113dba84f2bfd676da68b530311e6ae");
}

TEST(LifecycleSignatures, RapydSignsOverTheWebhookUrlAsTheSpecExample) {
  const std::string url = "https://merchant.example.com/rapyd/webhooks";
  const std::string body =
      R"({"id":"wh_1","type":"REFUND_COMPLETED","data":{"id":"refund_1","status":"Completed"}})";
  // The spec's computed example (§5.8): no method, the whole URL as the path.
  EXPECT_EQ(rapyd::Signature("rsk_TESTSECRETKEY", "", url, "abcdef123456", "1700000000",
                             "rak_TESTACCESSKEY", body),
            "YThmYTdjODM5YTIyMDFkNjJhYTFlZTI3MzkzZTVhOTczZjIxNzZmNWVmOGU3NWQxYTFlYzIyMzYzZjU2ZmFmZA"
            "==");
  const core::Credential c{"rapyd", "rak_TESTACCESSKEY", "mer_1", "rsk_TESTSECRETKEY"};
  auto h = Of("rapyd").Sign(url, body, 1'700'000'000'500, {"mer_1", {}, c});
  EXPECT_EQ(HeaderOf(h, "timestamp"), "1700000000");
  EXPECT_EQ(HeaderOf(h, "salt").size(), 12u);
  EXPECT_EQ(HeaderOf(h, "signature"),
            rapyd::Signature("rsk_TESTSECRETKEY", "", url, HeaderOf(h, "salt"), "1700000000",
                             "rak_TESTACCESSKEY", body));
}

TEST(LifecycleSignatures, UtglUsesTheTimestampedSchemeAndD24SignsNothing) {
  auto h = Of("utgl").Sign("u", kBody, 1'700'000'000'000, {"mer_1", {"whsec_test_secret"}, {}});
  EXPECT_EQ(HeaderOf(h, "X-Utgl-Signature"),
            "t=1700000000,v1=6ee9c217dc5dc0d344d53fdfa22a67f6ffd5b1bfea7849799cdb2ed7336d7535");
  EXPECT_TRUE(Of("d24").Sign("u", kBody, 0, {"mer_1", {"x"}, std::nullopt}).empty());
  const int64_t minute = 60'000;
  EXPECT_EQ(Of("d24").RetryDelaysMs(), (std::vector<int64_t>{5 * minute, 25 * minute, 125 * minute,
                                                             625 * minute, 3125 * minute}));
}

TEST(LifecycleBodies, NativeEventsAreStripeEvents) {
  const core::Payment payment = PaymentIn("native");
  const core::Refund refund = RefundIn("native", S);
  const std::vector<store::WebhookEndpoint> endpoints;
  auto events = Render(Of("native"), {refund, payment, P, 1'700'000'000'000, endpoints});
  ASSERT_EQ(events.size(), 2u);
  const std::string& body = events[0].body;
  EXPECT_EQ(body.rfind("{\"id\":\"" + events[0].id + "\",\"object\":\"event\"", 0), 0u) << body;
  EXPECT_NE(body.find("\"type\":\"refund.updated\""), std::string::npos);
  EXPECT_NE(body.find("\"previous_attributes\":{\"status\":\"pending\"}"), std::string::npos);
  EXPECT_NE(body.find("\"created\":1700000000"), std::string::npos);
  EXPECT_EQ(events[1].object_id, "ch_1") << "charge.refunded is about the charge";
}

TEST(LifecycleBodies, D24NotifiesTheRefundIdOnly) {
  const core::Payment payment = PaymentIn("d24");
  core::Refund refund = RefundIn("d24", S);
  d24::RefundAttrs ra;
  ra.refund_id = 168284;
  ra.notification_url = "https://m.example/d24";
  refund.attrs = d24::EncodeRefundAttrs(ra);
  const std::vector<store::WebhookEndpoint> endpoints;
  auto events = Render(Of("d24"), {refund, payment, P, 1, endpoints});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].body, R"({"refund_id":168284})");
  auto targets = Of("d24").RequestTargets(refund, payment);
  ASSERT_EQ(targets.size(), 1u);
  EXPECT_EQ(targets[0].url, "https://m.example/d24");
}

// A change with something in every field a body shows: metadata, the dialect's own attributes
// (D24's refund_id and notification_url), a failure reason, parts.
struct RichChange {
  core::Payment payment;
  core::Refund refund;
  std::vector<store::WebhookEndpoint> endpoints;
  RichChange(std::string_view dialect, RefundStatus to)
      : payment(PaymentIn(dialect)), refund(RefundIn(dialect, to)) {
    payment.metadata = {{"order", "42"}, {"note", "caf\u00e9 \"quoted\""}};
    payment.pending_minor = to == P ? 300 : 0;
    payment.refunded_minor = to == S ? 300 : 0;
    payment.description = "a payment";
    refund.metadata = {{"k", "v"}};
    refund.reason = "requested_by_customer";
    if (dialect == "d24") {
      d24::RefundAttrs ra;
      ra.refund_id = 168284;
      ra.notification_url = "https://m.example/d24";
      refund.attrs = d24::EncodeRefundAttrs(ra);
    }
    store::WebhookEndpoint all, one;
    all.enabled_events = {"*"};
    one.enabled_events = {"refund.updated"};
    endpoints = {all, one};
  }
};

TEST(LifecycleBodies, AStoredSnapshotRendersTheSameBytesEveryTime) {
  using O = std::optional<RefundStatus>;
  const struct {
    O from;
    RefundStatus to;
  } changes[] = {{std::nullopt, P}, {std::nullopt, S}, {P, S}, {P, F}, {P, C}, {S, F}};
  int events = 0;
  for (const webhooks::Format* format : All().All()) {
    const std::string dialect(format->dialect());
    for (const auto& c : changes) {
      RichChange rich(dialect, c.to);
      const webhooks::Change change{rich.refund, rich.payment, c.from, 1'700'000'123'456,
                                    rich.endpoints};
      for (const store::OutboxEvent& row : Rows(*format, change)) {
        ++events;
        EXPECT_FALSE(webhooks::IsRenderedBody(row.body)) << dialect;
        auto first = webhooks::RenderEventBody(format, row);
        auto second = webhooks::RenderEventBody(format, row);
        ASSERT_TRUE(first.ok() && second.ok()) << dialect << " " << row.type;
        EXPECT_EQ(first.value(), second.value()) << dialect << " " << row.type;
        EXPECT_EQ(first.value().front(), '{') << dialect << " " << row.type;
        // The snapshot keeps the change whole, so the body is what the change renders to.
        auto snapshot = webhooks::DecodeEventSnapshot(row);
        ASSERT_TRUE(snapshot.ok()) << snapshot.error();
        EXPECT_EQ(core::EncodeRefund(snapshot.value().refund), core::EncodeRefund(rich.refund));
        EXPECT_EQ(core::EncodePayment(snapshot.value().payment),
                  core::EncodePayment(rich.payment));
        EXPECT_EQ(snapshot.value().from, c.from);
        EXPECT_EQ(snapshot.value().now_ms, 1'700'000'123'456);
      }
    }
  }
  EXPECT_GT(events, 20);
}

TEST(LifecycleBodies, NativeCountsTheEndpointsThatTookEachEvent) {
  RichChange rich("native", S);
  const webhooks::Change change{rich.refund, rich.payment, P, 1'700'000'000'000, rich.endpoints};
  auto events = Render(Of("native"), change);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_NE(events[0].body.find("\"pending_webhooks\":2,"), std::string::npos) << events[0].body;
  EXPECT_NE(events[1].body.find("\"pending_webhooks\":1,"), std::string::npos) << events[1].body;
}

TEST(LifecycleBodies, ARowAnOlderVersionWroteKeepsItsBody) {
  const std::string old = R"({"id":"evt_1","object":"event","type":"refund.created"})";
  const store::OutboxEvent row{"evt_1", "mer_1", "native", "refund.created", "re_1", 7, old, 1};
  EXPECT_TRUE(webhooks::IsRenderedBody(old));
  for (const webhooks::Format* format : {&Of("native"), static_cast<const webhooks::Format*>(nullptr)}) {
    auto body = webhooks::RenderEventBody(format, row);
    ASSERT_TRUE(body.ok());
    EXPECT_EQ(body.value(), old);
  }
}

TEST(LifecycleBodies, ASnapshotThatDoesNotDecodeIsAnErrorNotACrash) {
  RichChange rich("kushki_online", S);
  rich.refund.parts = {{"iva", 100}};
  const webhooks::Change change{rich.refund, rich.payment, P, 1'700'000'000'000, rich.endpoints};
  const store::OutboxEvent good = Rows(Of("kushki_online"), change).front();
  ASSERT_TRUE(webhooks::RenderEventBody(&Of("kushki_online"), good).ok());

  std::vector<std::string> bad = {"", "0:,", "garbage", "3:ev2,", good.body + "1:x,"};
  for (std::size_t n = 0; n < good.body.size(); n += 7) bad.push_back(good.body.substr(0, n));
  // Well formed, but with values no body can show: a negative part, a time before 1970.
  core::Refund negative = rich.refund;
  negative.parts = {{"iva", INT64_MIN}};
  bad.push_back(Rows(Of("kushki_online"), {negative, rich.payment, P, 1, rich.endpoints})
                    .front()
                    .body);
  bad.push_back(Rows(Of("kushki_online"), {rich.refund, rich.payment, P, -1, rich.endpoints})
                    .front()
                    .body);
  for (const std::string& text : bad) {
    store::OutboxEvent row = good;
    row.body = text;
    ASSERT_FALSE(webhooks::IsRenderedBody(text)) << text;
    for (const webhooks::Format* format : All().All()) {
      auto body = webhooks::RenderEventBody(format, row);
      EXPECT_FALSE(body.ok()) << format->dialect() << " rendered " << text;
      if (!body.ok()) {
        EXPECT_NE(body.error().find("does not decode"), std::string::npos) << body.error();
      }
    }
  }
  EXPECT_FALSE(webhooks::RenderEventBody(nullptr, good).ok()) << "no format, no body";
}

}  // namespace
}  // namespace refundd::dialects
