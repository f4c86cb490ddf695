// Proves that the real server, on a real socket, keeps connections alive, answers its transport
// limits itself (413, 431, 408, 400, 503), refuses what RFC 9112 refuses (no Host, folded header
// lines), delivers answers given later from another thread (also during a graceful Stop), and
// serves HTTPS.

#include "http/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "http/header_scan.h"

namespace refundd::http {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

// Generous: the machine may be loaded. Nothing here waits this long when things work.
constexpr milliseconds kDeadline{20'000};

bool WaitUntil(const std::function<bool()>& condition, milliseconds timeout = kDeadline) {
  auto deadline = SteadyClock::now() + timeout;
  while (!condition()) {
    if (SteadyClock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(1));  // polling interval, not a wait for an event
  }
  return true;
}

// Answers each request from its own thread after `delay`, the way the service answers after a
// database commit. Replies still queued when it is destroyed are dropped unanswered.
class DelayedResponder {
 public:
  explicit DelayedResponder(milliseconds delay) : delay_(delay), thread_([this] { Loop(); }) {}
  ~DelayedResponder() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  Handler handler() {
    return [this](Request&& request, Reply reply) {
      ++calls_;
      std::lock_guard<std::mutex> lock(mu_);
      jobs_.push_back({SteadyClock::now() + delay_, std::move(request), std::move(reply)});
      cv_.notify_all();
    };
  }
  int calls() const { return calls_.load(); }

 private:
  struct Job {
    SteadyClock::time_point due;
    Request request;
    Reply reply;
  };

  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!done_) {
      if (jobs_.empty()) {
        cv_.wait(lock);
        continue;
      }
      if (SteadyClock::now() < jobs_.front().due) {
        cv_.wait_until(lock, jobs_.front().due);
        continue;
      }
      Job job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      Answer(std::move(job.request), std::move(job.reply));
      lock.lock();
    }
  }

  static void Answer(Request request, Reply reply) {
    boost::json::object echo;
    echo["method"] = request.method;
    echo["path"] = request.path;
    echo["query"] = request.query;
    echo["body"] = request.body;
    echo["x_test"] = request.Header("x-test");
    echo["remote"] = request.remote_addr;
    Response response;
    response.headers.emplace_back("X-Echo", "yes");
    response.headers.emplace_back("X-Bad", "split\r\nInjected: 1");
    response.body = boost::json::serialize(echo);
    reply(std::move(response));
  }

  milliseconds delay_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  bool done_ = false;
  std::atomic<int> calls_{0};
  std::thread thread_;
};

// A Server running Run() on its own thread for the test's lifetime.
class RunningServer {
 public:
  RunningServer(ServerOptions options, Handler handler) : server_(options, std::move(handler)) {
    listen_error_ = server_.Listen();
    if (listen_error_.empty()) thread_ = std::thread([this] { server_.Run(false); });
  }
  ~RunningServer() {
    server_.Stop();
    if (thread_.joinable()) thread_.join();
  }
  const std::string& listen_error() const { return listen_error_; }
  uint16_t port() const { return server_.port(); }
  Server& server() { return server_; }
  std::thread& thread() { return thread_; }

 private:
  Server server_;
  std::string listen_error_;
  std::thread thread_;
};

