#include "webhooks/client.h"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <vector>

#include "webhooks/address.h"

namespace refundd::webhooks {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (Lower(s[i]) != prefix[i]) return false;
  }
  return true;
}

bool ValidHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

}  // namespace

Result<Url, std::string> ParseUrl(std::string_view url) {
  Url out;
  if (StartsWithNoCase(url, "https://")) {
    out.tls = true;
    url.remove_prefix(8);
  } else if (StartsWithNoCase(url, "http://")) {
    url.remove_prefix(7);
  } else {
    return Err(std::string("the URL must start with http:// or https://"));
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 127) {
      return Err(std::string("the URL has spaces or control characters"));
    }
  }
  const std::size_t end = url.find_first_of("/?#");
  std::string_view authority = url.substr(0, end);
  std::string_view rest = end == std::string_view::npos ? std::string_view() : url.substr(end);
  if (authority.find('@') != std::string_view::npos) {
    return Err(std::string("user information in the URL is not supported"));
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return Err(std::string("unclosed [ in the host"));
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Err(std::string("unexpected text after the host"));
      port_text = after.substr(1);
    }
    boost::system::error_code ec;
    asio::ip::make_address_v6(out.host, ec);
    if (ec) return Err(std::string("the host is not an IPv6 address"));
  } else {
    const std::size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    for (char c : out.host) {
      if (!ValidHostChar(c)) return Err(std::string("the host has invalid characters"));
    }
  }
  if (out.host.empty()) return Err(std::string("the URL has no host"));
  out.port = out.tls ? 443 : 80;
  if (!port_text.empty()) {
    if (port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos) {
      return Err(std::string("the port is not a number"));
    }
    const int port = std::stoi(std::string(port_text));
    if (port < 1 || port > 65535) return Err(std::string("the port is out of range"));
    out.port = static_cast<uint16_t>(port);
  }
  rest = rest.substr(0, rest.find('#'));
  out.target = rest.empty() || rest.front() == '?' ? "/" + std::string(rest) : std::string(rest);
  return out;
}

struct BeastClient::Tls {
  asio::ssl::context context{asio::ssl::context::tls_client};
};

BeastClient::BeastClient(ClientOptions options)
    : options_(std::move(options)), tls_(std::make_unique<Tls>()) {
  tls_->context.set_verify_mode(asio::ssl::verify_peer);
  boost::system::error_code ec;
  if (options_.ca_file.empty()) {
    tls_->context.set_default_verify_paths(ec);
  } else {
    tls_->context.load_verify_file(options_.ca_file, ec);
  }
  // A bad CA file shows up as a verification error on each HTTPS delivery.
}

BeastClient::~BeastClient() = default;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

// What one exchange holds, owned outside the coroutine so that a deadline can cancel it.
struct Exchange {
  explicit Exchange(asio::io_context& ioc, asio::ssl::context& ssl)
      : resolver(ioc), plain(ioc), secure(ioc, ssl) {}
  tcp::resolver resolver;
  beast::tcp_stream plain;
  beast::ssl_stream<beast::tcp_stream> secure;
  bool finished = false;
  OutboundResult result;

  void Cancel() {
    resolver.cancel();
    boost::system::error_code ignored;
    plain.socket().close(ignored);
    beast::get_lowest_layer(secure).socket().close(ignored);
  }
};

std::string HostHeader(const Url& url) {
  const bool v6 = url.host.find(':') != std::string::npos;
  std::string host = v6 ? "[" + url.host + "]" : url.host;
  if (url.port != (url.tls ? 443 : 80)) host += ":" + std::to_string(url.port);
  return host;
}

// Extra headers come partly from merchants' requests (Kushki's webhooks[].headers): only tokens
// as names, no line breaks or NULs in values, and none of the headers the client sets itself.
bool SafeHeader(std::string_view name, std::string_view value) {
  if (name.empty() || name.size() > 256 || value.size() > 8192) return false;
  for (char c : name) {
    const bool token = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!token) return false;
  }
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  std::string lower(name);
  for (char& c : lower) c = Lower(c);
  for (std::string_view reserved : {"host", "content-length", "content-type", "transfer-encoding",
                                    "connection", "user-agent", "te", "upgrade"}) {
    if (lower == reserved) return false;
  }
  return true;
}

