// Proves that the real server, wired to every dialect's error spaces as app/main.cc wires it,
// answers its own refusals (413 body too large, 431 headers too large, 400 bad path escape, no
// Host or a folded header line, 408 too slow) in the error shape of the dialect that owns the
// path, with the server's status, and keeps the Stripe shape when it did not read the path or no
// dialect claims the request.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "dialects/registry.h"
#include "error_shapes.h"
#include "http/router.h"
#include "http/server.h"
#include "service/engine.h"
#include "store/sqlite/sqlite_store.h"

namespace refundd::dialects {
namespace {

using testing_shapes::CodeIn;
using testing_shapes::Shape;

constexpr std::size_t kBodyLimit = 1 << 20;  // the server's default

struct Row {
  int status;  // 413: 2 MiB Content-Length; 431: 64 KiB header; 400: the target as given
  const char* method;
  const char* target;
  const char* headers;  // extra header lines, each ending in \r\n
  Shape shape;
  const char* code;  // the shape's code field, as text ("202" for D24's integer)
};

const char kRapyd[] = "access_key: rak_x\r\nsalt: s\r\ntimestamp: 1\r\nsignature: x\r\n";

const std::vector<Row>& Rows() {
  static const std::vector<Row> rows = {
      {413, "POST", "/pos/v1/refund", "", Shape::kKushki, "K413"},
      {431, "POST", "/pos/v1/refund", "", Shape::kKushki, "K431"},
      {400, "POST", "/pos/v1/re%zzfund", "", Shape::kKushki, "K400"},
      {413, "POST", "/card/v1/charges", "", Shape::kKushki, "K413"},
      {413, "DELETE", "/v1/charges/123456", "Private-Merchant-Id: 0123\r\n", Shape::kKushki,
       "K413"},
      {413, "POST", "/partner-connect/transactions/refund", "", Shape::kUtgl, "PAYLOAD_TOO_LARGE"},
      {431, "POST", "/partner-connect/transactions/refund", "", Shape::kUtgl, "HEADERS_TOO_LARGE"},
      {413, "POST", "/v3/refunds", "", Shape::kD24, "202"},
      {431, "POST", "/v3/refunds?x=1", "", Shape::kD24, "703"},
      {400, "GET", "/v3/deposits/%", "", Shape::kD24, "202"},
      {413, "POST", "http://example.com/v3/refunds", "", Shape::kD24, "202"},
      {413, "POST", "/v1/refunds", kRapyd, Shape::kRapyd, "ERROR_REQUEST_TOO_LARGE"},
      {431, "POST", "/v1/payments", "", Shape::kRapyd, "ERROR_HEADERS_TOO_LARGE"},
      // The native API, paths no dialect owns, and /v1 requests whose headers were not read (a
      // 431 cannot be claimed by its auth header): Stripe's shape, as before.
      {413, "POST", "/v1/refunds", "Authorization: Bearer sk_test_x\r\n", Shape::kStripe,
       "request_too_large"},
      {431, "POST", "/v1/refunds", kRapyd, Shape::kStripe, "headers_too_large"},
      {413, "POST", "/nope", "", Shape::kStripe, "request_too_large"},
      {400, "POST", "/v1/%00", "", Shape::kStripe, "bad_request"},
  };
  return rows;
}

struct Answer {
  int status = 0;
  std::string head;
  std::string body;
};

// Sends `request` on a new connection, reads until the server closes, splits the answer.
std::optional<Answer> Exchange(uint16_t port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval timeout{20, 0};  // generous: the machine may be loaded
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string in;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    // The server may answer before it has read everything; a failed send is then fine.
    (void)::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    char chunk[4096];
    ssize_t n;
    while ((n = ::recv(fd, chunk, sizeof chunk, 0)) > 0) in.append(chunk, std::size_t(n));
  }
  ::close(fd);
  std::size_t end = in.find("\r\n\r\n");
  if (end == std::string::npos || in.size() < 12) return std::nullopt;
  return Answer{std::atoi(in.substr(9, 3).c_str()), in.substr(0, end), in.substr(end + 4)};
}

std::string RequestFor(const Row& row) {
  std::string request =
      std::string(row.method) + " " + row.target + " HTTP/1.1\r\nHost: t\r\n" + row.headers;
  if (row.status == 431) request += "X-Padding: " + std::string(64 << 10, 'p') + "\r\n";
  if (row.status == 413) {
    return request + "Content-Length: " + std::to_string(2 * kBodyLimit) + "\r\n\r\n" +
           std::string(4096, 'a');
  }
  return request + "Content-Length: 2\r\n\r\n{}";
}

class Refused : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("refundd-refused-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto store = store::sqlite::SqliteStore::Open((dir_ / "refundd.db").string());
    ASSERT_TRUE(store.ok()) << (store.ok() ? "" : store.error());
    store_ = std::move(store).value();
    engine_.emplace(*store_, clock_, service::EngineOptions{});
    RegisterAllRoutes(router_, *engine_);
  }
  void TearDown() override {
    if (server_) server_->Stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
    engine_.reset();
    if (store_) store_->Close();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Starts the server as app/main.cc wires it; returns its port.
  uint16_t Start(http::ServerOptions options = {}) {
    options.port = 0;
    options.threads = 1;
    server_.emplace(
        options,
        [this](http::Request&& request, http::Reply reply) {
          router_.Dispatch(std::move(request), std::move(reply));
        },
        [this](const http::Request& partial, const http::RequestError& error) {
          return router_.RenderRefusal(partial, error);
        });
    EXPECT_EQ(server_->Listen(), "");
    thread_ = std::thread([this] { server_->Run(false); });
    return server_->port();
  }

  std::filesystem::path dir_;
  FakeClock clock_{1'700'000'000'000};
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::optional<service::Engine> engine_;
  http::Router router_;
  std::optional<http::Server> server_;
  std::thread thread_;
};

void ExpectShape(const std::optional<Answer>& answer, int status, Shape shape, const char* code,
                 const std::string& what) {
  ASSERT_TRUE(answer.has_value()) << what;
  EXPECT_EQ(answer->status, status) << what << ": " << answer->body;
  EXPECT_NE(answer->head.find("Connection: close"), std::string::npos) << what;
  boost::system::error_code ec;
  boost::json::value body = boost::json::parse(answer->body, ec);
  ASSERT_FALSE(ec) << what << ": " << answer->body;
  EXPECT_EQ(CodeIn(body, shape), code) << what << ": " << answer->body;
}

TEST_F(Refused, EachIsAnsweredInTheShapeOfTheDialectThatOwnsThePath) {
  uint16_t port = Start();
  for (const Row& row : Rows()) {
    const std::string what = std::to_string(row.status) + " " + row.method + " " + row.target;
    ExpectShape(Exchange(port, RequestFor(row)), row.status, row.shape, row.code, what);
  }
}

TEST_F(Refused, TheMessageGivesTheLimit) {
  uint16_t port = Start();
  auto answer = Exchange(port, RequestFor(Rows()[0]));
  ASSERT_TRUE(answer.has_value());
  EXPECT_NE(answer->body.find(std::to_string(kBodyLimit) + " bytes"), std::string::npos)
      << answer->body;
}

TEST_F(Refused, ARequestTooSlowIs408InTheDialectsShape) {
  http::ServerOptions options;
  options.request_timeout_ms = 200;
  uint16_t port = Start(options);
  ExpectShape(Exchange(port, "POST /v3/refunds HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n{"),
              408, Shape::kD24, "702", "slow D24 request");
  ExpectShape(Exchange(port, "POST /pos/v1/refund HTTP/1.1\r\nHost: t\r\nContent-Length: 9\r\n"),
              408, Shape::kKushki, "K408", "slow Kushki headers");
}

// RFC 9112's 400s (no Host in HTTP/1.1, a folded header line) come after the header is read, so
// the dialect that owns the path renders them.
TEST_F(Refused, AMissingHostOrAFoldedHeaderIs400InTheDialectsShape) {
  uint16_t port = Start();
  struct Case {
    const char* start;    // request line and the headers that pick the dialect
    Shape shape;
    const char* code;
  };
  const std::vector<Case> cases = {
      {"POST /pos/v1/refund HTTP/1.1\r\n", Shape::kKushki, "K400"},
      {"POST /card/v1/charges HTTP/1.1\r\n", Shape::kKushki, "K400"},
      {"POST /v3/refunds HTTP/1.1\r\n", Shape::kD24, "202"},
      {"POST /partner-connect/transactions/refund HTTP/1.1\r\n", Shape::kUtgl, "BAD_REQUEST"},
      {"POST /v1/payments HTTP/1.1\r\n", Shape::kRapyd, "ERROR_INVALID_HTTP_REQUEST"},
      {"POST /v1/refunds HTTP/1.1\r\nAuthorization: Bearer sk_test_x\r\n", Shape::kStripe,
       "bad_request"},
  };
  for (const Case& c : cases) {
    const std::string tail = "Content-Length: 2\r\n\r\n{}";
    ExpectShape(Exchange(port, std::string(c.start) + tail), 400, c.shape, c.code,
                std::string("no Host: ") + c.start);
    ExpectShape(Exchange(port, std::string(c.start) + "Host: t\r\nX-Folded: a\r\n b\r\n" + tail),
                400, c.shape, c.code, std::string("folded: ") + c.start);
  }
  ExpectShape(Exchange(port, "POST /v1/refunds HTTP/1.1\r\n" + std::string(kRapyd) +
                                 "Content-Length: 2\r\n\r\n{}"),
              400, Shape::kRapyd, "ERROR_INVALID_HTTP_REQUEST", "no Host: Rapyd refund");
}

TEST_F(Refused, WithoutAPathTheAnswerIsStripeShaped) {
  uint16_t port = Start();
  ExpectShape(Exchange(port, "BAD REQUEST LINE\r\n\r\n"), 400, Shape::kStripe, "bad_request",
              "no request line");
  std::string long_target = "POST /pos/" + std::string(64 << 10, 'x') + " HTTP/1.1\r\n\r\n";
  ExpectShape(Exchange(port, long_target), 431, Shape::kStripe, "headers_too_large",
              "a request line over the header limit");
}

}  // namespace
}  // namespace refundd::dialects
