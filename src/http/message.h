#pragma once
// The HTTP request and response as the rest of refundd sees them: plain values, no Beast types.
// The server fills a Request, hands it to a Handler, and the handler answers exactly once through
// the Reply it was given, from any thread, possibly after the request's refunds have committed.

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace refundd::http {

struct Request {
  std::string method;  // upper case as received: "GET", "POST", "DELETE", ...
  std::string path;    // percent-decoded path, without the query string
  std::string query;   // raw query string after '?', not decoded ("" if none)
  // Header names are lower-cased by the server; values are as received.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;         // raw bytes exactly as received (signatures are computed over them)
  std::string remote_addr;  // "ip:port" of the peer

  // The first header with this lower-case name, or "" when absent.
  std::string_view Header(std::string_view lower_name) const {
    for (const auto& [name, value] : headers) {
      if (name == lower_name) return value;
    }
    return {};
  }
  bool HasHeader(std::string_view lower_name) const {
    for (const auto& h : headers) {
      if (h.first == lower_name) return true;
    }
    return false;
  }
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  std::string body;
};

// Called exactly once per request, from any thread.
using Reply = std::function<void(Response)>;
using Handler = std::function<void(Request&& request, Reply reply)>;

}  // namespace refundd::http