ServerOptions TestOptions() {
  ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.threads = 2;
  return options;
}

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// A blocking-free HTTP/1.1 client on a plain socket, so tests can send exactly the bytes they
// want (half a request, huge headers) and see exactly when the server closes.
class RawClient {
 public:
  explicit RawClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // The next complete response (interim 1xx ones included), or nullopt on close or timeout.
  std::optional<RawResponse> Read(milliseconds timeout = kDeadline) {
    auto deadline = SteadyClock::now() + timeout;
    std::size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(deadline)) return std::nullopt;
    }
    RawResponse response;
    std::string head = buffer_.substr(0, end);
    std::size_t line_end = head.find("\r\n");
    std::string status_line = head.substr(0, line_end);
    if (status_line.size() < 12) return std::nullopt;
    response.status = std::atoi(status_line.substr(9, 3).c_str());
    std::size_t pos = line_end;
    while (pos != std::string::npos && pos < head.size()) {
      std::size_t next = head.find("\r\n", pos + 2);
      std::string line =
          head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
      std::size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::size_t value_start = line.find_first_not_of(' ', colon + 1);
        response.headers[name] = value_start == std::string::npos ? "" : line.substr(value_start);
      }
      pos = next;
    }
    std::size_t length = std::strtoul(response.Header("content-length").c_str(), nullptr, 10);
    while (buffer_.size() < end + 4 + length) {
      if (!Fill(deadline)) return std::nullopt;
    }
    response.body = buffer_.substr(end + 4, length);
    buffer_.erase(0, end + 4 + length);
    return response;
  }

  // True when the server closes the connection (EOF or reset) before the timeout.
  bool WaitClosed(milliseconds timeout = kDeadline) {
    auto deadline = SteadyClock::now() + timeout;
    while (Fill(deadline)) {
    }
    return closed_;
  }

  const std::string& unread() const { return buffer_; }

 private:
  // Reads more bytes; false on timeout, EOF or error (closed_ tells which).
  bool Fill(SteadyClock::time_point deadline) {
    auto remaining = std::chrono::duration_cast<milliseconds>(deadline - SteadyClock::now());
    if (remaining.count() <= 0) return false;
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(remaining.count())) <= 0) return false;
    char chunk[4096];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string buffer_;
};

std::string Post(std::string_view path, std::string_view body, std::string_view extra = "") {
  return "POST " + std::string(path) + " HTTP/1.1\r\nHost: test\r\nContent-Type: text/plain\r\n" +
         std::string(extra) + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         std::string(body);
}

std::string ErrorCode(const RawResponse& response) {
  auto body = boost::json::parse(response.body);
  return std::string(body.at("error").at("code").as_string());
}

TEST(Server, KeepAliveServesSeveralRequestsOnOneConnection) {
  DelayedResponder responder(milliseconds(20));
  RunningServer server(TestOptions(), responder.handler());
  ASSERT_EQ(server.listen_error(), "");
  RawClient client(server.port());
  ASSERT_TRUE(client.connected());
  for (int i = 0; i < 3; ++i) {
    std::string body = "n=" + std::to_string(i);
    ASSERT_TRUE(client.Send(Post("/v1/re%66unds/x%2Fy?a=1&b=%20", body, "X-TEST: v\r\n")));
    auto response = client.Read();
    ASSERT_TRUE(response.has_value()) << "request " << i;
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->Header("content-type"), "application/json");
    EXPECT_EQ(response->Header("x-echo"), "yes");
    EXPECT_EQ(response->Header("x-bad"), "");  // a header with a line break is not sent
    EXPECT_EQ(response->Header("injected"), "");
    EXPECT_EQ(response->Header("connection"), "");
    auto echo = boost::json::parse(response->body);
    EXPECT_EQ(echo.at("method"), "POST");
    EXPECT_EQ(echo.at("path"), "/v1/refunds/x/y");
    EXPECT_EQ(echo.at("query"), "a=1&b=%20");
    EXPECT_EQ(std::string(echo.at("body").as_string()), body);
    EXPECT_EQ(echo.at("x_test"), "v");
    EXPECT_TRUE(echo.at("remote").as_string().starts_with("127.0.0.1:"));
  }
  EXPECT_EQ(responder.calls(), 3);
}

