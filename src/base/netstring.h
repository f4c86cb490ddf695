#pragma once
// Netstrings ("<length>:<bytes>,"): a compact, self-delimiting text encoding for values that
// refundd stores and reads back (replayable outcomes, event snapshots). Text-safe as long as the
// values are (PostgreSQL text columns refuse NUL, so stored values never hold one). A Reader
// treats its input as untrusted: every malformed or truncated piece is an error, never a crash.

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace refundd {

class NetstringWriter {
 public:
  NetstringWriter& Str(std::string_view s) {
    out_.append(std::to_string(s.size()));
    out_.push_back(':');
    out_.append(s);
    out_.push_back(',');
    return *this;
  }
  NetstringWriter& Int(int64_t v) { return Str(std::to_string(v)); }
  NetstringWriter& Bool(bool v) { return Str(v ? "1" : "0"); }
  const std::string& str() const& { return out_; }
  std::string str() && { return std::move(out_); }

 private:
  std::string out_;
};

class NetstringReader {
 public:
  explicit NetstringReader(std::string_view in) : in_(in) {}

  // The next string, or nullopt when the input is malformed or exhausted (then ok() is false).
  std::optional<std::string_view> Str() {
    if (!ok_) return std::nullopt;
    std::size_t colon = in_.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 10) return Fail();
    std::size_t n = 0;
    auto [p, ec] = std::from_chars(in_.data(), in_.data() + colon, n);
    if (ec != std::errc() || p != in_.data() + colon) return Fail();
    if (in_.size() - colon - 1 < n + 1 || in_[colon + 1 + n] != ',') return Fail();
    std::string_view s = in_.substr(colon + 1, n);
    in_.remove_prefix(colon + 2 + n);
    return s;
  }
  bool Str(std::string& out) {
    auto s = Str();
    if (s) out.assign(*s);
    return s.has_value();
  }
  bool Int(int64_t& out) {
    auto s = Str();
    if (!s || s->empty()) return Fail(), false;
    auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), out);
    if (ec != std::errc() || p != s->data() + s->size()) return Fail(), false;
    return true;
  }
  bool Int(int& out) {
    int64_t v = 0;
    if (!Int(v) || v < INT32_MIN || v > INT32_MAX) return Fail(), false;
    out = static_cast<int>(v);
    return true;
  }
  bool Bool(bool& out) {
    auto s = Str();
    if (!s || (*s != "0" && *s != "1")) return Fail(), false;
    out = *s == "1";
    return true;
  }
  bool ok() const { return ok_; }
  bool done() const { return ok_ && in_.empty(); }

 private:
  std::nullopt_t Fail() {
    ok_ = false;
    return std::nullopt;
  }
  std::string_view in_;
  bool ok_ = true;
};

}  // namespace refundd