template <typename Stream>
asio::awaitable<void> WriteAndRead(Stream& stream, const Url& url, const OutboundRequest& request,
                                   Exchange& x) {
  bhttp::request<bhttp::string_body> r{bhttp::verb::post, url.target, 11};
  r.set(bhttp::field::host, HostHeader(url));
  r.set(bhttp::field::user_agent, "refundd-webhooks/1.0");
  r.set(bhttp::field::content_type, "application/json; charset=utf-8");
  r.set(bhttp::field::connection, "close");
  for (const auto& [name, value] : request.headers) {
    if (SafeHeader(name, value)) r.insert(name, value);
  }
  r.body() = request.body;
  r.prepare_payload();
  auto [wec, written] = co_await bhttp::async_write(stream, r, kNoThrow);
  (void)written;
  if (wec) {
    x.result.error = "cannot send: " + wec.message();
    co_return;
  }
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::empty_body> parser;
  auto [rec, read] = co_await bhttp::async_read_header(stream, buffer, parser, kNoThrow);
  (void)read;
  if (rec) {
    x.result.error = "no answer: " + rec.message();
    co_return;
  }
  x.result.status = static_cast<int>(parser.get().result_int());
}

asio::awaitable<void> Run(const Url& url, const OutboundRequest& request,
                          const ClientOptions& options, Exchange& x) {
  auto [rec, results] =
      co_await x.resolver.async_resolve(url.host, std::to_string(url.port), kNoThrow);
  if (rec) {
    x.result.error = "cannot resolve " + url.host + ": " + rec.message();
    co_return;
  }
  std::vector<tcp::endpoint> allowed;
  std::string refused;
  for (const auto& entry : results) {
    const tcp::endpoint& ep = entry.endpoint();
    if (options.allow_private_targets || IsPublicAddress(ep.address())) {
      allowed.push_back(ep);
    } else if (refused.empty()) {
      refused = ep.address().to_string();
    }
  }
  if (allowed.empty()) {
    x.result.error = "refused: " + url.host + " is a private or loopback address (" + refused +
                     "); see --allow-private-webhook-targets";
    co_return;
  }
  beast::tcp_stream& tcp_layer = url.tls ? beast::get_lowest_layer(x.secure) : x.plain;
  auto [cec, connected] = co_await tcp_layer.async_connect(allowed, kNoThrow);
  (void)connected;
  if (cec) {
    x.result.error = "cannot connect: " + cec.message();
    co_return;
  }
  if (!url.tls) {
    co_await WriteAndRead(x.plain, url, request, x);
    co_return;
  }
  if (!SSL_set_tlsext_host_name(x.secure.native_handle(), url.host.c_str())) {
    x.result.error = "cannot set the TLS server name";
    co_return;
  }
  x.secure.set_verify_callback(asio::ssl::host_name_verification(url.host));
  auto [hec] = co_await x.secure.async_handshake(asio::ssl::stream_base::client, kNoThrow);
  if (hec) {
    x.result.error = "TLS handshake failed: " + hec.message();
    co_return;
  }
  co_await WriteAndRead(x.secure, url, request, x);
}

}  // namespace

OutboundResult BeastClient::Post(const OutboundRequest& request) {
  auto url = ParseUrl(request.url);
  if (!url.ok()) return OutboundResult{0, "invalid URL: " + url.error()};
  asio::io_context ioc(1);
  Exchange x(ioc, tls_->context);
  asio::co_spawn(ioc, Run(url.value(), request, options_, x), [&x](std::exception_ptr e) {
    x.finished = true;
    if (e && x.result.error.empty() && x.result.status == 0) x.result.error = "internal error";
  });
  ioc.run_for(std::chrono::milliseconds(request.timeout_ms));
  if (!x.finished) {
    x.Cancel();
    ioc.restart();
    ioc.run();
    x.result.status = 0;
    x.result.error = "timed out after " + std::to_string(request.timeout_ms) + " ms";
  }
  return x.result;
}

}  // namespace refundd::webhooks