TEST(Server, ConnectionCloseRequestIsAnsweredThenClosed) {
  DelayedResponder responder(milliseconds(0));
  RunningServer server(TestOptions(), responder.handler());
  RawClient client(server.port());
  ASSERT_TRUE(client.Send("GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
  auto response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->Header("connection"), "close");
  EXPECT_TRUE(client.WaitClosed());
}

TEST(Server, ExpectContinueGetsAnInterimResponse) {
  DelayedResponder responder(milliseconds(0));
  RunningServer server(TestOptions(), responder.handler());
  RawClient client(server.port());
  ASSERT_TRUE(client.Send(
      "POST /x HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  auto interim = client.Read();
  ASSERT_TRUE(interim.has_value());
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(client.Send("hello"));
  auto response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(boost::json::parse(response->body).at("body"), "hello");
}

TEST(Server, BodyOverTheLimitIs413AndClose) {
  DelayedResponder responder(milliseconds(0));
  ServerOptions options = TestOptions();
  options.max_body_bytes = 100;
  RunningServer server(options, responder.handler());
  RawClient client(server.port());
  ASSERT_TRUE(client.Send(Post("/v1/refunds", std::string(1000, 'x'))));
  auto response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(ErrorCode(*response), "request_too_large");
  EXPECT_EQ(response->Header("connection"), "close");
  EXPECT_TRUE(client.WaitClosed());
  EXPECT_EQ(responder.calls(), 0);
}

TEST(Server, OversizedHeaderIs431) {
  DelayedResponder responder(milliseconds(0));
  ServerOptions options = TestOptions();
  options.max_header_bytes = 1024;
  RunningServer server(options, responder.handler());
  RawClient client(server.port());
  ASSERT_TRUE(client.Send(Post("/v1/refunds", "", "X-Big: " + std::string(4096, 'a') + "\r\n")));
  auto response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 431);
  EXPECT_EQ(ErrorCode(*response), "headers_too_large");
  EXPECT_TRUE(client.WaitClosed());
  EXPECT_EQ(responder.calls(), 0);
}

TEST(Server, MalformedRequestIs400) {
  DelayedResponder responder(milliseconds(0));
  RunningServer server(TestOptions(), responder.handler());
  const char* requests[] = {"GARBAGE\r\n\r\n", "GET /a%zz HTTP/1.1\r\nHost: t\r\n\r\n",
                            "POST / HTTP/1.1\r\nContent-Length: nope\r\n\r\n"};
  for (const char* request : requests) {
    RawClient client(server.port());
    ASSERT_TRUE(client.Send(request));
    auto response = client.Read();
    ASSERT_TRUE(response.has_value()) << request;
    EXPECT_EQ(response->status, 400) << request;
    EXPECT_EQ(ErrorCode(*response), "bad_request") << request;
    EXPECT_TRUE(client.WaitClosed()) << request;
  }
  EXPECT_EQ(responder.calls(), 0);
}

// RFC 9112 section 3.2: an HTTP/1.1 request without exactly one valid Host is a 400; section 5.2:
// so is a header line folded onto the one before it (Beast's parser accepts and joins it).
TEST(Server, Http11WithoutAValidHostOrWithAFoldedHeaderIs400) {
  DelayedResponder responder(milliseconds(0));
  RunningServer server(TestOptions(), responder.handler());
  const char* requests[] = {
      "GET /x HTTP/1.1\r\n\r\n",
      "GET /x HTTP/1.1\r\nX-Test: a\r\n\r\n",
      "GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
      "GET /x HTTP/1.1\r\nHost: a/b\r\n\r\n",
      "GET /x HTTP/1.1\r\nHost: a b\r\n\r\n",
      "GET /x HTTP/1.1\r\nHost: t\r\nX-Test: a\r\n b\r\n\r\n",
      "GET /x HTTP/1.1\r\nHost: t\r\nX-Test: a\r\n\tb\r\n\r\n",
      "GET /x HTTP/1.0\r\nHost: t\r\nX-Test: a\r\n b\r\n\r\n",
      "POST /x HTTP/1.1\r\nContent-Length: 2\r\n\r\nab",
  };
  for (const char* request : requests) {
    RawClient client(server.port());
    ASSERT_TRUE(client.Send(request));
    auto response = client.Read();
    ASSERT_TRUE(response.has_value()) << request;
    EXPECT_EQ(response->status, 400) << request;
    EXPECT_EQ(ErrorCode(*response), "bad_request") << request;
    EXPECT_EQ(response->Header("connection"), "close") << request;
    EXPECT_TRUE(client.WaitClosed()) << request;
  }
  EXPECT_EQ(responder.calls(), 0);
}

TEST(Server, HostRulesAcceptWhatTheRfcAllows) {
  DelayedResponder responder(milliseconds(0));
  RunningServer server(TestOptions(), responder.handler());
  const char* requests[] = {
      "GET /x HTTP/1.0\r\n\r\n",  // HTTP/1.0 needs no Host
      "GET /x HTTP/1.1\r\nHost:\r\n\r\n",  // an empty Host is allowed
      "GET /x HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n",
      "GET /x HTTP/1.1\r\nhost: [::1]:80\r\n\r\n",
      "GET /x HTTP/1.1\r\nHost: t\r\nX-Test: a b\r\n\r\n",  // a space inside a value
  };
  for (const char* request : requests) {
    RawClient client(server.port());
    ASSERT_TRUE(client.Send(request));
    auto response = client.Read();
    ASSERT_TRUE(response.has_value()) << request;
    EXPECT_EQ(response->status, 200) << request;
  }
}

// A fold is found however the bytes arrive: here one byte at a time, and split at every point.
TEST(HeaderScan, FindsAFoldInChunksOfAnySizeAndStopsAtTheEndOfTheHeader) {
  const std::string folded = "GET / HTTP/1.1\r\nHost: t\r\nX: a\r\n b\r\n\r\n";
  const std::string plain = "GET / HTTP/1.1\r\nHost: t\r\nX: a b\r\n\r\nbody\r\n more";
  for (std::size_t split = 0; split <= folded.size(); ++split) {
    internal::HeaderScan scan;
    scan.Feed(std::string_view(folded).substr(0, split));
    scan.Feed(std::string_view(folded).substr(split));
    EXPECT_TRUE(scan.folded()) << split;
  }
  internal::HeaderScan scan;
  for (char c : plain) scan.Feed(std::string_view(&c, 1));
  EXPECT_FALSE(scan.folded());  // the body's " more" is after the header
  scan.Reset();
  scan.Feed("GET / HTTP/1.1\r\nHost: t\r\n\tX: a\r\n\r\n");
  EXPECT_TRUE(scan.folded());
}

// The second request of a keep-alive connection, already buffered with the first, is scanned too.
TEST(Server, AFoldedHeaderInAPipelinedRequestIs400) {
  DelayedResponder responder(milliseconds(0));
  RunningServer server(TestOptions(), responder.handler());
  {
    RawClient client(server.port());
    ASSERT_TRUE(client.Send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\na\r\n b"
                            "GET /y HTTP/1.1\r\nHost: t\r\nX-Test: a\r\n b\r\n\r\n"));
    auto first = client.Read();
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->status, 200);  // a line break and a space in a body are not a fold
    auto second = client.Read();
    ASSERT_TRUE(second.has_value());
    EXPECT_EQ(second->status, 400);
  }
  EXPECT_EQ(responder.calls(), 1);
}

