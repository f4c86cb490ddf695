// refundd: the refunds engine. Subcommands: serve, merchants create|list, migrate, verify.
// This file is the only place that names concrete types (SqliteStore, Server) and wires them.

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <pthread.h>
#include <signal.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include "app/lifecycle_cli.h"
#include "app/merchants.h"
#include "app/verify_cli.h"
#include "base/clock.h"
#include "base/thread_name.h"
#include "dialects/registry.h"
#include "http/router.h"
#include "http/server.h"
#include "processor/sandbox.h"
#include "service/engine.h"
#include "service/lifecycle.h"
#include "service/lifecycle_worker.h"
#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/wal_buffer_vfs.h"
#include "webhooks/client.h"
#include "webhooks/delivery.h"

namespace refundd::app {
namespace {

struct Options {
  std::string data_dir = "./refundd-data";
  std::string listen = "127.0.0.1:8080";
  std::string tls_cert, tls_key;
  http::ServerOptions server;
  int64_t idempotency_ttl_hours = 24;
  std::string name;
  std::string database_url;  // postgresql://...: PostgreSQL instead of SQLite in data_dir
  int db_writers = 2;
  // The refund lifecycle (docs/lifecycle.md).
  int64_t settle_delay_ms = 5000;
  double retry_time_scale = 1.0;
  bool allow_private_webhook_targets = false;
  double webhook_give_up_hours = 72;
  int64_t webhook_timeout_ms = 10'000;
  int webhook_senders = 4;
  std::string webhook_ca_file;
  LifecycleCliArgs lifecycle;
};

Result<std::unique_ptr<store::Store>, std::string> OpenStore(const Options& o) {
  if (!o.database_url.empty()) {
    auto pg = store::postgres::PostgresStore::Open({o.database_url, o.db_writers});
    if (!pg.ok()) return Err(pg.error());
    return std::unique_ptr<store::Store>(std::move(pg).value());
  }
  std::error_code ec;
  std::filesystem::create_directories(o.data_dir, ec);
  if (ec) return Err("cannot create data dir " + o.data_dir + ": " + ec.message());
  auto s = store::sqlite::SqliteStore::Open(o.data_dir + "/refundd.db");
  if (!s.ok()) return Err(s.error());
  return std::unique_ptr<store::Store>(std::move(s).value());
}

bool ParseListen(const std::string& listen, http::ServerOptions& out) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  std::string port = listen.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  int p = std::stoi(port);
  if (p > 65535) return false;
  out.host = listen.substr(0, colon);
  if (out.host.size() > 2 && out.host.front() == '[' && out.host.back() == ']') {
    out.host = out.host.substr(1, out.host.size() - 2);
  }
  out.port = static_cast<uint16_t>(p);
  return true;
}

// SIGINT and SIGTERM are blocked in every thread from the start of `serve` (threads inherit the
// mask), so a signal that arrives before the server is ready is not lost or fatal: it waits, and
// one thread takes it with sigwait() and asks the server to stop gracefully.
sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

int Serve(Options& o) {
  const sigset_t stop_signals = StopSignals();
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  if (!ParseListen(o.listen, o.server)) {
    std::cerr << "refundd: --listen must be HOST:PORT, got '" << o.listen << "'\n";
    return 2;
  }
  if (o.tls_cert.empty() != o.tls_key.empty()) {
    std::cerr << "refundd: --tls-cert and --tls-key go together\n";
    return 2;
  }
  o.server.tls_cert_file = o.tls_cert;
  o.server.tls_key_file = o.tls_key;
  // Test-only (tests/integration/test_disk_full.py): while the named file exists, every fdatasync
  // of the WAL fails, as it does on a failing disk.
  if (const char* file = std::getenv("REFUNDD_TEST_FAIL_WAL_SYNC_WHILE_EXISTS")) {
    store::sqlite::WalFaults faults;
    faults.sync_failure_file = file;
    store::sqlite::SetWalFaultsForTesting(faults);
  }
  auto opened = OpenStore(o);
  if (!opened.ok()) {
    std::cerr << "refundd: " << opened.error() << "\n";
    return 1;
  }
  std::unique_ptr<store::Store> store = std::move(opened).value();
  SystemClock clock;

  auto merchants = store->ListMerchants();
  if (merchants.ok() && merchants.value().empty()) {
    auto sandbox = CreateMerchant(*store, "sandbox", clock.NowMs());
    if (!sandbox.ok()) {
      std::cerr << "refundd: " << sandbox.error() << "\n";
      return 1;
    }
    std::cout << sandbox.value() << std::endl;
  }

  // The refund lifecycle: the sandbox processor, every dialect's webhook format, the worker that
  // settles pending refunds and the outbox's delivery loop.
  webhooks::Formats formats;
  dialects::RegisterAllWebhookFormats(formats);
  processor::SandboxProcessor sandbox(processor::SandboxOptions{o.settle_delay_ms});
  service::LifecycleOptions lifecycle_options;
  lifecycle_options.retry.time_scale = o.retry_time_scale;
  service::Lifecycle lifecycle(sandbox, formats, lifecycle_options);
  service::LifecycleWorker lifecycle_worker(*store, lifecycle, clock, service::WorkerOptions{});
  webhooks::BeastClient webhook_client(
      webhooks::ClientOptions{o.allow_private_webhook_targets, o.webhook_ca_file});
  webhooks::DeliveryOptions delivery_options;
  delivery_options.senders = o.webhook_senders;
  delivery_options.timeout_ms = o.webhook_timeout_ms;
  delivery_options.retry.time_scale = o.retry_time_scale;
  delivery_options.retry.give_up_after_ms =
      static_cast<int64_t>(o.webhook_give_up_hours * 3600.0 * 1000.0);
  webhooks::Deliverer deliverer(*store, formats, webhook_client, clock, delivery_options);
  service::Engine engine(*store, clock,
                         service::EngineOptions{o.idempotency_ttl_hours * 3600 * 1000,
                                                &lifecycle});
  http::Router router;
  // 503 once the store refuses every write (a failed fdatasync: restart after fixing the disk).
  auto* sqlite_store = dynamic_cast<store::sqlite::SqliteStore*>(store.get());
  router.Add(http::Route{
      "GET", "/healthz", "none", nullptr, true,
      [sqlite_store](http::Request&&, http::PathParams, http::Reply reply) {
        const std::string refused = sqlite_store ? sqlite_store->WritesRefused() : "";
        if (refused.empty()) {
          reply(http::Response{200, "application/json", {}, "{\"status\":\"ok\"}"});
          return;
        }
        boost::json::object body{{"status", "unavailable"}, {"reason", refused}};
        reply(http::Response{503, "application/json", {}, boost::json::serialize(body)});
      }});
  dialects::RegisterAllRoutes(router, engine);

  // The server's own refusals (413, 431, 408, 400) are answered by the router's error spaces too,
  // in the shape of the dialect that owns the path.
  http::Server server(
      o.server,
      [&router](http::Request&& request, http::Reply reply) {
        router.Dispatch(std::move(request), std::move(reply));
      },
      [&router](const http::Request& partial, const http::RequestError& error) {
        return router.RenderRefusal(partial, error);
      });
  std::string err = server.Listen();
  if (!err.empty()) {
    std::cerr << "refundd: " << err << "\n";
    return 1;
  }

  lifecycle_worker.Start();
  deliverer.Start();

  // Expired idempotency keys are purged in the background, every few minutes.
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::thread janitor([&] {
    NameThisThread("idem-purge");
    std::unique_lock lock(mu);
    while (!cv.wait_for(lock, std::chrono::minutes(5), [&] { return stopping; })) {
      lock.unlock();
      (void)store->PurgeIdempotency(clock.NowMs() - engine.options().idempotency_ttl_ms);
      lock.lock();
    }
  });

  std::cerr << "refundd: listening on " << (o.tls_cert.empty() ? "http" : "https") << "://"
            << o.server.host << ":" << server.port() << " ("
            << (o.database_url.empty() ? "data " + o.data_dir : std::string("PostgreSQL")) << ")"
            << std::endl;
  std::thread signal_waiter([&] {
    NameThisThread("signals");
    int signal = 0;
    sigwait(&stop_signals, &signal);
    if (signal != 0) server.Stop();
  });
  server.Run(/*handle_signals=*/false);
  // Wakes the signal thread when the server stopped for another reason.
  pthread_kill(signal_waiter.native_handle(), SIGTERM);
  signal_waiter.join();
  {
    std::lock_guard lock(mu);
    stopping = true;
  }
  cv.notify_all();
  janitor.join();
  lifecycle_worker.Stop();
  deliverer.Stop();
  store->Close();
  std::cerr << "refundd: stopped" << std::endl;
  return 0;
}

int MerchantsCreate(const Options& o) {
  auto opened = OpenStore(o);
  if (!opened.ok()) {
    std::cerr << "refundd: " << opened.error() << "\n";
    return 1;
  }
  SystemClock clock;
  auto created = CreateMerchant(*opened.value(), o.name, clock.NowMs());
  opened.value()->Close();
  if (!created.ok()) {
    std::cerr << "refundd: " << created.error() << "\n";
    return 1;
  }
  std::cout << created.value() << std::endl;
  return 0;
}

int MerchantsList(const Options& o) {
  auto opened = OpenStore(o);
  if (!opened.ok()) {
    std::cerr << "refundd: " << opened.error() << "\n";
    return 1;
  }
  auto list = opened.value()->ListMerchants();
  opened.value()->Close();
  if (!list.ok()) {
    std::cerr << "refundd: " << list.error().message << "\n";
    return 1;
  }
  for (const auto& m : list.value()) {
    boost::json::object o2{{"id", m.id}, {"name", m.name}, {"created", m.created_ms / 1000}};
    std::cout << boost::json::serialize(o2) << "\n";
  }
  return 0;
}

int Migrate(const Options& o) {
  auto opened = OpenStore(o);  // opening applies pending migrations
  if (!opened.ok()) {
    std::cerr << "refundd: " << opened.error() << "\n";
    return 1;
  }
  opened.value()->Close();
  std::cout << "{\"migrated\":true}" << std::endl;
  return 0;
}

int Verify(const Options& o) {
  auto opened = OpenStore(o);
  if (!opened.ok()) {
    std::cerr << "refundd: " << opened.error() << "\n";
    return 1;
  }
  int code = RunVerify(*opened.value(), std::cout, std::cerr);
  opened.value()->Close();
  return code;
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"refundd: a refunds engine that speaks several providers' refund APIs"};
  app.require_subcommand(1);
  Options o;
  auto add_data = [&](CLI::App* sub) {
    sub->add_option("--data", o.data_dir, "data directory (SQLite database)")
        ->envname("REFUNDD_DATA")
        ->capture_default_str();
    sub->add_option("--db", o.database_url,
                    "PostgreSQL URL (postgresql://...): use it instead of --data (docs/scaling.md)")
        ->envname("REFUNDD_DATABASE_URL");
  };

