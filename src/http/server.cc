#include "http/server.h"

#include "base/thread_name.h"
#include "http/connection.h"

namespace refundd::http {

using namespace internal;  // NOLINT: the server is the one user of its internals

struct Server::Impl {
  Impl(ServerOptions options, Handler handler, RefusalRenderer refusals)
      : core(std::make_shared<Core>()) {
    core->options = std::move(options);
    core->handler = std::move(handler);
    core->refusals = std::move(refusals);
    int threads = core->options.threads;
    if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    for (int i = 0; i < threads; ++i) workers.push_back(std::make_shared<Worker>(core));
    acceptor.emplace(workers[0]->ioc);
  }

  ~Impl() {
    Stop();
    Teardown();
  }

  std::string Listen();
  void Run(bool handle_signals);
  void Stop();

  void Accept();
  void StartConnection(const std::shared_ptr<Worker>& worker, tcp::socket socket, bool reject);
  void Teardown();

  std::shared_ptr<Core> core;
  std::vector<std::shared_ptr<Worker>> workers;
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> accept_retry;
  std::optional<ssl::context> tls;
  std::size_t next_worker = 0;
  uint16_t port = 0;
  bool listening = false;
  bool stop_requested = false;  // guarded by core->mu
  bool torn_down = false;
};

std::string Server::Impl::Listen() {
  const ServerOptions& options = core->options;
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return "TLS needs both a certificate file and a key file";
  }
  error_code ec;
  if (!options.tls_cert_file.empty()) {
    tls.emplace(ssl::context::tls_server);
    tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                     ssl::context::single_dh_use);
    SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION);
    tls->use_certificate_chain_file(options.tls_cert_file, ec);
    if (ec) return "cannot load TLS certificate " + options.tls_cert_file + ": " + ec.message();
    tls->use_private_key_file(options.tls_key_file, ssl::context::pem, ec);
    if (ec) return "cannot load TLS key " + options.tls_key_file + ": " + ec.message();
    core->tls = &*tls;
  }
  asio::ip::address address = asio::ip::make_address(options.host, ec);
  if (ec) {
    tcp::resolver resolver(workers[0]->ioc);
    auto results = resolver.resolve(options.host, "", ec);
    if (ec || results.empty()) return "cannot resolve host '" + options.host + "'";
    address = results.begin()->endpoint().address();
  }
  tcp::endpoint endpoint(address, options.port);
  std::string where = options.host + ":" + std::to_string(options.port);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error_code ignored;
    acceptor->close(ignored);
    return "cannot listen on " + where + ": " + ec.message();
  }
  port = acceptor->local_endpoint(ec).port();
  listening = true;
  return "";
}

void Server::Impl::Accept() {
  std::shared_ptr<Worker> worker = workers[next_worker++ % workers.size()];
  acceptor->async_accept(worker->ioc, [this, worker](error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
    if (ec) {
      // Out of descriptors or similar: back off instead of spinning on the error.
      bool resources = ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
                       ec == asio::error::no_memory;
      if (!resources) return Accept();
      accept_retry->expires_after(std::chrono::milliseconds(50));
      accept_retry->async_wait([this](error_code wait_ec) {
        if (!wait_ec) Accept();
      });
      return;
    }
    bool reject = core->open_connections.fetch_add(1) >= core->options.max_connections;
    asio::post(worker->ioc, [this, worker, reject, s = std::move(socket)]() mutable {
      StartConnection(worker, std::move(s), reject);
    });
    Accept();
  });
}

void Server::Impl::StartConnection(const std::shared_ptr<Worker>& worker, tcp::socket socket,
                                   bool reject) {
  error_code ec;
  tcp::endpoint remote = socket.remote_endpoint(ec);
  if (ec || worker->stopping) {
    socket.close(ec);
    core->ConnectionClosed();
    return;
  }
  socket.set_option(tcp::no_delay(true), ec);
  std::string remote_text = EndpointText(remote);
  auto start = [&](auto connection) {
    worker->Link(connection.get());
    connection->Start();
  };
  if (tls) {
    start(std::make_shared<Connection<true>>(worker, std::move(socket), std::move(remote_text),
                                             reject));
  } else {
    start(std::make_shared<Connection<false>>(worker, std::move(socket), std::move(remote_text),
                                              reject));
  }
}

void Server::Impl::Run(bool handle_signals) {
  if (!listening || torn_down) return;
  const ServerOptions& options = core->options;
  int64_t shortest_ms = std::min(options.request_timeout_ms, options.idle_timeout_ms);
  auto tick = std::chrono::milliseconds(std::clamp<int64_t>(shortest_ms / 8, 5, 250));

  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& worker : workers) {
    guards.push_back(asio::make_work_guard(worker->ioc));
    Worker* w = worker.get();
    asio::post(w->ioc, [w, tick] { w->ArmTicker(tick); });
  }
  accept_retry.emplace(workers[0]->ioc);
  asio::post(workers[0]->ioc, [this] { Accept(); });
  std::optional<asio::signal_set> signals;
  if (handle_signals) {
    signals.emplace(workers[0]->ioc, SIGINT, SIGTERM);
    signals->async_wait([this](error_code ec, int) {
      if (!ec) Stop();
    });
  }

  std::vector<std::thread> threads;
  for (auto& worker : workers) {
    threads.emplace_back([w = worker.get()] {
      NameThisThread("http-io");
      w->ioc.run();
    });
  }
  {
    std::unique_lock<std::mutex> lock(core->mu);
    core->cv.wait(lock, [this] { return stop_requested; });
    auto deadline = Clock::now() + std::chrono::milliseconds(options.drain_timeout_ms);
    core->cv.wait_until(lock, deadline, [this] { return core->open_connections.load() == 0; });
  }
  for (auto& worker : workers) worker->ioc.stop();
  for (auto& thread : threads) thread.join();
  guards.clear();
  if (signals) signals->cancel();
  Teardown();
}

void Server::Impl::Stop() {
  {
    std::lock_guard<std::mutex> lock(core->mu);
    if (stop_requested) return;
    stop_requested = true;
    core->stopping = true;
  }
  core->cv.notify_all();
  for (auto& worker : workers) {
    Worker* w = worker.get();
    asio::post(w->ioc, [w] { w->BeginStop(); });
  }
  asio::post(workers[0]->ioc, [this] {
    error_code ignored;
    acceptor->close(ignored);
    if (accept_retry) accept_retry->cancel();
  });
}

// With no io thread running any more: closes what is left and runs the queued handlers so that
// they release their connections. After this no Reply can post into an io_context.
void Server::Impl::Teardown() {
  if (torn_down) return;
  torn_down = true;
  error_code ignored;
  acceptor->close(ignored);
  if (accept_retry) accept_retry->cancel();
  for (auto& worker : workers) {
    {
      std::lock_guard<std::mutex> lock(worker->post_mu);
      worker->closed_for_posts = true;
    }
    worker->stopping = true;
    worker->ticker.cancel();
    worker->ForEach([](ConnectionBase* c) { c->Abort(); });
  }
  for (auto& worker : workers) {
    worker->ioc.restart();
    while (worker->ioc.poll() > 0) {
    }
  }
}

Server::Server(ServerOptions options, Handler handler, RefusalRenderer refusals)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler), std::move(refusals))) {}
Server::~Server() = default;
std::string Server::Listen() { return impl_->Listen(); }
uint16_t Server::port() const { return impl_->port; }
void Server::Run(bool handle_signals) { impl_->Run(handle_signals); }
void Server::Stop() { impl_->Stop(); }

}  // namespace refundd::http
