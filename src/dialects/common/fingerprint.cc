#include "dialects/common/fingerprint.h"

#include <algorithm>
#include <boost/json.hpp>
#include <vector>

#include "crypto/crypto.h"
#include "http/body.h"

namespace refundd::dialects::common {

namespace {
void Canonical(const boost::json::value& v, std::string& out) {
  switch (v.kind()) {
    case boost::json::kind::object: {
      const auto& o = v.get_object();
      std::vector<const boost::json::key_value_pair*> items;
      items.reserve(o.size());
      for (const auto& kv : o) items.push_back(&kv);
      std::sort(items.begin(), items.end(),
                [](auto* a, auto* b) { return a->key() < b->key(); });
      out.push_back('{');
      for (auto* kv : items) {
        out += boost::json::serialize(boost::json::string(kv->key()));
        out.push_back(':');
        Canonical(kv->value(), out);
        out.push_back(',');
      }
      out.push_back('}');
      return;
    }
    case boost::json::kind::array:
      out.push_back('[');
      for (const auto& e : v.get_array()) {
        Canonical(e, out);
        out.push_back(',');
      }
      out.push_back(']');
      return;
    case boost::json::kind::string:
      out += boost::json::serialize(v);
      return;
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      // Numbers compare by their decimal text, the same as a form field carrying it.
      out += boost::json::serialize(boost::json::string(http::DecimalText(v)));
      return;
    case boost::json::kind::bool_:
      out += v.get_bool() ? "\"true\"" : "\"false\"";
      return;
    case boost::json::kind::null:
      out += "null";
      return;
  }
}
}  // namespace

std::string RequestFingerprint(std::string_view method, std::string_view path,
                               const boost::json::value& params) {
  std::string text;
  text.reserve(256);
  text.append(method).push_back(' ');
  text.append(path).push_back('\n');
  Canonical(params, text);
  return crypto::Sha256Hex(text);
}

}  // namespace refundd::dialects::common
