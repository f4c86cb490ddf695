#include "base/json_writer.h"

#include <charconv>
#include <cstdint>
#include <cstring>

#include "base/check.h"
#include "base/utf8.h"

namespace refundd {

namespace {
// Bytes that a string cannot carry as they are: controls, the quote and the backslash (escaped),
// and every byte of 0x80 and above, which is looked at as part of a UTF-8 sequence (copied when
// well-formed, replaced by U+FFFD when not: see base/utf8.h).
bool NeedsLook(unsigned char c) { return c < 0x20 || c == '"' || c == '\\' || c >= 0x80; }

// The length of the longest prefix of `value` that is plain printable ASCII with nothing to
// escape, eight bytes at a time: a word is clean when none of its bytes is below 0x20, a quote, a
// backslash or 0x80 and above (the usual has-zero-byte bit tricks; a word that may hold one is
// looked at byte by byte).
std::size_t CleanPrefix(std::string_view value) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighs = 0x8080808080808080ULL;
  auto clean = [&](uint64_t w) {
    const uint64_t quote = w ^ (kOnes * '"');
    const uint64_t backslash = w ^ (kOnes * '\\');
    // A byte b has its high bit set in (b - k) & ~b only if b < k (for b < 0x80), and a borrow
    // only follows a byte that already counted; bytes of 0x80 and above count through `w`.
    const uint64_t found = ((w - kOnes * 0x20) & ~w) | ((quote - kOnes) & ~quote) |
                           ((backslash - kOnes) & ~backslash) | w;
    return (found & kHighs) == 0;
  };
  const char* p = value.data();
  const std::size_t n = value.size();
  std::size_t i = 0;
  uint64_t w;
  if (n < 8) {
    w = kOnes * 'a';  // padding that needs no escaping
    if (n > 0) std::memcpy(&w, p, n);
    if (clean(w)) return n;
  } else {
    for (; i + 8 <= n; i += 8) {
      std::memcpy(&w, p + i, 8);
      if (!clean(w)) break;
    }
    if (i + 8 > n) {  // the last, partial word: its eight bytes end where the string ends
      std::memcpy(&w, p + n - 8, 8);
      if (clean(w)) return n;
    }
  }
  while (i < n && !NeedsLook(static_cast<unsigned char>(p[i]))) ++i;
  return i;
}
}  // namespace

void JsonWriter::BeforeValue() {
  if (stack_.empty()) return;
  Level& top = stack_.back();
  if (top.is_object) {
    CHECK(top.expecting_value);
    top.expecting_value = false;
    return;
  }
  if (!top.empty) Put(',');
  top.empty = false;
}

JsonWriter& JsonWriter::BeginObject() {
  BeforeValue();
  Put('{');
  stack_.push_back({true});
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  CHECK(!stack_.empty() && stack_.back().is_object && !stack_.back().expecting_value);
  stack_.pop_back();
  Put('}');
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  BeforeValue();
  Put('[');
  stack_.push_back({false});
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  CHECK(!stack_.empty() && !stack_.back().is_object);
  stack_.pop_back();
  Put(']');
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  CHECK(!stack_.empty() && stack_.back().is_object && !stack_.back().expecting_value);
  Level& top = stack_.back();
  const bool comma = !top.empty;
  top.empty = false;
  top.expecting_value = true;
  if (CleanPrefix(key) != key.size()) {  // never for refundd's own keys
    if (comma) Put(',');
    PutString(key);
    Put(':');
    return *this;
  }
  // The comma, the quoted key and the colon in one piece.
  char* d = Room(key.size() + 4);
  if (comma) *d++ = ',';
  *d++ = '"';
  std::memcpy(d, key.data(), key.size());
  d += key.size();
  *d++ = '"';
  *d++ = ':';
  size_ = static_cast<std::size_t>(d - buf_.get());
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view value) {
  BeforeValue();
  PutString(value);
  return *this;
}

// Runs of characters that need no escaping (well-formed UTF-8 included) are appended in one piece;
// each ill-formed UTF-8 subpart becomes U+FFFD, so that the document is always valid UTF-8 JSON
// whatever bytes a caller hands in (a percent-decoded path, a header).
void AppendJsonString(std::string& out, std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t clean = CleanPrefix(value);
  out.append(value.data(), clean);
  std::size_t run = clean;
  for (std::size_t i = clean; i < value.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    if (!NeedsLook(c)) continue;
    if (c >= 0x80) {
      std::size_t ill_formed = 0;
      const std::size_t length = Utf8SequenceAt(value, i, &ill_formed);
      if (length != 0) {
        i += length - 1;
        continue;
      }
      out.append(value.data() + run, i - run);
      out += kReplacementCharacter;
      run = i + ill_formed;
      i = run - 1;
      continue;
    }
    out.append(value.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
  }
  out.append(value.data() + run, value.size() - run);
  out.push_back('"');
}

JsonWriter& JsonWriter::Int(int64_t value) {
  BeforeValue();
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  CHECK(ec == std::errc());
  Put(std::string_view(buf, static_cast<std::size_t>(end - buf)));
  return *this;
}

JsonWriter& JsonWriter::Bool(bool value) {
  BeforeValue();
  Put(value ? std::string_view("true") : std::string_view("false"));
  return *this;
}

JsonWriter& JsonWriter::Null() {
  BeforeValue();
  Put(std::string_view("null"));
  return *this;
}

std::string JsonWriter::Take() {
  CHECK(stack_.empty());
  std::string out(buf_.get(), size_);
  size_ = 0;
  return out;
}

void JsonWriter::Grow(std::size_t n) {
  std::size_t cap = cap_ * 2;
  while (cap - size_ < n) cap *= 2;
  std::unique_ptr<char[]> bigger(new char[cap]);
  std::memcpy(bigger.get(), buf_.get(), size_);
  buf_ = std::move(bigger);
  cap_ = cap;
}

void JsonWriter::Put(std::string_view text) {
  std::memcpy(Room(text.size()), text.data(), text.size());
  size_ += text.size();
}

// A string that needs no escaping (nearly all of them) goes in as one piece with its quotes.
void JsonWriter::PutString(std::string_view value) {
  const std::size_t clean = CleanPrefix(value);
  if (clean == value.size()) {
    char* d = Room(value.size() + 2);
    d[0] = '"';
    std::memcpy(d + 1, value.data(), value.size());
    d[value.size() + 1] = '"';
    size_ += value.size() + 2;
    return;
  }
  std::string escaped;
  AppendJsonString(escaped, value);
  Put(escaped);
}

}  // namespace refundd
