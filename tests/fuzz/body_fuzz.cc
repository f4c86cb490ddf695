// Fuzzes the decoders of request bodies and query strings: any bytes must decode or be refused
// with a message, never crash, and an accepted JSON body's numbers must print as decimal text.

#include <boost/json/serialize.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/check.h"
#include "http/body.h"

namespace {

void CheckNumbers(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::object:
      for (const auto& entry : v.get_object()) CheckNumbers(entry.value());
      return;
    case boost::json::kind::array:
      for (const auto& element : v.get_array()) CheckNumbers(element);
      return;
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      CHECK(!refundd::http::DecimalText(v).empty());
      return;
    case boost::json::kind::null:
    case boost::json::kind::bool_:
    case boost::json::kind::string:
      return;
  }
}

// Error messages go into JSON bodies and logs as they are: short printable ASCII only.
void CheckMessage(const std::string& message) {
  CHECK(!message.empty());
  CHECK(message.size() < 1000);
  for (char c : message) CHECK(c >= ' ' && c < 127);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto json = refundd::http::DecodeJson(input);
  if (json.ok()) {
    CHECK(json.value().is_object());
    CheckNumbers(json.value());
  } else {
    CheckMessage(json.error());
  }
  auto form = refundd::http::DecodeForm(input);
  if (form.ok()) {
    CHECK(form.value().is_object());
    // Form values are strings, so they serialize to valid JSON (invalid UTF-8 was refused).
    (void)boost::json::serialize(form.value());
  } else {
    CheckMessage(form.error());
  }
  auto query = refundd::http::DecodeQuery(input);
  CHECK(query.ok() == form.ok());
  return 0;
}
