// The outbound client: URL parsing, private targets refused before connecting, any HTTP answer
// reported as it is (a 302 is not followed), and one deadline for the whole exchange. The
// receivers are small TCP servers on loopback.
#include "webhooks/client.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <cstdlib>
#include <filesystem>
#include <thread>

namespace refundd::webhooks {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

TEST(ParseUrl, TakesHttpAndHttpsWithHostPortAndTarget) {
  struct Row {
    const char* url;
    bool tls;
    const char* host;
    int port;
    const char* target;
  };
  const Row rows[] = {
      {"http://example.com", false, "example.com", 80, "/"},
      {"https://example.com/hooks?x=1#frag", true, "example.com", 443, "/hooks?x=1"},
      {"HTTP://127.0.0.1:8080/a/b", false, "127.0.0.1", 8080, "/a/b"},
      {"http://[::1]:9000/h", false, "::1", 9000, "/h"},
      {"https://h.example?q", true, "h.example", 443, "/?q"},
  };
  for (const Row& r : rows) {
    auto u = ParseUrl(r.url);
    ASSERT_TRUE(u.ok()) << r.url << ": " << u.error();
    EXPECT_EQ(u.value().tls, r.tls) << r.url;
    EXPECT_EQ(u.value().host, r.host) << r.url;
    EXPECT_EQ(u.value().port, r.port) << r.url;
    EXPECT_EQ(u.value().target, r.target) << r.url;
  }
  for (const char* bad :
       {"ftp://x", "example.com", "http://", "http://user:pw@example.com/", "http://exa mple.com/",
        "http://x:0/", "http://x:65536/", "http://x:8a/", "http://[::1/", "http://ex$ample.com/"}) {
    EXPECT_FALSE(ParseUrl(bad).ok()) << bad;
  }
}

// Accepts one connection, reads one request, then answers `reply` (or nothing, and holds the
// connection open until the client gives up).
class OneShotServer {
 public:
  explicit OneShotServer(std::string reply)
      : acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this, reply = std::move(reply)] {
      tcp::socket socket(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec) return;
      std::string data;
      char buf[4096];
      while (data.find("\r\n\r\n") == std::string::npos) {
        std::size_t n = socket.read_some(asio::buffer(buf), ec);
        if (ec) return;
        data.append(buf, n);
      }
      received_ = data;
      if (!reply.empty()) {
        asio::write(socket, asio::buffer(reply), ec);
        socket.shutdown(tcp::socket::shutdown_both, ec);
      } else {
        socket.read_some(asio::buffer(buf), ec);  // until the client closes
      }
    });
  }
  ~OneShotServer() {
    boost::system::error_code ec;
    acceptor_.close(ec);
    thread_.join();
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/hook";
  }
  const std::string& received() const { return received_; }

 private:
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::string received_;
  std::thread thread_;
};

OutboundRequest Request(std::string url, int64_t timeout_ms = 2000) {
  return OutboundRequest{std::move(url), {{"X-Test", "1"}}, R"({"a":1})", timeout_ms};
}

TEST(BeastClient, RefusesLoopbackUnlessAllowed) {
  BeastClient strict(ClientOptions{false, ""});
  OutboundResult r = strict.Post(Request("http://127.0.0.1:9/hook"));
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.error.find("refused"), std::string::npos) << r.error;
  r = strict.Post(Request("http://localhost:9/hook"));
  EXPECT_NE(r.error.find("refused"), std::string::npos) << r.error;
}

TEST(BeastClient, ReportsTheAnswerAndSendsTheBodyAndHeaders) {
  OneShotServer server("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n");
  BeastClient client(ClientOptions{true, ""});
  OutboundResult r = client.Post(Request(server.url()));
  EXPECT_EQ(r.status, 204) << r.error;
  EXPECT_NE(server.received().find("POST /hook HTTP/1.1"), std::string::npos);
  EXPECT_NE(server.received().find("X-Test: 1"), std::string::npos);
  EXPECT_NE(server.received().find("Content-Type: application/json"), std::string::npos);
}

