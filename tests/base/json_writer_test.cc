// Proves the response writer emits valid JSON: commas, nesting, escapes and nulls.
#include "base/json_writer.h"

#include <gtest/gtest.h>

#include <string>

namespace refundd {
namespace {

TEST(JsonWriter, WritesNestedObjectsAndArrays) {
  JsonWriter w;
  w.BeginObject().Key("a").Int(1).Key("b").BeginArray().Int(-2).String("x").Null().EndArray();
  w.Key("c").BeginObject().EndObject().Key("d").Bool(true).Key("e").StringOrNull("").EndObject();
  EXPECT_EQ(w.Take(), R"({"a":1,"b":[-2,"x",null],"c":{},"d":true,"e":null})");
}

TEST(JsonWriter, EscapesWhatJsonRequires) {
  JsonWriter w;
  w.BeginObject().Key("k\"\\").String("line\nquote\"tab\t\x01 é").EndObject();
  EXPECT_EQ(w.Take(), "{\"k\\\"\\\\\":\"line\\nquote\\\"tab\\t\\u0001 é\"}");
}

// The writer keeps the document in a buffer of its own that grows as needed: a document many
// times its first capacity comes out whole, every clean and escaped string in its place.
TEST(JsonWriter, ALongDocumentComesOutWhole) {
  JsonWriter w;
  std::string expected = "[";
  w.BeginArray();
  for (int i = 0; i < 5000; ++i) {
    const std::string text = i % 7 == 0 ? "q\"" + std::to_string(i) : std::string(i % 40, 'x');
    w.String(text).Int(i);
    if (i > 0) expected += ',';
    expected += (i % 7 == 0 ? "\"q\\\"" + std::to_string(i) + "\"" : "\"" + text + "\"") + "," +
                std::to_string(i);
  }
  w.EndArray();
  expected += "]";
  EXPECT_EQ(w.Take(), expected);
}

// The escaper skips clean text eight bytes at a time: every byte value, at every place in a
// string longer than one word and next to bytes of 0x80 and above (UTF-8), is escaped exactly as
// a byte-by-byte reference does, by AppendJsonString and by the writer.
TEST(JsonWriter, EscapesEveryByteWhereverItStands) {
  auto reference = [](const std::string& in) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "\"";
    for (unsigned char c : in) {
      if (c == '"') out += "\\\"";
      else if (c == '\\') out += "\\\\";
      else if (c == '\n') out += "\\n";
      else if (c == '\r') out += "\\r";
      else if (c == '\t') out += "\\t";
      else if (c < 0x20) out += std::string("\\u00") + kHex[c >> 4] + kHex[c & 15];
      else out.push_back(static_cast<char>(c));
    }
    return out + "\"";
  };
  for (std::size_t length = 1; length <= 19; ++length) {
    for (int byte = 0; byte < 256; ++byte) {
      for (std::size_t at = 0; at < length; ++at) {
        for (char filler : {'a', '\xc3', '\x7f', '\x21', ' ', '\xff'}) {
          std::string in(length, filler);
          in[at] = static_cast<char>(byte);
          std::string out;
          AppendJsonString(out, in);
          ASSERT_EQ(out, reference(in)) << "byte " << byte << " at " << at << " of " << length;
          JsonWriter w;
          w.String(in);
          ASSERT_EQ(w.Take(), reference(in)) << "byte " << byte << " at " << at << " of " << length;
          JsonWriter keys;  // keys take their own path: comma, key and colon in one piece
          keys.BeginObject().Key(in).Int(1).Key(in).Int(2).EndObject();
          ASSERT_EQ(keys.Take(), "{" + reference(in) + ":1," + reference(in) + ":2}")
              << "byte " << byte << " at " << at << " of " << length;
        }
      }
    }
  }
}

}  // namespace
}  // namespace refundd
