#include "http/body.h"

#include <boost/json/parser.hpp>
#include <charconv>
#include <cstdint>
#include <string>
#include <vector>

namespace refundd::http {
namespace json = boost::json;

namespace {

constexpr std::size_t kMaxDepth = 32;
constexpr int kMaxFractionDigits = 15;  // significant digits that survive a double
// Longer number tokens are refused outright: no amount, count or timestamp needs them, and a
// fixed-notation text that long would under- or overflow the double before the digit check.
constexpr std::size_t kMaxNumberChars = 40;

Err<std::string> Fail(std::string message) { return Err<std::string>{std::move(message)}; }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Checks one JSON number token (already known to be valid JSON). Returns "" when accepted.
std::string CheckNumberToken(std::string_view token, std::size_t offset) {
  std::string where = " at byte " + std::to_string(offset);
  if (token.size() > kMaxNumberChars) return "number too long" + where;
  if (token.find_first_of("eE") != std::string_view::npos) {
    return "number in exponent form" + where + " (write it as plain decimal text)";
  }
  std::size_t dot = token.find('.');
  if (dot == std::string_view::npos) {
    // Integers must fit int64 or uint64; Boost.JSON would silently turn larger ones into doubles.
    std::string_view digits = token.front() == '-' ? token.substr(1) : token;
    int64_t i = 0;
    uint64_t u = 0;
    auto [p1, e1] = std::from_chars(token.data(), token.data() + token.size(), i);
    auto [p2, e2] = std::from_chars(digits.data(), digits.data() + digits.size(), u);
    bool fits_int = e1 == std::errc() && p1 == token.data() + token.size();
    bool fits_uint =
        token.front() != '-' && e2 == std::errc() && p2 == digits.data() + digits.size();
    if (!fits_int && !fits_uint) return "integer out of range" + where;
    return "";
  }
  // Significant digits: drop the sign, leading zeros (either side of the dot) and trailing
  // fraction zeros, which do not change the value.
  std::string_view int_part = token.substr(0, dot);
  std::string_view frac_part = token.substr(dot + 1);
  if (!int_part.empty() && int_part.front() == '-') int_part.remove_prefix(1);
  while (!frac_part.empty() && frac_part.back() == '0') frac_part.remove_suffix(1);
  std::string digits = std::string(int_part) + std::string(frac_part);
  std::size_t first = digits.find_first_not_of('0');
  std::size_t significant = first == std::string::npos ? 0 : digits.size() - first;
  if (significant > static_cast<std::size_t>(kMaxFractionDigits)) {
    return "number with more than 15 significant digits" + where;
  }
  return "";
}

// Walks valid JSON text, checking every number token outside strings. Returns "" when accepted.
std::string CheckNumbers(std::string_view text) {
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // skip the escaped character; \uXXXX digits are harmless to walk over
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '-' || IsDigit(c)) {
      std::size_t start = i;
      while (i < text.size() && (IsDigit(text[i]) || text[i] == '-' || text[i] == '+' ||
                                 text[i] == '.' || text[i] == 'e' || text[i] == 'E')) {
        ++i;
      }
      std::string problem = CheckNumberToken(text.substr(start, i - start), start);
      if (!problem.empty()) return problem;
      --i;
    }
  }
  return "";
}

// A parameter name as quoted in an error message: short, printable ASCII, so the message can go
// into any JSON or log line whatever bytes the client sent.
std::string Shown(std::string_view name) {
  constexpr std::size_t kMaxShown = 64;
  std::string shown;
  for (char c : name.substr(0, kMaxShown)) {
    shown.push_back(c >= ' ' && c < 127 ? c : '?');
  }
  if (name.size() > kMaxShown) shown += "...";
  return shown;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsValidUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    bool overlong =
        (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

// Decodes %XX and '+' (space). Returns false on a malformed escape or invalid UTF-8.
bool PercentDecode(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = HexValue(in[i + 1]);
      int lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return IsValidUtf8(out);
}

// One step of a bracketed name: a key, a numeric index, or "[]" (append).
struct KeyPart {
  enum Kind { kKey, kIndex, kAppend } kind;
  std::string_view text;
  std::size_t index = 0;
};

// Splits "items[0][price]" into {items, 0, price}. Returns "" or a message.
std::string SplitName(std::string_view name, std::vector<KeyPart>& parts) {
  parts.clear();
  std::size_t open = name.find('[');
  std::string_view base = name.substr(0, open);
  if (base.empty()) return "empty parameter name in '" + Shown(name) + "'";
  if (base.find(']') != std::string_view::npos) {
    return "unbalanced ']' in parameter '" + Shown(name) + "'";
  }
  parts.push_back({KeyPart::kKey, base});
  std::size_t pos = open;
  while (pos != std::string_view::npos && pos < name.size()) {
    if (name[pos] != '[') {
      return "unexpected text after ']' in parameter '" + Shown(name) + "'";
    }
    std::size_t close = name.find(']', pos);
    if (close == std::string_view::npos) {
      return "missing ']' in parameter '" + Shown(name) + "'";
    }
    std::string_view inner = name.substr(pos + 1, close - pos - 1);
    if (inner.find('[') != std::string_view::npos) {
      return "nested '[' in parameter '" + Shown(name) + "'";
    }
    if (inner.empty()) {
      if (close + 1 != name.size()) {
        return "'[]' must come last in parameter '" + Shown(name) + "'";
      }
      parts.push_back({KeyPart::kAppend, inner});
    } else if (inner.size() <= 6 &&
               inner.find_first_not_of("0123456789") == std::string_view::npos) {
      std::size_t index = 0;
      std::from_chars(inner.data(), inner.data() + inner.size(), index);
      parts.push_back({KeyPart::kIndex, inner, index});
    } else {
      parts.push_back({KeyPart::kKey, inner});
    }
    if (parts.size() > kMaxDepth) {
      return "parameter '" + Shown(name) + "' nests deeper than 32 levels";
    }
    pos = close + 1;
  }
  return "";
}

// Places `value` at the path `parts` inside `root`. Returns "" or a message naming the clash.
std::string Insert(json::object& root, const std::vector<KeyPart>& parts, std::string_view name,
                   std::string_view value) {
  auto conflict = [&](std::string_view prefix_kind) {
    return "parameter '" + Shown(name) + "' conflicts with an earlier parameter that " +
           std::string(prefix_kind);
  };
  json::value* node = &root[parts[0].text];
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const KeyPart& part = parts[i];
    if (part.kind == KeyPart::kKey) {
      if (node->is_null()) node->emplace_object();
      if (!node->is_object()) return conflict("uses the same name for a value or a list");
      node = &node->get_object()[part.text];
      continue;
    }
    if (node->is_null()) node->emplace_array();
    if (!node->is_array()) return conflict("uses the same name for a value or an object");
    json::array& array = node->get_array();
    if (part.kind == KeyPart::kAppend) {
      node = &array.emplace_back(nullptr);
    } else if (part.index < array.size()) {
      node = &array[part.index];
    } else if (part.index == array.size()) {
      node = &array.emplace_back(nullptr);
    } else {
      return "parameter '" + Shown(name) + "' skips list positions (index " +
             std::to_string(part.index) + " after " + std::to_string(array.size()) + " elements)";
    }
  }
  if (!node->is_null()) {
    if (node->is_string()) return "parameter '" + Shown(name) + "' is given twice";
    return conflict("uses the same name for an object or a list");
  }
  node->emplace_string() = value;
  return "";
}

}  // namespace

