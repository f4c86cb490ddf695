#pragma once
// The routing table: (method, path pattern, auth scheme) -> handler.
//
// Several dialects share paths (POST /v1/refunds is both native and rapyd), so a route also says
// which requests its auth scheme claims. Dispatch picks, among the routes whose method and pattern
// match, the first whose `accepts` returns true; when none accepts, the first matching route marked
// `fallback` (else the first registered match) answers, typically with its dialect's 401.
// A path that matches with another method gets 405 with an Allow header; no match at all goes to
// the not-found handler (default: Stripe-shaped 404 resource_missing).
//
// Thread-safety: Add() and SetNotFound() before serving; Dispatch() is const and may run on many
// threads at once.

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/message.h"

namespace refundd::http {

// Values captured by "{name}" segments, in pattern order. Owned strings: the request is moved into
// the handler, so views into its path would dangle.
class PathParams {
 public:
  // The value captured for `name`, or "" when the pattern has no such segment.
  std::string_view Get(std::string_view name) const {
    for (const auto& [n, v] : params_) {
      if (n == name) return v;
    }
    return {};
  }
  void Add(std::string name, std::string value) {
    params_.emplace_back(std::move(name), std::move(value));
  }
  std::size_t size() const { return params_.size(); }
  auto begin() const { return params_.begin(); }
  auto end() const { return params_.end(); }

 private:
  std::vector<std::pair<std::string, std::string>> params_;
};

using RouteHandler = std::function<void(Request&& request, PathParams params, Reply reply)>;

struct Route {
  std::string method;       // "GET", "POST", ...
  std::string pattern;      // "/v1/refunds/{id}": a {name} segment captures one non-empty segment
  std::string auth_scheme;  // "native", "rapyd", ...: for logs and docs only
  // Whether this route's auth scheme claims the request (e.g. has header access_key).
  // Empty means it claims every request.
  std::function<bool(const Request&)> accepts;
  bool fallback = false;  // answers requests no route's scheme claims
  RouteHandler handler;
};

// A JSON error response: {"error":{"type":T,"code":C,"message":M}}.
Response ErrorResponse(int status, std::string_view type, std::string_view code,
                       std::string_view message);

class Router {
 public:
  Router();

  // Registers a route. A malformed pattern (not starting with '/', empty or unclosed "{}") is a
  // programming error and aborts.
  void Add(Route route);
  // Replaces the handler for paths no route matches.
  void SetNotFound(std::function<void(Request&&, Reply)> handler);

  // Routes `request` and calls exactly one handler, which owns `reply`.
  void Dispatch(Request&& request, Reply reply) const;

 private:
  struct Segment {
    std::string text;  // literal text, or the parameter name when is_param
    bool is_param = false;
  };
  struct Compiled {
    Route route;
    std::vector<Segment> segments;
  };

  static bool Matches(const Compiled& compiled, const std::vector<std::string_view>& segments);

  std::vector<Compiled> routes_;
  std::function<void(Request&&, Reply)> not_found_;
};

}  // namespace refundd::http
