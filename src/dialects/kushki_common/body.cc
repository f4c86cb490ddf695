#include "dialects/kushki_common/body.h"

#include <boost/json.hpp>

#include "http/body.h"

namespace refundd::dialects::kushki {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxSignificant = 15;  // what http::DecodeJson lets through
constexpr std::size_t kMaxNumberChars = 40;  // longer tokens are left for DecodeJson to refuse

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// -?(0|[1-9][0-9]*)\.[0-9]+ : a JSON number with a fraction and no exponent.
bool PlainDecimal(std::string_view t) {
  std::size_t i = 0;
  if (i < t.size() && t[i] == '-') ++i;
  if (i >= t.size() || !IsDigit(t[i])) return false;
  if (t[i] == '0') {
    ++i;
  } else {
    while (i < t.size() && IsDigit(t[i])) ++i;
  }
  if (i >= t.size() || t[i] != '.') return false;
  ++i;
  if (i >= t.size()) return false;
  while (i < t.size() && IsDigit(t[i])) ++i;
  return i == t.size();
}

std::size_t SignificantDigits(std::string_view t) {
  std::string digits;
  for (char c : t) {
    if (IsDigit(c)) digits.push_back(c);
  }
  std::size_t dot = t.find('.');
  std::size_t trailing = 0;  // fraction zeros at the end change nothing
  for (std::size_t i = t.size(); i > dot + 1 && t[i - 1] == '0'; --i) ++trailing;
  digits.resize(digits.size() - trailing);
  std::size_t first = digits.find_first_not_of('0');
  return first == std::string::npos ? 0 : digits.size() - first;
}

}  // namespace

std::string QuoteLongNumbers(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      out.push_back(c);
      if (c == '\\' && i + 1 < text.size()) {
        out.push_back(text[++i]);
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      out.push_back(c);
      continue;
    }
    if (c == '-' || IsDigit(c)) {
      std::size_t start = i;
      while (i < text.size() && (IsDigit(text[i]) || text[i] == '-' || text[i] == '+' ||
                                 text[i] == '.' || text[i] == 'e' || text[i] == 'E')) {
        ++i;
      }
      std::string_view token = text.substr(start, i - start);
      --i;
      if (token.size() <= kMaxNumberChars && PlainDecimal(token) &&
          SignificantDigits(token) > kMaxSignificant) {
        out.push_back('"');
        out += token;
        out.push_back('"');
      } else {
        out += token;
      }
      continue;
    }
    out.push_back(c);
  }
  return out;
}

Parsed<json::value> DecodeBody(const http::Request& request) {
  std::string_view body = request.body;
  while (!body.empty() && IsSpace(body.front())) body.remove_prefix(1);
  if (body.empty()) return json::value(json::object_kind);
  auto decoded = http::DecodeJson(QuoteLongNumbers(request.body));
  if (!decoded.ok()) return Err(Error(KCode::kK001, decoded.error()));
  return std::move(decoded).value();
}

KError BadField(const common::FieldError& error) { return Error(KCode::kK001, error.message); }

KError BadField(std::string_view field, std::string_view what) {
  return Error(KCode::kK001, std::string(field) + " " + std::string(what));
}

}  // namespace refundd::dialects::kushki
