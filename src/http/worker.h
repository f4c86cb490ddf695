#pragma once
// Internals of the HTTP server shared by server.cc and connection.h: the per-thread Worker (its
// io_context, its intrusive list of connections, the timeout ticker), the Core state shared with
// connections that may outlive the Server, and the ReplyGuard behind every Reply.
// Not part of the http library's interface.

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

#include "http/server.h"


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

namespace refundd::http::internal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

inline constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
inline constexpr int64_t kLingerMaxMs = 2'000;

std::string ErrorBody(std::string_view code, std::string_view message);
Response TransportError(int status, std::string_view code, std::string_view message);
bool IsTokenChar(char c);
bool HasLineBreak(std::string_view s);
int HexValue(char c);
bool DecodePath(std::string_view in, std::string& out);
// Fills request.path and request.query from a request target (origin or absolute form). False
// when the path has a bad escape; request.path is then the path as received.
bool ParseTarget(std::string_view target, Request& request);
std::string EndpointText(const tcp::endpoint& endpoint);

struct Worker;

// State shared by the server, its workers and its connections. Connections can outlive the
// Server (a Reply may be held by the service after shutdown), so this is reference counted.
struct Core {
  ServerOptions options;
  Handler handler;
  RefusalRenderer refusals;     // may be empty
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

}  // namespace refundd::http::internal