Result<json::value, std::string> DecodeJson(std::string_view body) {
  json::parse_options options;
  options.max_depth = kMaxDepth;
  json::parser parser(json::storage_ptr(), options);
  json::error_code ec;
  std::size_t consumed = parser.write(body.data(), body.size(), ec);
  if (ec) {
    if (ec == json::error::too_deep) return Fail("JSON nests deeper than 32 levels");
    return Fail("malformed JSON at byte " + std::to_string(consumed) + ": " + ec.message());
  }
  json::value value = parser.release();
  if (!value.is_object()) return Fail("the JSON body must be an object");
  std::string problem = CheckNumbers(body);
  if (!problem.empty()) return Fail("JSON " + problem);
  return value;
}

Result<json::value, std::string> DecodeForm(std::string_view body) {
  json::value result(json::object_kind);
  json::object& root = result.get_object();
  std::vector<KeyPart> parts;
  std::string name;
  std::string value;
  std::size_t pos = 0;
  while (pos <= body.size()) {
    std::size_t amp = body.find('&', pos);
    if (amp == std::string_view::npos) amp = body.size();
    std::string_view pair = body.substr(pos, amp - pos);
    pos = amp + 1;
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    std::string_view raw_name = pair.substr(0, eq);
    std::string_view raw_value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    if (!PercentDecode(raw_name, name)) {
      return Fail("bad percent-escape or invalid UTF-8 in parameter name '" + Shown(raw_name) +
                  "'");
    }
    if (!PercentDecode(raw_value, value)) {
      return Fail("bad percent-escape or invalid UTF-8 in the value of '" + Shown(name) + "'");
    }
    std::string problem = SplitName(name, parts);
    if (problem.empty()) problem = Insert(root, parts, name, value);
    if (!problem.empty()) return Fail(std::move(problem));
  }
  return result;
}

Result<json::value, std::string> DecodeBody(const Request& request) {
  if (TrimSpace(request.body).empty()) return json::value(json::object_kind);
  std::string_view type = request.Header("content-type");
  type = TrimSpace(type.substr(0, type.find(';')));
  auto equals_ci = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      char c = a[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != b[i]) return false;
    }
    return true;
  };
  if (type.empty()) {
    std::string_view body = TrimSpace(request.body);
    return body.front() == '{' ? DecodeJson(request.body) : DecodeForm(request.body);
  }
  if (equals_ci(type, "application/json")) return DecodeJson(request.body);
  if (equals_ci(type, "application/x-www-form-urlencoded")) return DecodeForm(request.body);
  return Fail("unsupported content type '" + Shown(type) +
              "': send application/json or application/x-www-form-urlencoded");
}

Result<json::value, std::string> DecodeQuery(std::string_view query) { return DecodeForm(query); }

std::string DecimalText(const json::value& v) {
  char buffer[400];  // fixed notation of any double fits: at most 309 integer digits + fraction
  std::to_chars_result r{};
  switch (v.kind()) {
    case json::kind::int64:
      r = std::to_chars(buffer, buffer + sizeof buffer, v.get_int64());
      break;
    case json::kind::uint64:
      r = std::to_chars(buffer, buffer + sizeof buffer, v.get_uint64());
      break;
    case json::kind::double_:
      r = std::to_chars(buffer, buffer + sizeof buffer, v.get_double(), std::chars_format::fixed);
      break;
    default:
      return "";
  }
  if (r.ec != std::errc()) return "";
  return std::string(buffer, r.ptr);
}

}  // namespace refundd::http
