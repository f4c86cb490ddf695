#include "base/json_writer.h"

#include <charconv>

#include "base/check.h"

namespace refundd {

void JsonWriter::BeforeValue() {
  if (stack_.empty()) return;
  Level& top = stack_.back();
  if (top.is_object) {
    CHECK(top.expecting_value);
    top.expecting_value = false;
    return;
  }
  if (!top.empty) out_.push_back(',');
  top.empty = false;
}

JsonWriter& JsonWriter::BeginObject() {
  BeforeValue();
  out_.push_back('{');
  stack_.push_back({true});
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  CHECK(!stack_.empty() && stack_.back().is_object && !stack_.back().expecting_value);
  stack_.pop_back();
  out_.push_back('}');
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  BeforeValue();
  out_.push_back('[');
  stack_.push_back({false});
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  CHECK(!stack_.empty() && !stack_.back().is_object);
  stack_.pop_back();
  out_.push_back(']');
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  CHECK(!stack_.empty() && stack_.back().is_object && !stack_.back().expecting_value);
  Level& top = stack_.back();
  if (!top.empty) out_.push_back(',');
  top.empty = false;
  AppendJsonString(out_, key);
  out_.push_back(':');
  top.expecting_value = true;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view value) {
  BeforeValue();
  AppendJsonString(out_, value);
  return *this;
}

namespace {
bool NeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }
}  // namespace

// Runs of characters that need no escaping are appended in one piece.
void AppendJsonString(std::string& out, std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    if (!NeedsEscape(c)) continue;
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
  out_.append(buf, end);
  return *this;
}

JsonWriter& JsonWriter::Bool(bool value) {
  BeforeValue();
  out_ += value ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::Null() {
  BeforeValue();
  out_ += "null";
  return *this;
}

std::string JsonWriter::Take() {
  CHECK(stack_.empty());
  return std::move(out_);
}

}  // namespace refundd