TEST(Server, StalledRequestIs408WithinTheTimeout) {
  DelayedResponder responder(milliseconds(0));
  ServerOptions options = TestOptions();
  options.request_timeout_ms = 300;
  RunningServer server(options, responder.handler());
  const char* partial[] = {"POST /v1/refunds HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc",
                           "POST /v1/refunds HTTP/1.1\r\nHost: t\r\n"};
  for (const char* request : partial) {
    RawClient client(server.port());
    auto start = SteadyClock::now();
    ASSERT_TRUE(client.Send(request));
    auto response = client.Read();
    ASSERT_TRUE(response.has_value()) << request;
    EXPECT_EQ(response->status, 408);
    EXPECT_EQ(ErrorCode(*response), "request_timeout");
    EXPECT_GE(SteadyClock::now() - start, milliseconds(250));
    EXPECT_TRUE(client.WaitClosed());
  }
  EXPECT_EQ(responder.calls(), 0);
}

TEST(Server, StalledSecondRequestOnAKeepAliveConnectionIs408) {
  DelayedResponder responder(milliseconds(0));
  ServerOptions options = TestOptions();
  options.request_timeout_ms = 300;
  options.idle_timeout_ms = 60'000;
  RunningServer server(options, responder.handler());
  RawClient client(server.port());
  ASSERT_TRUE(client.Send("GET /first HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto first = client.Read();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->status, 200);
  ASSERT_TRUE(client.Send("GET /second HTTP/1.1\r\nHost"));
  auto response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 408);
  EXPECT_TRUE(client.WaitClosed());
}

TEST(Server, SilentNewConnectionIsClosedWithoutAnswer) {
  DelayedResponder responder(milliseconds(0));
  ServerOptions options = TestOptions();
  options.request_timeout_ms = 200;
  RunningServer server(options, responder.handler());
  RawClient client(server.port());
  EXPECT_TRUE(client.WaitClosed());
  EXPECT_EQ(client.unread(), "");
}

TEST(Server, IdleKeepAliveConnectionIsClosedSilently) {
  DelayedResponder responder(milliseconds(0));
  ServerOptions options = TestOptions();
  options.idle_timeout_ms = 300;
  RunningServer server(options, responder.handler());
  RawClient client(server.port());
  ASSERT_TRUE(client.Send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(client.WaitClosed());
  EXPECT_EQ(client.unread(), "");
}

TEST(Server, TooManyConnectionsIs503) {
  DelayedResponder responder(milliseconds(0));
  ServerOptions options = TestOptions();
  options.max_connections = 1;
  RunningServer server(options, responder.handler());
  RawClient first(server.port());
  ASSERT_TRUE(first.Send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(first.Read().has_value());  // the first connection is surely counted now
  RawClient second(server.port());
  auto response = second.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(ErrorCode(*response), "too_many_connections");
  EXPECT_TRUE(second.WaitClosed());
  ASSERT_TRUE(first.Send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto again = first.Read();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->status, 200);
}

TEST(Server, DroppedReplyIsAnswered500) {
  RunningServer server(TestOptions(), [](Request&&, Reply) {});
  RawClient client(server.port());
  ASSERT_TRUE(client.Send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(ErrorCode(*response), "internal_error");
}

TEST(Server, SecondReplyIsIgnored) {
  RunningServer server(TestOptions(), [](Request&&, Reply reply) {
    Response first;
    first.body = "first";
    reply(first);
    Response second;
    second.body = "second";
    reply(second);
  });
  RawClient client(server.port());
  ASSERT_TRUE(client.Send("GET /x HTTP/1.1\r\nHost: t\r\n\r\nGET /y HTTP/1.1\r\nHost: t\r\n\r\n"));
  for (int i = 0; i < 2; ++i) {
    auto response = client.Read();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->body, "first");
  }
}

TEST(Server, StopWhileARequestIsInFlightStillDeliversTheResponse) {
  DelayedResponder responder(milliseconds(500));
  RunningServer server(TestOptions(), responder.handler());
  RawClient busy(server.port());
  RawClient idle(server.port());
  ASSERT_TRUE(idle.Send("GET /warm HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(idle.Read().has_value());
  ASSERT_TRUE(busy.Send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(WaitUntil([&] { return responder.calls() == 2; }));

  server.server().Stop();
  EXPECT_TRUE(idle.WaitClosed());  // idle keep-alive connections are closed at once
  auto response = busy.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(boost::json::parse(response->body).at("path"), "/slow");
  EXPECT_EQ(response->Header("connection"), "close");
  EXPECT_TRUE(busy.WaitClosed());
  server.thread().join();  // Run() returned
  RawClient late(server.port());
  EXPECT_FALSE(late.connected());
}

// Regression: Stop() closed a keep-alive connection that had just started reading its next
// request, and destroyed its parser, while that read had already completed (the bytes were
// waiting) and its handler was queued behind the stop; Beast then parsed into the destroyed
// parser ("pure virtual method called"). With one io thread, handlers that hold it line up that
// order: the keep-alive connection's write completion (which starts the read), the stop, the
// read's completion.
TEST(Server, StopRightAfterAKeepAliveConnectionStartedReadingItsNextRequest) {
  std::mutex mu;
  std::optional<Reply> deferred;
  std::atomic<bool> first_held{false}, release_first{false};
  std::atomic<bool> second_held{false}, release_second{false};
  Handler handler = [&](Request&& request, Reply reply) {
    if (request.path == "/defer") {
      std::lock_guard<std::mutex> lock(mu);
      deferred = std::move(reply);
      return;
    }
    if (request.path == "/hold1") {
      first_held = true;
      WaitUntil([&] { return release_first.load(); });
    } else if (request.path == "/hold2") {
      second_held = true;
      WaitUntil([&] { return release_second.load(); });
    }
    reply(Response{200, "text/plain", {}, request.path});
  };
  ServerOptions options = TestOptions();
  options.threads = 1;
  RunningServer server(options, handler);
  RawClient keep_alive(server.port());
  RawClient first(server.port());
  RawClient second(server.port());
  ASSERT_TRUE(second.Send("GET /warm HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(second.Read().has_value());
  ASSERT_TRUE(keep_alive.Send("GET /defer HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(WaitUntil([&] {
    std::lock_guard<std::mutex> lock(mu);
    return deferred.has_value();
  }));
  // Pipelined: waits in the socket until the connection reads again, after its answer is written.
  ASSERT_TRUE(keep_alive.Send("GET /next HTTP/1.1\r\nHost: t\r\n\r\n"));

  ASSERT_TRUE(first.Send("GET /hold1 HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(WaitUntil([&] { return first_held.load(); }));
  {
    std::lock_guard<std::mutex> lock(mu);
    (*deferred)(Response{200, "text/plain", {}, "/defer"});  // posted from this thread
  }
  ASSERT_TRUE(second.Send("GET /hold2 HTTP/1.1\r\nHost: t\r\n\r\n"));
  std::this_thread::sleep_for(milliseconds(50));  // lets the bytes reach the server's socket
  release_first = true;
  // The answer to /defer is written and its completion queued; /hold2 holds the thread again.
  ASSERT_TRUE(WaitUntil([&] { return second_held.load(); }));
  server.server().Stop();
  release_second = true;

  auto answered = keep_alive.Read();
  ASSERT_TRUE(answered.has_value());
  EXPECT_EQ(answered->body, "/defer");
  EXPECT_TRUE(keep_alive.WaitClosed());  // /next may or may not be answered; the server lives on
  auto held = second.Read();
  ASSERT_TRUE(held.has_value());
  EXPECT_EQ(held->body, "/hold2");  // answered before the stop was handled: kept alive, then
  EXPECT_TRUE(second.WaitClosed());  // closed by the stop
  server.thread().join();
}

TEST(Server, ListenReportsAPortInUse) {
  DelayedResponder responder(milliseconds(0));
  RunningServer first(TestOptions(), responder.handler());
  ServerOptions options = TestOptions();
  options.port = first.port();
  Server second(options, responder.handler());
  std::string error = second.Listen();
  EXPECT_NE(error.find("cannot listen"), std::string::npos) << error;
}

TEST(Server, ListenReportsUnreadableTlsFiles) {
  ServerOptions options = TestOptions();
  options.tls_cert_file = "/nonexistent/cert.pem";
  options.tls_key_file = "/nonexistent/key.pem";
  Server server(options, [](Request&&, Reply) {});
  std::string error = server.Listen();
  EXPECT_NE(error.find("certificate"), std::string::npos) << error;
}

// Self-signed certificate made by the openssl command line in a fresh temporary directory.
class TempCert {
 public:
  TempCert() {
    char pattern[] = "/tmp/refundd-tls-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) return;
    dir_ = pattern;
    std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
        "-subj /CN=localhost -keyout " +
        key() + " -out " + cert() + " >/dev/null 2>&1";
    ok_ = std::system(command.c_str()) == 0;
  }
  ~TempCert() {
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }
  bool ok() const { return ok_; }
  std::string cert() const { return dir_ + "/cert.pem"; }
  std::string key() const { return dir_ + "/key.pem"; }

 private:
  std::string dir_;
  bool ok_ = false;
};

TEST(Server, ServesHttpsWithTheConfiguredCertificate) {
  TempCert cert;
  if (!cert.ok()) GTEST_SKIP() << "openssl command line not available";
  DelayedResponder responder(milliseconds(10));
  ServerOptions options = TestOptions();
  options.tls_cert_file = cert.cert();
  options.tls_key_file = cert.key();
  RunningServer server(options, responder.handler());
  ASSERT_EQ(server.listen_error(), "");

  namespace asio = boost::asio;
  namespace bhttp = boost::beast::http;
  asio::io_context ioc;
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.set_verify_mode(asio::ssl::verify_none);
  asio::ssl::stream<asio::ip::tcp::socket> stream(ioc, context);
  boost::beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> response;
  boost::system::error_code result = asio::error::timed_out;
  std::string request = Post("/v1/refunds", "amount=5");
  asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), server.port());
  stream.next_layer().async_connect(endpoint, [&](boost::system::error_code ec) {
    if (ec) return void(result = ec);
    stream.async_handshake(asio::ssl::stream_base::client, [&](boost::system::error_code ec2) {
      if (ec2) return void(result = ec2);
      asio::async_write(
          stream, asio::buffer(request), [&](boost::system::error_code ec3, std::size_t) {
            if (ec3) return void(result = ec3);
            bhttp::async_read(stream, buffer, response,
                              [&](boost::system::error_code ec4, std::size_t) { result = ec4; });
          });
    });
  });
  ioc.run_for(kDeadline);
  ASSERT_FALSE(result) << result.message();
  EXPECT_EQ(response.result_int(), 200u);
  EXPECT_EQ(boost::json::parse(response.body()).at("body"), "amount=5");
}

}  // namespace
}  // namespace refundd::http
