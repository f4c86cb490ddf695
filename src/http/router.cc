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

}  // namespace

Response ErrorResponse(int status, std::string_view type, std::string_view code,
                       std::string_view message) {
  boost::json::value body = {{"error", {{"type", type}, {"code", code}, {"message", message}}}};
  Response response;
  response.status = status;
  response.body = boost::json::serialize(body);
  return response;
}

Router::Router() {
  not_found_ = [](Request&& request, Reply reply) {
    reply(
        ErrorResponse(404, "invalid_request_error", "resource_missing",
                      "Unrecognized request URL (" + request.method + ": " + request.path + ")."));
  };
}

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

void Router::SetNotFound(std::function<void(Request&&, Reply)> handler) {
  CHECK(handler != nullptr);
  not_found_ = std::move(handler);
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
  bool path_matched = false;
  for (const Compiled& compiled : routes_) {
    if (!Matches(compiled, segments)) continue;
    path_matched = true;
    if (compiled.route.method != request.method) continue;
    if (!compiled.route.accepts || compiled.route.accepts(request)) {
      chosen = &compiled;
      break;
    }
    if (first == nullptr) first = &compiled;
    if (fallback == nullptr && compiled.route.fallback) fallback = &compiled;
  }
  if (chosen == nullptr) chosen = fallback != nullptr ? fallback : first;

  if (chosen == nullptr && path_matched) {
    std::string allow;
    for (const Compiled& compiled : routes_) {
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
    Response response = ErrorResponse(
        405, "invalid_request_error", "method_not_allowed",
        request.method + " is not allowed on " + request.path + " (allowed: " + allow + ").");
    response.headers.emplace_back("Allow", std::move(allow));
    reply(std::move(response));
    return;
  }
  if (chosen == nullptr) {
    not_found_(std::move(request), std::move(reply));
    return;
  }

  PathParams params;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const Segment& segment = chosen->segments[i];
    if (segment.is_param) params.Add(segment.text, std::string(segments[i]));
  }
  chosen->route.handler(std::move(request), std::move(params), std::move(reply));
}

}  // namespace refundd::http
