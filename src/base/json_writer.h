#pragma once
// A small, allocation-light JSON writer for responses on the hot path: appends to one string,
// escapes strings per RFC 8259 (ill-formed UTF-8 becomes U+FFFD), and places commas itself. Not
// thread-safe (one per response).
// Misuse (a value where a key is expected) is a bug in refundd and is CHECKed.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace refundd {

// Appends `value` to `out` as a JSON string literal, quotes included, escaped per RFC 8259 (the
// one escaping routine of refundd's JSON writers). Whatever the bytes, the literal is valid UTF-8:
// each ill-formed UTF-8 subpart of `value` is written as U+FFFD (base/utf8.h says why that choice).
void AppendJsonString(std::string& out, std::string_view value);

class JsonWriter {
 public:
  JsonWriter() : buf_(new char[kInitialCapacity]), cap_(kInitialCapacity) {}

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
  static constexpr std::size_t kInitialCapacity = 1024;
  void BeforeValue();
  // Room for `n` more bytes at buf_ + size_ (the document is built in a buffer of its own: one
  // capacity check per piece, where std::string pays one per character appended).
  char* Room(std::size_t n) {
    if (cap_ - size_ < n) Grow(n);
    return buf_.get() + size_;
  }
  void Grow(std::size_t n);
  void Put(char c) { *Room(1) = c, ++size_; }
  void Put(std::string_view text);
  void PutString(std::string_view value);  // quoted and escaped
  struct Level {
    bool is_object;
    bool empty = true;
    bool expecting_value = false;  // objects: a key was written
  };
  std::unique_ptr<char[]> buf_;
  std::size_t size_ = 0;
  std::size_t cap_;
  std::vector<Level> stack_;
};

}  // namespace refundd
