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

constexpr int64_t kStartMs = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

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
    return Answer{r.status, r.body};
  }

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
    if (!p) return Fail("a " + c.dialect() + " payment was not taken");
    payments_.push_back(std::move(*p));
    client_of_.push_back(&c);
    keys_per_payment_.push_back(0);
    acked_per_payment_.push_back(0);
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
    std::string key = "k" + std::to_string(seed_) + "-" + std::to_string(sent_.size());
    RefundRequest rr = client_of_[i]->Refund(payments_[i], amount, key, malformed);
    Sent s{key, rr.request, {}, false, i};
    Answer a = node_->Send(rr.request);
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
      a = node_->Send(fixed.request);
      ++keys_per_payment_[i];
      if (remaining >= 1 && a.status != 200) {
        Fail("the corrected request after a validation refusal got " + std::to_string(a.status) +
             ": " + a.body);
      }
    } else if (amount <= remaining && a.status != 200) {
      Fail("a refund of " + std::to_string(amount) + " with " + std::to_string(remaining) +
           " remaining was refused: " + a.body);
    } else if (amount > remaining && (a.status == 200 || !client_of_[i]->IsOverRefund(a))) {
      Fail("a refund of " + std::to_string(amount) + " with " + std::to_string(remaining) +
           " remaining got " + std::to_string(a.status) + ": " + a.body);
    }
    if (a.status < 500 && a.status != 409) {
      s.first = a;
      s.answered = true;
      if (a.status == 200) ++acked_per_payment_[i];
    }
    sent_.push_back(std::move(s));
  }

  void Retry() {
    Sent& s = sent_[static_cast<std::size_t>(Uniform(0, sent_.size() - 1))];
    if (Uniform(0, 9) == 0) {
      // The same key with another body: refused, and nothing runs.
      http::Request changed = s.request;
      changed.body += changed.body.front() == '{' ? " " : "&metadata[x]=1";
      Answer a = node_->Send(changed);
      if (s.answered && changed.body != s.request.body && a.status < 400 &&
          s.request.body.front() != '{') {
        Fail("a key reused with another body was accepted: " + a.body);
      }
      return;
    }
    Answer a = node_->Send(s.request);
    if (verbose_) std::fprintf(stderr, "  retry %s -> %d\n", s.key.c_str(), a.status);
    if (!s.answered) {
      if (a.status < 500 && a.status != 409) {
        s.first = a;
        s.answered = true;
        if (a.status == 200) ++acked_per_payment_[s.payment];
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
