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
  // When set, the answer is made on the connection's io thread, just before it is sent: the
  // server calls it and sends what it returns instead of this Response. A handler answering from
  // another thread (the store's writer) passes the rendering here so that it runs off that thread.
  std::function<Response()> render = nullptr;

  static Response Later(std::function<Response()> render) {
    Response r;
    r.render = std::move(render);
    return r;
  }
};

// A request refundd answers with an error before any handler sees it: the server refused it
// (400 malformed HTTP, 408 not received in time, 413 body or 431 headers over the limit) or the
// router has no route for it (404, 405). Error spaces render it in their dialect's shape.
struct RequestError {
  int status = 404;         // 400, 404, 405, 408, 413 or 431
  std::string_view method;  // as received
  std::string_view path;    // as received (percent-decoded when it decodes, no query)
  std::string_view allow;   // 405: the dialect's methods on the path, "GET, POST"; else ""
  // The server's English description for 400, 408, 413 and 431, with the limit when one was
  // exceeded ("... larger than the server accepts (1048576 bytes)."); "" for 404 and 405, which
  // each dialect words itself.
  std::string_view message;
};

// One value per status a RequestError can have, so that a dialect writes its codes as a table
// instead of a switch. For() of any other status is the bad_request value.
template <typename T>
struct PerStatus {
  T bad_request;         // 400
  T not_found;           // 404
  T method_not_allowed;  // 405
  T timeout;             // 408
  T too_large;           // 413
  T headers_too_large;   // 431
  const T& For(int status) const {
    switch (status) {
      case 404:
        return not_found;
      case 405:
        return method_not_allowed;
      case 408:
        return timeout;
      case 413:
        return too_large;
      case 431:
        return headers_too_large;
      default:
        return bad_request;
    }
  }
};

// Called exactly once per request, from any thread.
using Reply = std::function<void(Response)>;
using Handler = std::function<void(Request&& request, Reply reply)>;

}  // namespace refundd::http
