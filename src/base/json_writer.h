#pragma once
// A small, allocation-light JSON writer for responses on the hot path: appends to one string,
// escapes strings per RFC 8259, and places commas itself. Not thread-safe (one per response).
// Misuse (a value where a key is expected) is a bug in refundd and is CHECKed.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace refundd {

// Appends `value` to `out` as a JSON string literal, quotes included, escaped per RFC 8259 (the
// one escaping routine of refundd's JSON writers).
void AppendJsonString(std::string& out, std::string_view value);

class JsonWriter {
 public:
  JsonWriter() { out_.reserve(512); }

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // A string, or null when empty.
  JsonWriter& StringOrNull(std::string_view value) {
    return value.empty() ? Null() : String(value);
  }

  // The document; CHECKs that every object and array was closed.
  std::string Take();

 private:
  void BeforeValue();
  struct Level {
    bool is_object;
    bool empty = true;
    bool expecting_value = false;  // objects: a key was written
  };
  std::string out_;
  std::vector<Level> stack_;
};

}  // namespace refundd