  CLI::App* serve = app.add_subcommand("serve", "serve the HTTP APIs");
  add_data(serve);
  serve->add_option("--db-writers", o.db_writers, "PostgreSQL writer connections")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  serve->add_option("--listen", o.listen, "HOST:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  serve->add_option("--tls-cert", o.tls_cert, "PEM certificate chain: serve HTTPS")
      ->check(CLI::ExistingFile);
  serve->add_option("--tls-key", o.tls_key, "PEM private key")->check(CLI::ExistingFile);
  serve->add_option("--threads", o.server.threads, "io threads (0: one per core)")
      ->capture_default_str();
  serve->add_option("--max-body-bytes", o.server.max_body_bytes, "request body limit (413)")
      ->capture_default_str();
  serve->add_option("--max-header-bytes", o.server.max_header_bytes, "request header limit (431)")
      ->capture_default_str();
  serve->add_option("--request-timeout-ms", o.server.request_timeout_ms,
                    "time to receive one request (408)")
      ->capture_default_str();
  serve->add_option("--idle-timeout-ms", o.server.idle_timeout_ms, "keep-alive idle timeout")
      ->capture_default_str();
  serve->add_option("--max-connections", o.server.max_connections, "open connections (503 above)")
      ->capture_default_str();
  serve->add_option("--idempotency-ttl-hours", o.idempotency_ttl_hours,
                    "how long idempotency keys are kept (at least 24)")
      ->check(CLI::Range(24, 24 * 365))
      ->capture_default_str();

  CLI::App* merchants = app.add_subcommand("merchants", "manage merchants");
  merchants->require_subcommand(1);
  CLI::App* create = merchants->add_subcommand("create", "create a merchant, print credentials");
  add_data(create);
  create->add_option("--name", o.name, "merchant name")->required();
  CLI::App* list = merchants->add_subcommand("list", "list merchants (no secrets)");
  add_data(list);

  serve->add_option("--settle-delay-ms", o.settle_delay_ms,
                    "sandbox processor: when asynchronous refunds settle (and late failures fail)")
      ->check(CLI::Range(int64_t{0}, int64_t{30LL * 86400 * 1000}))
      ->capture_default_str();
  serve->add_option("--retry-time-scale", o.retry_time_scale,
                    "multiplies every retry delay and the give-up age (tests: 0.0001)")
      ->check(CLI::Range(1e-9, 1e6))
      ->capture_default_str();
  serve->add_flag("--allow-private-webhook-targets", o.allow_private_webhook_targets,
                  "allow webhooks to loopback and private addresses");
  serve->add_option("--webhook-give-up-hours", o.webhook_give_up_hours,
                    "age after which an undelivered webhook is given up (dead letter)")
      ->check(CLI::Range(0.0, 24.0 * 365))
      ->capture_default_str();
  serve->add_option("--webhook-timeout-ms", o.webhook_timeout_ms, "per delivery attempt")
      ->check(CLI::Range(int64_t{100}, int64_t{60'000}))
      ->capture_default_str();
  serve->add_option("--webhook-senders", o.webhook_senders, "concurrent webhook deliveries")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  serve->add_option("--webhook-ca-file", o.webhook_ca_file,
                    "PEM CAs to verify HTTPS webhook targets (default: the system's)")
      ->check(CLI::ExistingFile);

  LifecycleCliArgs& l = o.lifecycle;
  auto add_merchant = [&](CLI::App* sub) {
    add_data(sub);
    sub->add_option("--merchant", l.merchant, "merchant name or id")->required();
  };
  CLI::App* webhooks_cmd = app.add_subcommand("webhooks", "merchants' webhook endpoints");
  webhooks_cmd->require_subcommand(1);
  CLI::App* wh_set = webhooks_cmd->add_subcommand("set", "set the endpoint of one dialect");
  add_merchant(wh_set);
  wh_set->add_option("--dialect", l.dialect, "native, d24, kushki_online, kushki_pos, rapyd, utgl")
      ->required();
  wh_set->add_option("--url", l.url, "http(s) URL")->required();
  wh_set->add_option("--secret", l.secret, "signing secret (default: a new one, if the dialect "
                                           "signs with endpoint secrets)");
  wh_set->add_option("--events", l.events, "event types (default: all)")->delimiter(',');
  CLI::App* wh_list = webhooks_cmd->add_subcommand("list", "list endpoints (no secrets)");
  add_merchant(wh_list);
  CLI::App* wh_delete = webhooks_cmd->add_subcommand("delete", "delete an endpoint");
  add_merchant(wh_delete);
  wh_delete->add_option("--id", l.id, "endpoint id")->required();
  CLI::App* wh_rotate = webhooks_cmd->add_subcommand("rotate", "new secret, old one kept a while");
  add_merchant(wh_rotate);
  wh_rotate->add_option("--id", l.id, "endpoint id")->required();
  wh_rotate->add_option("--secret", l.secret, "the new secret (default: generated)");
  wh_rotate->add_option("--previous-expires-in-s", l.previous_expires_in_s,
                        "how long the previous secret keeps signing")
      ->check(CLI::Range(int64_t{0}, int64_t{7 * 86400}))
      ->capture_default_str();

  CLI::App* events_cmd = app.add_subcommand("events", "outbox events and their deliveries");
  events_cmd->require_subcommand(1);
  CLI::App* ev_show = events_cmd->add_subcommand("show", "an event and its delivery log");
  add_merchant(ev_show);
  ev_show->add_option("--event", l.id, "event id")->required();
  CLI::App* ev_redeliver = events_cmd->add_subcommand("redeliver", "send an event again");
  add_merchant(ev_redeliver);
  ev_redeliver->add_option("--event", l.id, "event id")->required();

  CLI::App* refunds_cmd = app.add_subcommand("refunds", "refunds by hand (sandbox)");
  refunds_cmd->require_subcommand(1);
  CLI::App* rf_settle = refunds_cmd->add_subcommand("settle", "move a refund by hand");
  add_merchant(rf_settle);
  rf_settle->add_option("--refund", l.id, "refund id")->required();
  rf_settle->add_option("--to", l.to, "succeeded, failed or canceled")->required();
  rf_settle->add_option("--reason", l.reason, "failure reason (--to failed)");

  CLI::App* migrate = app.add_subcommand("migrate", "apply pending schema migrations");
  add_data(migrate);
  CLI::App* verify = app.add_subcommand(
      "verify", "recompute every payment's totals from its refunds; exit 1 on any mismatch");
  add_data(verify);

  CLI11_PARSE(app, argc, argv);
  if (serve->parsed()) return Serve(o);
  if (create->parsed()) return MerchantsCreate(o);
  if (list->parsed()) return MerchantsList(o);
  if (migrate->parsed()) return Migrate(o);
  if (verify->parsed()) return Verify(o);
  const std::vector<std::pair<CLI::App*, int (*)(store::Store&, const Options&)>> lifecycle_cmds = {
      {wh_set, [](store::Store& s, const Options& x) {
         return WebhooksSet(s, x.lifecycle, SystemClock().NowMs());
       }},
      {wh_list, [](store::Store& s, const Options& x) { return WebhooksList(s, x.lifecycle); }},
      {wh_delete, [](store::Store& s, const Options& x) { return WebhooksDelete(s, x.lifecycle); }},
      {wh_rotate, [](store::Store& s, const Options& x) {
         return WebhooksRotate(s, x.lifecycle, SystemClock().NowMs());
       }},
      {ev_show, [](store::Store& s, const Options& x) { return EventsShow(s, x.lifecycle); }},
      {ev_redeliver, [](store::Store& s, const Options& x) {
         return EventsRedeliver(s, x.lifecycle, SystemClock().NowMs());
       }},
      {rf_settle, [](store::Store& s, const Options& x) {
         return RefundsSettle(s, x.lifecycle, SystemClock().NowMs());
       }},
  };
  for (const auto& [cmd, run] : lifecycle_cmds) {
    if (!cmd->parsed()) continue;
    auto opened = OpenStore(o);
    if (!opened.ok()) {
      std::cerr << "refundd: " << opened.error() << "\n";
      return 1;
    }
    const int code = run(*opened.value(), o);
    opened.value()->Close();
    return code;
  }
  return 2;
}

}  // namespace refundd::app

int main(int argc, char** argv) { return refundd::app::Main(argc, argv); }
