#pragma once
// The routing table: (method, path pattern, auth scheme) -> handler.
//
// Several dialects share paths (POST /v1/refunds is both native and rapyd), so a route also says
// which requests its auth scheme claims. Dispatch picks, among the routes whose method and pattern
// match, the first whose `accepts` returns true; when none accepts, the first matching route marked
// `fallback` (else the first registered match) answers, typically with its dialect's 401.
//
// A request no route serves is answered in the error shape of the dialect that owns its path: the
// first registered error space whose prefix holds the path and whose `accepts` claims the request
// renders it (the default space, for paths no dialect owns, answers in the native Stripe shape).
// It is a 405 with an Allow header when that dialect has routes on the path with other methods,
// else a 404. The server's own refusals (400, 408, 413, 431) go through the same spaces
// (RenderRefusal), so a 413 under /pos is Kushki's too.
//
// Thread-safety: Add() and AddErrorSpace() before serving; Dispatch() is const and may run on many
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
  // "native", "rapyd", ...: the dialect, for logs and docs, and for 405 answers, which list the
  // methods of the error space's dialect only (see ErrorSpace).
  std::string auth_scheme;
  // Whether this route's auth scheme claims the request (e.g. has header access_key).
  // Empty means it claims every request.
  std::function<bool(const Request&)> accepts;
  bool fallback = false;  // answers requests no route's scheme claims
  RouteHandler handler;
};

// A JSON error response: {"error":{"type":T,"code":C,"message":M}}.
Response ErrorResponse(int status, std::string_view type, std::string_view code,
                       std::string_view message);

// Renders a request error (an unroutable request, or one the server refused before routing: see
// RequestError) in a dialect's error shape with `error.status` as the HTTP status. Must not fail;
// the router adds the Allow header of a 405 itself.
using RequestErrorRenderer = std::function<Response(const RequestError& error)>;

// A part of the path space whose unroutable requests a dialect answers.
struct ErrorSpace {
  // "/pos": the path itself and every path below it ("/pos/v1/x"), by whole segments ("/posx" is
  // not in it). "/" is every path.
  std::string prefix;
  // The dialect, as its routes' auth_scheme. A 405's Allow lists only routes of this dialect; a
  // path that has only other dialects' routes is a 404 here. "" counts every route.
  std::string dialect;
  // Whether this space claims the request (e.g. it carries the dialect's auth header), for
  // prefixes several dialects share. Empty means it claims every request under the prefix.
  // It may see a request without headers (one refused before its headers were read).
  std::function<bool(const Request&)> accepts;
  RequestErrorRenderer render;
};

// The default space's renderer: native's {"error": {...}} shape, type invalid_request_error, code
// bad_request (400), resource_missing (404), method_not_allowed (405), request_timeout (408),
// request_too_large (413) or headers_too_large (431).
Response StripeRequestError(const RequestError& error);

class Router {
 public:
  Router();

  // Registers a route. A malformed pattern (not starting with '/', empty or unclosed "{}") is a
  // programming error and aborts.
  void Add(Route route);
  // Adds an error space after those already added (the first that matches answers). A prefix
  // that does not start with '/' or a missing renderer is a programming error and aborts.
  void AddErrorSpace(ErrorSpace space);

  // Routes `request` and calls exactly one handler, which owns `reply`.
  void Dispatch(Request&& request, Reply reply) const;

  // The answer to a request the server refused before routing (400, 408, 413, 431), rendered by
  // the space that owns `partial` as Dispatch() would pick it: `partial` holds what the server
  // read of the request (method and path; headers only once the whole header block was read).
  Response RenderRefusal(const Request& partial, const RequestError& error) const;

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
  // The first space whose prefix holds the request's path and whose `accepts` claims it, else the
  // default space.
  const ErrorSpace& SpaceFor(const Request& request) const;
  // Answers a request no route serves, from the space that owns it.
  void Unroutable(const Request& request, const std::vector<std::string_view>& segments,
                  const Reply& reply) const;

  std::vector<Compiled> routes_;
  std::vector<ErrorSpace> spaces_;
  ErrorSpace default_space_;
};

}  // namespace refundd::http
