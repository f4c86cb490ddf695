#include "http/server.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "base/check.h"

// Design, in short:
// - One io_context per worker thread, each run by exactly one thread, so a connection's state is
//   only ever touched by its own thread: no strands and no locks on the request path. The acceptor
//   lives on worker 0 and hands sockets round-robin to the workers.
// - Timeouts are not per-request timers (each would re-arm the timer queue, often with a syscall):
//   every connection records a deadline and a per-worker ticker sweeps that worker's connections a
//   few times per timeout period, cancelling the socket of any connection past its deadline.
// - A Reply holds a shared_ptr to a guard that holds the connection, so a late Reply finds the
//   connection alive (maybe closed). Replies are posted to the connection's io_context; each
//   worker has a small mutex only around that post, so that no Reply posts into an io_context
//   after the server tore it down.

namespace refundd::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr int64_t kLingerMaxMs = 2'000;

std::string ErrorBody(std::string_view code, std::string_view message) {
  std::string body = R"({"error":{"type":"invalid_request_error","code":")";
  body += code;
  body += R"(","message":")";
  body += message;  // constant text, nothing to escape
  body += R"("}})";
  return body;
}

Response TransportError(int status, std::string_view code, std::string_view message) {
  Response response;
  response.status = status;
  response.body = ErrorBody(code, message);
  return response;
}

