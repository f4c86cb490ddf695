#pragma once
// One HTTP/1.1 connection (plain or TLS) on its worker's thread: reads requests with Beast's
// parser under the server's limits, hands each to the Handler, writes the answer, keeps alive.
// Internal to the server.

#include "base/utf8.h"
#include "http/header_scan.h"
#include "http/worker.h"

namespace refundd::http::internal {

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
    if (response.render) response = response.render();
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
    // What is already buffered is the start of this request's header; the rest is scanned as it
    // arrives (ScannedBuffer).
    header_scan_.Reset();
    header_scan_.Feed(std::string_view(static_cast<const char*>(buffer_.cdata().data()),
                                       buffer_.size()));
    bhttp::async_read_header(
        stream_, scanned_buffer_, *parser_,
        [this, self = shared_from_this()](error_code ec, std::size_t) { OnHeader(ec); });
  }

  void OnHeader(error_code ec) {
    if (phase_ == Phase::kClosed) return;
    if (ec) return OnReadError(ec);
    phase_ = Phase::kReading;
    // RFC 9112 requires a 400 for both; Beast's parser accepts them.
    std::string_view problem;
    if (header_scan_.folded()) {
      problem = "The request folds a header line (obsolete line folding).";
    } else if (parser_->get().version() >= 11) {
      const auto hosts = parser_->get().equal_range(bhttp::field::host);
      const auto count = static_cast<std::size_t>(std::distance(hosts.first, hosts.second));
      const std::string_view first = count == 0 ? "" : std::string_view(hosts.first->value());
      problem = HostProblem(count, first);
    }
    if (!problem.empty()) {
      return Write(RefusalResponse(400, "bad_request", std::string(problem)), Ending::kLinger);
    }
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
      return Write(RefusalResponse(431, "headers_too_large",
                                   "The request headers are larger than the server accepts (" +
                                       std::to_string(core_.options.max_header_bytes) + " bytes)."),
                   Ending::kLinger);
    }
    if (ec == bhttp::error::body_limit) {
      // Also when the header's Content-Length is over the limit: Beast then refuses the request
      // before it marks the header done, but every field has been read.
      return Write(RefusalResponse(413, "request_too_large",
                                   "The request body is larger than the server accepts (" +
                                       std::to_string(core_.options.max_body_bytes) + " bytes).",
                                   /*headers_read=*/true),
                   Ending::kLinger);
    }
    if (ec == asio::error::operation_aborted && timed_out_) {
      if (phase_ == Phase::kReading && GotBytes()) {
        return Write(
            RefusalResponse(408, "request_timeout",
                            "The request was not received in time (" +
                                std::to_string(core_.options.request_timeout_ms) + " ms)."),
            Ending::kLinger);
      }
      return Close();
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
        ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
      return Write(RefusalResponse(400, "bad_request", "The request is not valid HTTP/1.1."),
                   Ending::kLinger);
    }
    Close();  // the peer went away, or a network error
  }

  // The answer to a request refused before the handler: rendered by core_.refusals from what the
  // parser has read when that includes the method and target, else the server's own shape. The
  // headers go with it when the whole header block was read.
  Response RefusalResponse(int status, std::string_view code, const std::string& message,
                           bool headers_read = false) {
    if (core_.refusals && parser_) {
      const auto& message_so_far = parser_->get();
      std::string_view method = message_so_far.method_string();
      std::string_view target = message_so_far.target();
      if (!method.empty() && !target.empty()) {
        Request partial;
        partial.method = std::string(method);
        ParseTarget(target, partial);
        if (headers_read || parser_->is_header_done()) CopyHeaders(message_so_far, partial);
        partial.remote_addr = remote_;
        RequestError error{status, partial.method, partial.path, "", message};
        try {
          Response response = core_.refusals(partial, error);
          if (response.status == status) return response;
        } catch (const std::exception& e) {
          std::fprintf(stderr, "refundd: refusal renderer threw: %s\n", e.what());
        }
      }
    }
    return TransportError(status, code, message);
  }

  template <typename Message>
  static void CopyHeaders(const Message& message, Request& request) {
    request.headers.reserve(std::distance(message.begin(), message.end()));
    for (const auto& field : message) {
      std::string name(field.name_string());
      for (char& c : name) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      request.headers.emplace_back(std::move(name), std::string(field.value()));
    }
  }

  void OnRequest() {
    auto& message = parser_->get();
    phase_ = Phase::kHandling;
    keep_alive_ = message.keep_alive();
    http10_ = message.version() < 11;
    Request request;
    request.method = std::string(message.method_string());
    head_ = request.method == "HEAD";
    if (!ParseTarget(message.target(), request)) {
      return Write(RefusalResponse(400, "bad_request", "The request path has a bad escape."),
                   Ending::kLinger);
    }
    CopyHeaders(message, request);
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
    if (!no_body && response.content_type.starts_with("application/json")) {
      // The one guarantee for every JSON body, however it was made (JsonWriter already writes
      // U+FFFD for ill-formed UTF-8; Boost.JSON's serializer copies a string's bytes as they are,
      // and a percent-decoded path or a header may be any bytes): ill-formed UTF-8 becomes U+FFFD
      // (base/utf8.h), which leaves the document's structure as it was. Almost always one pass
      // over ASCII, eight bytes at a time.
      RepairUtf8(response.body);
    }
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
    // parser_ stays: a read may still be pending on it (OnStop and Abort close idle and reading
    // connections). Closing the socket cannot recall a read that already completed and is queued;
    // Beast then commits the bytes and parses them into parser_ before our handler sees kClosed.
    // The parser goes with the connection, once the last handler has released it.
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
  HeaderScan header_scan_;
  ScannedBuffer scanned_buffer_{buffer_, header_scan_};
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string out_head_;
  std::string out_body_;
};

}  // namespace refundd::http::internal
