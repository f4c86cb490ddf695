#pragma once
// A small JSON writer for dialect responses whose amounts must be printed as exact decimal text
// (from int64 minor units, never through a double): Boost.JSON can only print numbers it holds
// as doubles. Members come out in the order they were added. Keys and strings are escaped by
// base/json_writer's AppendJsonString, like every JSON refundd writes. Not thread-safe; a value
// type.

#include <cstdint>
#include <string>
#include <string_view>

namespace refundd::dialects::common {

class JsonArray;

class JsonObject {
 public:
  JsonObject& Str(std::string_view key, std::string_view value);
  // A string, or null when `value` is empty.
  JsonObject& StrOrNull(std::string_view key, std::string_view value);
  JsonObject& Int(std::string_view key, int64_t value);
  // `decimal` is a plain decimal ("10.50", "7", "-0.5"); CHECKed, since it comes from our
  // formatter.
  JsonObject& Number(std::string_view key, std::string_view decimal);
  JsonObject& Bool(std::string_view key, bool value);
  JsonObject& Null(std::string_view key);
  // `json` is already serialized JSON (from Boost.JSON or another writer).
  JsonObject& Raw(std::string_view key, std::string_view json);
  JsonObject& Object(std::string_view key, const JsonObject& value);
  JsonObject& Array(std::string_view key, const JsonArray& value);

  std::string str() const { return "{" + body_ + "}"; }

 private:
  void Key(std::string_view key);
  std::string body_;
};

class JsonArray {
 public:
  JsonArray& Add(const JsonObject& value);
  JsonArray& AddRaw(std::string_view json);
  bool empty() const { return body_.empty(); }
  std::string str() const { return "[" + body_ + "]"; }

 private:
  std::string body_;
};

// A JSON string literal for `text`, quotes included.
std::string Quote(std::string_view text);

}  // namespace refundd::dialects::common