bool IsTokenChar(char c) { return c > ' ' && c < 127 && c != ':'; }
bool HasLineBreak(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX in a path ('+' stays '+'). False on a malformed escape or an encoded NUL.
bool DecodePath(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int hi = HexValue(in[i + 1]);
    int lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

std::string EndpointText(const tcp::endpoint& endpoint) {
  std::string text = endpoint.address().to_string();
  if (endpoint.address().is_v6()) text = "[" + text + "]";
  return text + ":" + std::to_string(endpoint.port());
}

struct Worker;

// State shared by the server, its workers and its connections. Connections can outlive the
// Server (a Reply may be held by the service after shutdown), so this is reference counted.
struct Core {
  ServerOptions options;
  Handler handler;
  ssl::context* tls = nullptr;  // owned by Server::Impl; only used while io threads run
  std::atomic<std::size_t> open_connections{0};
  std::atomic<bool> stopping{false};
  std::mutex mu;  // for cv: Run() waits for Stop() and then for the drain
  std::condition_variable cv;

  void ConnectionClosed() {
    if (open_connections.fetch_sub(1) == 1 && stopping.load()) {
      std::lock_guard<std::mutex> lock(mu);
      cv.notify_all();
    }
  }
};

// A connection as its worker sees it: an entry in an intrusive list, swept by the ticker.
class ConnectionBase : public std::enable_shared_from_this<ConnectionBase> {
 public:
  explicit ConnectionBase(std::shared_ptr<Worker> worker) : worker_(std::move(worker)) {}
  virtual ~ConnectionBase() = default;

  // All on the worker's thread.
  virtual void OnTick(Clock::time_point now) = 0;
  virtual void OnStop() = 0;
  virtual void Abort() = 0;
  virtual void Deliver(Response&& response) = 0;

  // Any thread: hands the response to the connection's thread.
  void Send(Response&& response);

  ConnectionBase* prev_ = nullptr;
  ConnectionBase* next_ = nullptr;

 protected:
  std::shared_ptr<Worker> worker_;
};

struct Worker {
  explicit Worker(std::shared_ptr<Core> c) : core(std::move(c)), ioc(1), ticker(ioc) {}

  void Link(ConnectionBase* c) {
    c->next_ = head;
    if (head != nullptr) head->prev_ = c;
    head = c;
  }
  void Unlink(ConnectionBase* c) {
    if (c->prev_ != nullptr) c->prev_->next_ = c->next_;
    if (c->next_ != nullptr) c->next_->prev_ = c->prev_;
    if (head == c) head = c->next_;
    c->prev_ = c->next_ = nullptr;
  }
  template <typename F>
  void ForEach(F&& f) {
    for (ConnectionBase* c = head; c != nullptr;) {
      ConnectionBase* next = c->next_;  // f may unlink c
      f(c);
      c = next;
    }
  }

  void ArmTicker(Clock::duration interval) {
    ticker.expires_after(interval);
    ticker.async_wait([this, interval](error_code ec) {
      if (ec || closed_for_posts) return;
      Clock::time_point now = Clock::now();
      ForEach([now](ConnectionBase* c) { c->OnTick(now); });
      ArmTicker(interval);
    });
  }

  void BeginStop() {
    stopping = true;
    ForEach([](ConnectionBase* c) { c->OnStop(); });
  }

  std::shared_ptr<Core> core;
  asio::io_context ioc;
  asio::steady_timer ticker;
  ConnectionBase* head = nullptr;  // open connections, worker thread only
  bool stopping = false;           // worker thread only

  std::mutex post_mu;
  bool closed_for_posts = false;  // guarded by post_mu; set once the io thread is gone
};

void ConnectionBase::Send(Response&& response) {
  Worker& worker = *worker_;
  if (worker.ioc.get_executor().running_in_this_thread()) {
    Deliver(std::move(response));
    return;
  }
  std::lock_guard<std::mutex> lock(worker.post_mu);
  if (worker.closed_for_posts) return;
  asio::post(worker.ioc, [self = shared_from_this(), r = std::move(response)]() mutable {
    self->Deliver(std::move(r));
  });
}

// Shared by all copies of one Reply: delivers the first answer, or a 500 if none came.
class ReplyGuard {
 public:
  explicit ReplyGuard(std::shared_ptr<ConnectionBase> connection)
      : connection_(std::move(connection)) {}
  ~ReplyGuard() {
    if (answered_.exchange(true)) return;
    Response response;
    response.status = 500;
    response.body = R"({"error":{"type":"api_error","code":"internal_error",)"
                    R"("message":"The request handler did not answer."}})";
    connection_->Send(std::move(response));
  }
  ReplyGuard(const ReplyGuard&) = delete;
  ReplyGuard& operator=(const ReplyGuard&) = delete;

  void Answer(Response&& response) {
    if (answered_.exchange(true)) return;  // a second answer is a handler bug; ignore it
    connection_->Send(std::move(response));
  }

 private:
  std::shared_ptr<ConnectionBase> connection_;
  std::atomic<bool> answered_{false};
};

template <bool kTls>
class Connection final : public ConnectionBase {
  using Stream = std::conditional_t<kTls, ssl::stream<tcp::socket>, tcp::socket>;

 public:
  Connection(std::shared_ptr<Worker> worker, tcp::socket socket, std::string remote, bool reject)
      : ConnectionBase(std::move(worker)),
        core_(*worker_->core),
        stream_(MakeStream(std::move(socket), core_)),
        remote_(std::move(remote)),
        reject_(reject) {}

  // Worker thread. The connection is already linked and counted.
  void Start() {
    deadline_ = Clock::now() + std::chrono::milliseconds(core_.options.request_timeout_ms);
    if constexpr (kTls) {
      phase_ = Phase::kHandshake;
      stream_.async_handshake(ssl::stream_base::server,
                              [this, self = shared_from_this()](error_code ec) {
                                if (phase_ == Phase::kClosed) return;
                                if (ec) return Close();
                                AfterHandshake();
                              });
    } else {
      AfterHandshake();
    }
  }

  void OnTick(Clock::time_point now) override {
    switch (phase_) {
      case Phase::kIdle:
        if (GotBytes()) {
          // A request started on a keep-alive connection: from now on it has to arrive in time.
          phase_ = Phase::kReading;
          deadline_ = now + std::chrono::milliseconds(core_.options.request_timeout_ms);
          return;
        }
        [[fallthrough]];
      case Phase::kHandshake:
      case Phase::kReading:
      case Phase::kWriting:
      case Phase::kLingering:
        if (now >= deadline_ && !timed_out_) {
          timed_out_ = true;
          error_code ignored;
          Socket().cancel(ignored);  // the pending operation completes with operation_aborted
        }
        return;
      case Phase::kHandling:
      case Phase::kClosed:
        return;
    }
  }

  void OnStop() override {
    switch (phase_) {
      case Phase::kHandshake:
      case Phase::kIdle:
        return Close();
      case Phase::kReading:
        if (!GotBytes()) Close();  // else let it arrive; its answer will close the connection
        return;
      case Phase::kHandling:
      case Phase::kWriting:
      case Phase::kLingering:
      case Phase::kClosed:
        return;
    }
  }

  void Abort() override { Close(); }

  void Deliver(Response&& response) override {
    if (phase_ != Phase::kHandling) return;  // closed meanwhile (shutdown or write error)
    Write(std::move(response),
          keep_alive_ && !worker_->stopping ? Ending::kKeepAlive : Ending::kClose);
  }

 private:
  enum class Phase { kHandshake, kIdle, kReading, kHandling, kWriting, kLingering, kClosed };
  // What follows a response: the next request; closing; or, when the request was not read to its
  // end (refused by a limit), closing after the client stopped sending (see Linger()).
  enum class Ending { kKeepAlive, kClose, kLinger };

  static Stream MakeStream(tcp::socket socket, Core& core) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *core.tls);
    } else {
      (void)core;
      return socket;
    }
  }

  tcp::socket& Socket() {
    if constexpr (kTls) {
      return stream_.next_layer();
    } else {
      return stream_;
    }
  }

  bool GotBytes() const { return buffer_.size() > 0 || (parser_ && parser_->got_some()); }

  void AfterHandshake() {
    if (reject_) {
      return Write(TransportError(503, "too_many_connections",
                                  "The server has too many open connections; retry later."),
                   Ending::kLinger);
    }
    ReadNext(true);
  }

  void ReadNext(bool first) {
    if (worker_->stopping) return CloseGracefully();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(core_.options.max_header_bytes, UINT32_MAX)));
    parser_->body_limit(core_.options.max_body_bytes);
    timed_out_ = false;
    if (first) {
      phase_ = Phase::kReading;  // deadline_ counts from the accept
    } else if (buffer_.size() > 0) {
      phase_ = Phase::kReading;
      deadline_ = Clock::now() + std::chrono::milliseconds(core_.options.request_timeout_ms);
    } else {
      phase_ = Phase::kIdle;
      deadline_ = Clock::now() + std::chrono::milliseconds(core_.options.idle_timeout_ms);
    }
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [this, self = shared_from_this()](error_code ec, std::size_t) { OnHeader(ec); });
  }

  void OnHeader(error_code ec) {
    if (phase_ == Phase::kClosed) return;
    if (ec) return OnReadError(ec);
    phase_ = Phase::kReading;
    if (parser_->is_done()) return OnRequest();
    auto read_body = [this, self = shared_from_this()](error_code read_ec, std::size_t) {
      if (phase_ == Phase::kClosed) return;
      if (read_ec) return OnReadError(read_ec);
      OnRequest();
    };
    if (ExpectsContinue()) {
      asio::async_write(
          stream_, asio::buffer(kContinue),
          [this, self = shared_from_this(), read_body](error_code write_ec, std::size_t) {
            if (phase_ == Phase::kClosed) return;
            if (write_ec) return OnReadError(write_ec);
            bhttp::async_read(stream_, buffer_, *parser_, read_body);
          });
      return;
    }
    bhttp::async_read(stream_, buffer_, *parser_, read_body);
  }

  bool ExpectsContinue() const {
    std::string_view expect = parser_->get()[bhttp::field::expect];
    constexpr std::string_view k100 = "100-continue";
    return expect.size() == k100.size() &&
           std::equal(expect.begin(), expect.end(), k100.begin(), [](char a, char b) {
             return (a >= 'A' && a <= 'Z' ? a - 'A' + 'a' : a) == b;
           });
  }

  void OnReadError(error_code ec) {
    if (ec == bhttp::error::header_limit) {
      return Write(TransportError(431, "headers_too_large",
                                  "The request headers are larger than the server accepts."),
                   Ending::kLinger);
    }
    if (ec == bhttp::error::body_limit) {
      return Write(TransportError(413, "request_too_large",
                                  "The request body is larger than the server accepts."),
                   Ending::kLinger);
    }
    if (ec == asio::error::operation_aborted && timed_out_) {
      if (phase_ == Phase::kReading && GotBytes()) {
        return Write(
            TransportError(408, "request_timeout", "The request was not received in time."),
            Ending::kLinger);
      }
      return Close();
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
        ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
      return Write(TransportError(400, "bad_request", "The request is not valid HTTP/1.1."),
                   Ending::kLinger);
    }
    Close();  // the peer went away, or a network error
  }

  void OnRequest() {
    auto& message = parser_->get();
    phase_ = Phase::kHandling;
    keep_alive_ = message.keep_alive();
    http10_ = message.version() < 11;
    Request request;
    request.method = std::string(message.method_string());
    head_ = request.method == "HEAD";
    std::string_view target = message.target();
    if (target.starts_with("http://") || target.starts_with("https://")) {
      std::size_t slash = target.find('/', target.find("//") + 2);
      target = slash == std::string_view::npos ? "/" : target.substr(slash);
    }
    std::size_t question = target.find('?');
    if (question != std::string_view::npos)
      request.query = std::string(target.substr(question + 1));
    if (!DecodePath(target.substr(0, question), request.path)) {
      return Write(TransportError(400, "bad_request", "The request path has a bad escape."),
                   Ending::kLinger);
    }
    request.headers.reserve(std::distance(message.begin(), message.end()));
    for (const auto& field : message) {
      std::string name(field.name_string());
      for (char& c : name) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      request.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    request.body = std::move(message.body());
    request.remote_addr = remote_;
    parser_.reset();

    auto guard = std::make_shared<ReplyGuard>(shared_from_this());
    Reply reply = [guard = std::move(guard)](Response response) {
      guard->Answer(std::move(response));
    };
    try {
      core_.handler(std::move(request), std::move(reply));
    } catch (const std::exception& e) {
      // A handler bug. The Reply it dropped answers 500; keep the io thread alive.
      std::fprintf(stderr, "refundd: request handler threw: %s\n", e.what());
    } catch (...) {
      std::fprintf(stderr, "refundd: request handler threw\n");
    }
  }

  void Write(Response&& response, Ending ending) {
    bool close = ending != Ending::kKeepAlive;
    phase_ = Phase::kWriting;
    deadline_ = Clock::now() + std::chrono::milliseconds(core_.options.request_timeout_ms);
    timed_out_ = false;
    ending_ = ending;
    int status = response.status;
    bool no_body = status < 200 || status == 204 || status == 304;
    out_head_.clear();
    out_head_ += "HTTP/1.1 ";
    out_head_ += std::to_string(status);
    out_head_ += ' ';
    out_head_ += bhttp::obsolete_reason(bhttp::int_to_status(static_cast<unsigned>(status)));
    out_head_ += "\r\nServer: refundd\r\n";
    if (!no_body) {
      if (!response.content_type.empty() && !HasLineBreak(response.content_type)) {
        out_head_ += "Content-Type: ";
        out_head_ += response.content_type;
        out_head_ += "\r\n";
      }
      out_head_ += "Content-Length: ";
      out_head_ += std::to_string(response.body.size());
      out_head_ += "\r\n";
    }
    for (const auto& [name, value] : response.headers) {
      // Handlers may echo client text into headers; never let it split the response.
      if (name.empty() || !std::all_of(name.begin(), name.end(), IsTokenChar) ||
          HasLineBreak(value)) {
        continue;
      }
      out_head_ += name;
      out_head_ += ": ";
      out_head_ += value;
      out_head_ += "\r\n";
    }
    if (close) {
      out_head_ += "Connection: close\r\n";
    } else if (http10_) {
      out_head_ += "Connection: keep-alive\r\n";
    }
    out_head_ += "\r\n";
    out_body_ = std::move(response.body);
    if (no_body || head_) out_body_.clear();
    std::array<asio::const_buffer, 2> buffers = {asio::buffer(out_head_), asio::buffer(out_body_)};
    asio::async_write(stream_, buffers,
                      [this, self = shared_from_this()](error_code ec, std::size_t) {
                        if (phase_ == Phase::kClosed) return;
                        out_body_ = std::string();
                        if (ec) return Close();
                        if (ending_ == Ending::kLinger) return Linger();
                        if (ending_ == Ending::kClose) return CloseGracefully();
                        if (buffer_.size() == 0 && buffer_.capacity() > 64 * 1024) {
                          buffer_ = beast::flat_buffer();
                        }
                        ReadNext(false);
                      });
  }

  // Closes gracefully: stop sending, then read and drop whatever the client still sends (e.g.
  // the rest of a refused body) until it closes, so that our answer is not lost to a reset.
  void Linger() {
    phase_ = Phase::kLingering;
    timed_out_ = false;
    deadline_ = Clock::now() +
                std::chrono::milliseconds(std::min(core_.options.request_timeout_ms, kLingerMaxMs));
    if constexpr (kTls) {
      stream_.async_shutdown([this, self = shared_from_this()](error_code) { Close(); });
    } else {
      error_code ignored;
      Socket().shutdown(tcp::socket::shutdown_send, ignored);
      buffer_.clear();
      Drain();
    }
  }

  // Closes after a fully read request: nothing more is expected from the client, so no reset can
  // destroy the answer. TLS still exchanges close_notify, within the linger deadline.
  void CloseGracefully() {
    if constexpr (kTls) {
      Linger();
    } else {
      error_code ignored;
      Socket().shutdown(tcp::socket::shutdown_both, ignored);
      Close();
    }
  }

  void Drain() {
    Socket().async_read_some(buffer_.prepare(4096),
                             [this, self = shared_from_this()](error_code ec, std::size_t) {
                               if (phase_ == Phase::kClosed) return;
                               if (ec) return Close();
                               Drain();
                             });
  }

  void Close() {
    if (phase_ == Phase::kClosed) return;
    phase_ = Phase::kClosed;
    worker_->Unlink(this);
    error_code ignored;
    Socket().close(ignored);
    parser_.reset();
    core_.ConnectionClosed();
  }

  Core& core_;
  Stream stream_;
  std::string remote_;
  bool reject_;
  Phase phase_ = Phase::kReading;
  Clock::time_point deadline_;
  bool timed_out_ = false;
  bool keep_alive_ = true;
  bool http10_ = false;
  bool head_ = false;
  Ending ending_ = Ending::kKeepAlive;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string out_head_;
  std::string out_body_;
};

}  // namespace

struct Server::Impl {
  Impl(ServerOptions options, Handler handler) : core(std::make_shared<Core>()) {
    core->options = std::move(options);
    core->handler = std::move(handler);
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
    threads.emplace_back([w = worker.get()] { w->ioc.run(); });
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

Server::Server(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}
Server::~Server() = default;
std::string Server::Listen() { return impl_->Listen(); }
uint16_t Server::port() const { return impl_->port; }
void Server::Run(bool handle_signals) { impl_->Run(handle_signals); }
void Server::Stop() { impl_->Stop(); }

}  // namespace refundd::http
