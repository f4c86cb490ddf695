#include "dialects/common/json_writer.h"

#include "base/check.h"
#include "base/json_writer.h"

namespace refundd::dialects::common {

namespace {
bool PlainDecimal(std::string_view s) {
  if (!s.empty() && s.front() == '-') s.remove_prefix(1);
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  int dots = 0;
  for (char c : s) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots <= 1;
}
}  // namespace

std::string Quote(std::string_view text) {
  std::string out;
  AppendJsonString(out, text);
  return out;
}

void JsonObject::Key(std::string_view key) {
  if (!body_.empty()) body_.push_back(',');
  AppendJsonString(body_, key);
  body_.push_back(':');
}

JsonObject& JsonObject::Str(std::string_view key, std::string_view value) {
  Key(key);
  AppendJsonString(body_, value);
  return *this;
}

JsonObject& JsonObject::StrOrNull(std::string_view key, std::string_view value) {
  return value.empty() ? Null(key) : Str(key, value);
}

JsonObject& JsonObject::Int(std::string_view key, int64_t value) {
  Key(key);
  body_ += std::to_string(value);
  return *this;
}

JsonObject& JsonObject::Number(std::string_view key, std::string_view decimal) {
  CHECK(PlainDecimal(decimal));
  Key(key);
  body_ += decimal;
  return *this;
}

JsonObject& JsonObject::Bool(std::string_view key, bool value) {
  Key(key);
  body_ += value ? "true" : "false";
  return *this;
}

JsonObject& JsonObject::Null(std::string_view key) {
  Key(key);
  body_ += "null";
  return *this;
}

JsonObject& JsonObject::Raw(std::string_view key, std::string_view json) {
  CHECK(!json.empty());
  Key(key);
  body_ += json;
  return *this;
}

JsonObject& JsonObject::Object(std::string_view key, const JsonObject& value) {
  return Raw(key, value.str());
}

JsonObject& JsonObject::Array(std::string_view key, const JsonArray& value) {
  return Raw(key, value.str());
}

JsonArray& JsonArray::Add(const JsonObject& value) { return AddRaw(value.str()); }

JsonArray& JsonArray::AddRaw(std::string_view json) {
  CHECK(!json.empty());
  if (!body_.empty()) body_.push_back(',');
  body_ += json;
  return *this;
}

}  // namespace refundd::dialects::common