TEST(BeastClient, DropsHeadersThatCouldSmuggleOrOverride) {
  OneShotServer server("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  BeastClient client(ClientOptions{true, ""});
  OutboundRequest request = Request(server.url());
  request.headers = {{"X-Ok", "yes"},
                     {"X-Bad", "a\r\nX-Injected: 1"},
                     {"Bad Name", "x"},
                     {"Host", "evil.example"},
                     {"content-length", "0"}};
  EXPECT_EQ(client.Post(request).status, 200);
  const std::string& got = server.received();
  EXPECT_NE(got.find("X-Ok: yes"), std::string::npos);
  EXPECT_EQ(got.find("X-Injected"), std::string::npos);
  EXPECT_EQ(got.find("Bad Name"), std::string::npos);
  EXPECT_EQ(got.find("evil.example"), std::string::npos);
  EXPECT_NE(got.find("Content-Length: 7"), std::string::npos);
}

TEST(BeastClient, DoesNotFollowRedirects) {
  OneShotServer server(
      "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/elsewhere\r\nContent-Length: 0\r\n\r\n");
  BeastClient client(ClientOptions{true, ""});
  EXPECT_EQ(client.Post(Request(server.url())).status, 302);
}

TEST(BeastClient, GivesUpAtTheDeadline) {
  OneShotServer server("");  // never answers
  BeastClient client(ClientOptions{true, ""});
  const auto started = std::chrono::steady_clock::now();
  OutboundResult r = client.Post(Request(server.url(), 300));
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.error.find("timed out"), std::string::npos) << r.error;
  EXPECT_LT(took, std::chrono::seconds(3));
}

TEST(BeastClient, ReportsConnectionRefused) {
  asio::io_context ioc;
  tcp::acceptor a(ioc, {asio::ip::make_address("127.0.0.1"), 0});
  const int port = a.local_endpoint().port();
  a.close();
  BeastClient client(ClientOptions{true, ""});
  OutboundResult r = client.Post(Request("http://127.0.0.1:" + std::to_string(port) + "/"));
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.error.find("connect"), std::string::npos) << r.error;
}

// A self-signed certificate for localhost and 127.0.0.1, made by the openssl command line.
class TempCert {
 public:
  TempCert() {
    char pattern[] = "/tmp/refundd-webhook-tls-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) return;
    dir_ = pattern;
    const std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
        "-subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " +
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

// Accepts one TLS connection and answers 200 to one request (or fails the handshake).
class OneShotTlsServer {
 public:
  explicit OneShotTlsServer(const TempCert& cert)
      : ssl_(asio::ssl::context::tls_server),
        acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}) {
    ssl_.use_certificate_chain_file(cert.cert());
    ssl_.use_private_key_file(cert.key(), asio::ssl::context::pem);
    thread_ = std::thread([this] {
      asio::ssl::stream<tcp::socket> stream(ioc_, ssl_);
      boost::system::error_code ec;
      acceptor_.accept(stream.lowest_layer(), ec);
      if (ec) return;
      stream.handshake(asio::ssl::stream_base::server, ec);
      if (ec) return;
      std::string data;
      char buf[4096];
      while (data.find("\r\n\r\n") == std::string::npos) {
        std::size_t n = stream.read_some(asio::buffer(buf), ec);
        if (ec) return;
        data.append(buf, n);
      }
      asio::write(stream, asio::buffer(std::string("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")),
                  ec);
      stream.shutdown(ec);
    });
  }
  ~OneShotTlsServer() {
    boost::system::error_code ec;
    acceptor_.close(ec);
    thread_.join();
  }
  int port() const { return acceptor_.local_endpoint().port(); }

 private:
  asio::io_context ioc_;
  asio::ssl::context ssl_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

TEST(BeastClient, PostsOverHttpsToATrustedCertificate) {
  TempCert cert;
  if (!cert.ok()) GTEST_SKIP() << "openssl command line not available";
  OneShotTlsServer server(cert);
  BeastClient client(ClientOptions{true, cert.cert()});
  OutboundResult r =
      client.Post(Request("https://localhost:" + std::to_string(server.port()) + "/hook"));
  EXPECT_EQ(r.status, 200) << r.error;
}

TEST(BeastClient, RefusesAnUntrustedCertificate) {
  TempCert cert;
  if (!cert.ok()) GTEST_SKIP() << "openssl command line not available";
  OneShotTlsServer server(cert);
  BeastClient client(ClientOptions{true, ""});  // the system's CAs do not know it
  OutboundResult r =
      client.Post(Request("https://localhost:" + std::to_string(server.port()) + "/hook"));
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.error.find("TLS"), std::string::npos) << r.error;
}

}  // namespace
}  // namespace refundd::webhooks
