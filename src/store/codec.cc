#include "store/codec.h"

#include <boost/json.hpp>

#include "base/check.h"

namespace refundd::store {

std::string EncodeMetadata(const core::Metadata& metadata) {
  boost::json::object o;
  for (const auto& [k, v] : metadata) o[k] = v;
  return boost::json::serialize(o);
}

core::Metadata DecodeMetadata(const std::string& text) {
  core::Metadata out;
  if (text.empty() || text == "{}") return out;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  CHECK(!ec && v.is_object());
  for (const auto& [k, val] : v.as_object()) {
    CHECK(val.is_string());
    out.emplace(std::string(k), std::string(val.as_string()));
  }
  return out;
}

namespace {
// Splits "a;b;c" into its non-empty pieces.
std::vector<std::string> Split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(sep, start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

int64_t ToInt(const std::string& s) {
  CHECK(!s.empty() && s.find_first_not_of("-0123456789") == std::string::npos);
  return std::stoll(s);
}
}  // namespace

std::string EncodeParts(const std::vector<core::Part>& parts) {
  std::string out;
  for (const auto& p : parts) {
    CHECK(core::ValidPartName(p.name));
    out += p.name + "=" + std::to_string(p.amount_minor) + ":" + std::to_string(p.captured_minor) +
           ":" + std::to_string(p.refunded_minor) + ":" + std::to_string(p.pending_minor) + ";";
  }
  return out;
}

std::vector<core::Part> DecodeParts(const std::string& text) {
  std::vector<core::Part> out;
  for (const std::string& item : Split(text, ';')) {
    std::size_t eq = item.find('=');
    CHECK(eq != std::string::npos);
    std::vector<std::string> n = Split(item.substr(eq + 1), ':');
    CHECK(n.size() == 4);
    out.push_back({item.substr(0, eq), ToInt(n[0]), ToInt(n[1]), ToInt(n[2]), ToInt(n[3])});
  }
  return out;
}

std::string EncodePartAmounts(const std::vector<core::PartAmount>& parts) {
  std::string out;
  for (const auto& p : parts) {
    CHECK(core::ValidPartName(p.name));
    out += p.name + "=" + std::to_string(p.amount_minor) + ";";
  }
  return out;
}

std::vector<core::PartAmount> DecodePartAmounts(const std::string& text) {
  std::vector<core::PartAmount> out;
  for (const std::string& item : Split(text, ';')) {
    std::size_t eq = item.find('=');
    CHECK(eq != std::string::npos);
    out.push_back({item.substr(0, eq), ToInt(item.substr(eq + 1))});
  }
  return out;
}

}  // namespace refundd::store
