#include "http/router.h"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "base/check.h"

namespace refundd::http {
namespace {

// Splits "/v1/refunds/re_1" into {"v1", "refunds", "re_1"}. A trailing '/' yields a last empty
// segment, so "/v1/refunds/" does not match "/v1/refunds" nor "/v1/refunds/{id}".
void SplitPath(std::string_view path, std::vector<std::string_view>& out) {
  out.clear();
  if (path.empty() || path.front() != '/') {
    return;  // no segments: never matches a pattern, which has at least one
  }
  path.remove_prefix(1);
  while (true) {
    std::size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) return;
    path.remove_prefix(slash + 1);
  }
}

// Whether `path` is `prefix` or lies below it, by whole segments.
bool InSpace(std::string_view prefix, std::string_view path) {
  if (prefix == "/") return true;
  if (!path.starts_with(prefix)) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '/';
}

}  // namespace

Response ErrorResponse(int status, std::string_view type, std::string_view code,
                       std::string_view message) {
  boost::json::value body = {{"error", {{"type", type}, {"code", code}, {"message", message}}}};
  Response response;
  response.status = status;
  response.body = boost::json::serialize(body);
  return response;
}

Response StripeRequestError(const RequestError& error) {
  static const PerStatus<std::string_view> kCodes = {
      .bad_request = "bad_request",
      .not_found = "resource_missing",
      .method_not_allowed = "method_not_allowed",
      .timeout = "request_timeout",
      .too_large = "request_too_large",
      .headers_too_large = "headers_too_large",
  };
  const std::string method(error.method), path(error.path);
  std::string message(error.message);
  if (error.status == 405) {
    message =
        method + " is not allowed on " + path + " (allowed: " + std::string(error.allow) + ").";
  } else if (error.status == 404) {
    message = "Unrecognized request URL (" + method + ": " + path + ").";
  }
  return ErrorResponse(error.status, "invalid_request_error", kCodes.For(error.status), message);
}

Router::Router() : default_space_{"/", "", nullptr, StripeRequestError} {}

void Router::Add(Route route) {
  CHECK(!route.pattern.empty() && route.pattern.front() == '/');
  CHECK(route.handler != nullptr);
  std::vector<std::string_view> parts;
  SplitPath(route.pattern, parts);
  Compiled compiled;
  for (std::string_view part : parts) {
    Segment segment;
    if (!part.empty() && part.front() == '{') {
      CHECK(part.size() > 2 && part.back() == '}');
      segment.text = std::string(part.substr(1, part.size() - 2));
      segment.is_param = true;
    } else {
      CHECK(part.find_first_of("{}") == std::string_view::npos);
      segment.text = std::string(part);
    }
    compiled.segments.push_back(std::move(segment));
  }
  compiled.route = std::move(route);
  routes_.push_back(std::move(compiled));
}

void Router::AddErrorSpace(ErrorSpace space) {
  CHECK(!space.prefix.empty() && space.prefix.front() == '/');
  CHECK(space.prefix == "/" || space.prefix.back() != '/');
  CHECK(space.render != nullptr);
  spaces_.push_back(std::move(space));
}

bool Router::Matches(const Compiled& compiled, const std::vector<std::string_view>& segments) {
  if (compiled.segments.size() != segments.size()) return false;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const Segment& want = compiled.segments[i];
    if (want.is_param ? segments[i].empty() : want.text != segments[i]) return false;
  }
  return true;
}

void Router::Dispatch(Request&& request, Reply reply) const {
  thread_local std::vector<std::string_view> segments;
  SplitPath(request.path, segments);

  const Compiled* chosen = nullptr;
  const Compiled* fallback = nullptr;
  const Compiled* first = nullptr;
  for (const Compiled& compiled : routes_) {
    if (compiled.route.method != request.method || !Matches(compiled, segments)) continue;
    if (!compiled.route.accepts || compiled.route.accepts(request)) {
      chosen = &compiled;
      break;
    }
    if (first == nullptr) first = &compiled;
    if (fallback == nullptr && compiled.route.fallback) fallback = &compiled;
  }
  if (chosen == nullptr) chosen = fallback != nullptr ? fallback : first;
  if (chosen == nullptr) return Unroutable(request, segments, reply);

  PathParams params;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const Segment& segment = chosen->segments[i];
    if (segment.is_param) params.Add(segment.text, std::string(segments[i]));
  }
  chosen->route.handler(std::move(request), std::move(params), std::move(reply));
}

const ErrorSpace& Router::SpaceFor(const Request& request) const {
  for (const ErrorSpace& candidate : spaces_) {
    if (InSpace(candidate.prefix, request.path) &&
        (!candidate.accepts || candidate.accepts(request))) {
      return candidate;
    }
  }
  return default_space_;
}

Response Router::RenderRefusal(const Request& partial, const RequestError& error) const {
  Response response = SpaceFor(partial).render(error);
  CHECK(response.status == error.status);
  return response;
}

void Router::Unroutable(const Request& request, const std::vector<std::string_view>& segments,
                        const Reply& reply) const {
  const ErrorSpace* space = &SpaceFor(request);
  // The space's dialect's methods on this path, in registration order, each once.
  std::string allow;
  for (const Compiled& compiled : routes_) {
    if (!space->dialect.empty() && compiled.route.auth_scheme != space->dialect) continue;
    if (!Matches(compiled, segments)) continue;
    const std::string& method = compiled.route.method;
    bool listed = false;
    for (std::size_t pos = 0; pos < allow.size();) {
      std::size_t end = allow.find(", ", pos);
      if (end == std::string::npos) end = allow.size();
      if (std::string_view(allow).substr(pos, end - pos) == method) listed = true;
      pos = end + 2;
    }
    if (listed) continue;
    if (!allow.empty()) allow += ", ";
    allow += method;
  }
  RequestError error{allow.empty() ? 404 : 405, request.method, request.path, allow, ""};
  Response response = space->render(error);
  CHECK(response.status == error.status);
  if (error.status == 405) response.headers.emplace_back("Allow", std::move(allow));
  reply(std::move(response));
}

}  // namespace refundd::http
