#pragma once
// The HTTP/1.1 server: Boost.Beast over Asio, one io thread per core, keep-alive, optional TLS.
// It enforces transport limits itself and answers them without calling the handler:
//   header block too large -> 431, body too large -> 413, request not fully read within
//   request_timeout_ms -> 408, malformed HTTP -> 400, too many open connections -> 503 and close.
// Those answers are JSON: {"error":{"type":"invalid_request_error","code":C,"message":"..."}} with
// C headers_too_large, request_too_large, request_timeout, bad_request, too_many_connections,
// unless a RefusalRenderer is given and the server read the request's method and path: then the
// renderer answers the 431, 413, 408 and 400 (in the error shape of the dialect that owns the
// path, as app wires it to the router), with the same status and the same connection handling.
// Everything else goes to the Handler, which may answer later from any thread.
// Reply contract as the server implements it: the first call answers; later calls are ignored;
// a Reply destroyed without being called answers 500 api_error/internal_error (a handler bug must
// not hang the client); a Reply called after its connection closed, or after the Server is gone,
// does nothing. `Expect: 100-continue` is honoured. After refusing a request it did not read to
// its end (413, 431, 400, 408, 503), the server keeps reading and dropping the client's bytes
// briefly before closing, so the refusal is not lost to a TCP reset.
//
// Thread-safety: construct, then Run() from one thread; Stop() may be called from any thread
// (and from a signal handler via the io context: see app). Stop() stops accepting, lets requests
// already handed to the handler finish and be written (up to drain_timeout_ms), closes idle
// keep-alive connections, and makes Run() return. A request whose bytes are still arriving when
// Stop() is called may finish arriving and is answered with Connection: close.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http/message.h"

namespace refundd::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 picks a free port; see Server::port()
  int threads = 0;       // 0 = one per core
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  int64_t request_timeout_ms = 30'000;  // time to read one whole request
  int64_t idle_timeout_ms = 75'000;     // keep-alive connection with no request in progress
  int64_t drain_timeout_ms = 30'000;    // graceful shutdown limit
  std::size_t max_connections = 10'000;
  std::string tls_cert_file;  // both set -> HTTPS only
  std::string tls_key_file;
};

// Renders a refusal (400, 408, 413, 431) of a request of which the server read at least the
// method and the target. `partial` has the method, the path (percent-decoded, or as received when
// it does not decode), the query, and the headers when the whole header block was read (else
// none); never a body. `error` has the status, method, path and the server's message (with the
// limit). Must answer with `error.status` and not throw; called on an io thread, concurrently.
using RefusalRenderer = std::function<Response(const Request& partial, const RequestError& error)>;

class Server {
 public:
  // `refusals` may be empty: every refusal is then in the shape above.
  Server(ServerOptions options, Handler handler, RefusalRenderer refusals = nullptr);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens. Returns "" on success or an error message (bad address, port in use,
  // unreadable TLS files). After success port() is the bound port.
  std::string Listen();
  uint16_t port() const;
  // Serves until Stop() (or SIGTERM/SIGINT when handle_signals was set), then drains and returns.
  // Returns at once when Listen() did not succeed, or when called a second time.
  void Run(bool handle_signals);
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace refundd::http
