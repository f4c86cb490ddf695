#pragma once
// The outbound HTTP client that delivers webhooks: one POST per call on a new connection
// (Connection: close), plain HTTP or HTTPS (peer verified against the system's CAs, or a CA file,
// with SNI and host name checks), one overall deadline covering resolve, connect, handshake,
// write and the response header, no redirects followed (a 3xx is an answer like any other), and
// targets on private or loopback addresses refused unless allowed (address.h).
//
// Thread-safe: each Post() runs on its caller's thread with its own io_context.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "store/outbox.h"

namespace refundd::webhooks {

struct Url {
  bool tls = false;
  std::string host;    // a name, an IPv4 address, or an IPv6 address without brackets
  uint16_t port = 0;   // 80 or 443 unless given
  std::string target;  // path and query, "/" at least; the fragment is dropped
};
// http:// or https:// URLs only, without user information; an error message otherwise.
Result<Url, std::string> ParseUrl(std::string_view url);

struct OutboundRequest {
  std::string url;
  store::Headers headers;  // besides Host, Content-Type, Content-Length, Connection
  std::string body;        // JSON
  int64_t timeout_ms = 10'000;
};

struct OutboundResult {
  int status = 0;     // the HTTP status; 0 when there was no answer
  std::string error;  // why there was no answer ("" when there was one)
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual OutboundResult Post(const OutboundRequest& request) = 0;
};

struct ClientOptions {
  bool allow_private_targets = false;
  std::string ca_file;  // "" = the system's default CA paths
};

class BeastClient final : public HttpClient {
 public:
  explicit BeastClient(ClientOptions options);
  ~BeastClient() override;
  OutboundResult Post(const OutboundRequest& request) override;

 private:
  struct Tls;
  const ClientOptions options_;
  std::unique_ptr<Tls> tls_;
};

}  // namespace refundd::webhooks
