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

}  // namespace refundd::store
