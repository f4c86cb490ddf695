#include "http/worker.h"

namespace refundd::http::internal {

std::string ErrorBody(std::string_view code, std::string_view message) {
  std::string body = R"({"error":{"type":"invalid_request_error","code":")";
  body += code;
  body += R"(","message":")";
  body += message;  // constant text, nothing to escape
  body += R"("}})";
  return body;
}

Response TransportError(int status, std::string_view code, std::string_view message) {
  Response response;
  response.status = status;
  response.body = ErrorBody(code, message);
  return response;
}

bool IsTokenChar(char c) { return c > ' ' && c < 127 && c != ':'; }
bool HasLineBreak(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX in a path ('+' stays '+'). False on a malformed escape or an encoded NUL.
bool DecodePath(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int hi = HexValue(in[i + 1]);
    int lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

bool ParseTarget(std::string_view target, Request& request) {
  if (target.starts_with("http://") || target.starts_with("https://")) {
    std::size_t slash = target.find('/', target.find("//") + 2);
    target = slash == std::string_view::npos ? "/" : target.substr(slash);
  }
  std::size_t question = target.find('?');
  request.query.clear();
  if (question != std::string_view::npos) request.query = std::string(target.substr(question + 1));
  if (DecodePath(target.substr(0, question), request.path)) return true;
  request.path = std::string(target.substr(0, question));
  return false;
}

std::string EndpointText(const tcp::endpoint& endpoint) {
  std::string text = endpoint.address().to_string();
  if (endpoint.address().is_v6()) text = "[" + text + "]";
  return text + ":" + std::to_string(endpoint.port());
}

void ConnectionBase::Send(Response&& response) {
  Worker& worker = *worker_;
  if (worker.ioc.get_executor().running_in_this_thread()) {
    Deliver(std::move(response));
    return;
  }
  std::lock_guard<std::mutex> lock(worker.post_mu);
  if (worker.closed_for_posts) return;
  asio::post(worker.ioc, [self = shared_from_this(), r = std::move(response)]() mutable {
    self->Deliver(std::move(r));
  });
}

}  // namespace refundd::http::internal
