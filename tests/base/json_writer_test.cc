// Proves the response writer emits valid UTF-8 JSON: commas, nesting, escapes, nulls, and U+FFFD
// for ill-formed UTF-8.
#include "base/json_writer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>

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

// An independent reference for UTF-8 repair: the set of every proper prefix (and every complete
// sequence of up to three bytes) of every scalar value's encoding, made with the textbook
// formula; a sequence of four is a proper prefix of three and one continuation byte. At each
// place the longest prefix found there is kept whole when it is complete, else replaced by one
// U+FFFD (one per byte when nothing is found), as the Unicode Standard's maximal subparts.
struct Utf8Reference {
  // A byte string of one to four bytes as a number: its bytes, then its length.
  static uint64_t Key(std::string_view s) {
    uint64_t key = 0;
    for (unsigned char c : s) key = key << 8 | c;
    return key << 3 | s.size();
  }
  std::unordered_set<uint64_t> proper, complete;
  Utf8Reference() {
    for (uint32_t cp = 0; cp <= 0x10FFFF; ++cp) {
      if (cp >= 0xD800 && cp <= 0xDFFF) continue;
      std::string e;
      if (cp < 0x80) {
        e = {static_cast<char>(cp)};
      } else if (cp < 0x800) {
        e = {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
      } else if (cp < 0x10000) {
        e = {static_cast<char>(0xE0 | (cp >> 12)), static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
             static_cast<char>(0x80 | (cp & 0x3F))};
      } else {
        e = {static_cast<char>(0xF0 | (cp >> 18)), static_cast<char>(0x80 | ((cp >> 12) & 0x3F)),
             static_cast<char>(0x80 | ((cp >> 6) & 0x3F))};
        if ((cp & 0x3F) == 0) {
          for (std::size_t k = 1; k <= 3; ++k) {
            proper.insert(Key(std::string_view(e).substr(0, k)));
          }
        }
        continue;
      }
      for (std::size_t k = 1; k < e.size(); ++k) {
        proper.insert(Key(std::string_view(e).substr(0, k)));
      }
      complete.insert(Key(e));
    }
  }
  bool Complete(std::string_view s) const {
    if (s.size() == 4) {
      const auto last = static_cast<unsigned char>(s[3]);
      return proper.count(Key(s.substr(0, 3))) && last >= 0x80 && last <= 0xBF;
    }
    return complete.count(Key(s)) > 0;
  }
  std::string Repair(std::string_view in) const {
    std::string out;
    std::size_t i = 0;
    while (i < in.size()) {
      std::size_t found = 0;
      bool whole = false;
      for (std::size_t k = 1; k <= 4 && i + k <= in.size(); ++k) {
        const std::string_view p = in.substr(i, k);
        if (Complete(p)) {
          found = k, whole = true;
          break;
        }
        if (!proper.count(Key(p))) break;
        found = k;
      }
      if (whole) {
        out += in.substr(i, found);
      } else {
        out += "\xEF\xBF\xBD";
      }
      i += found == 0 ? 1 : found;
    }
    return out;
  }
};

const Utf8Reference& Reference() {
  static const Utf8Reference* reference = new Utf8Reference();
  return *reference;
}

// The escaper skips clean ASCII eight bytes at a time: every byte value, at every place in a
// string longer than one word and among ASCII, well-formed UTF-8 of every length and ill-formed
// bytes, is written exactly as a byte-by-byte reference does (escapes, and U+FFFD for each
// ill-formed subpart), by AppendJsonString and by the writer.
TEST(JsonWriter, EscapesEveryByteWhereverItStands) {
  auto reference = [](const std::string& raw) {
    static constexpr char kHex[] = "0123456789abcdef";
    const std::string in = Reference().Repair(raw);
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
  const std::string fillers[] = {"a",  "\xc3", "\x7f", "\x21", " ", "\xff", "\xc3\xa9",
                                 "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xed\xa0\x80"};
  for (std::size_t length = 1; length <= 19; ++length) {
    for (int byte = 0; byte < 256; ++byte) {
      for (std::size_t at = 0; at < length; ++at) {
        for (const std::string& filler : fillers) {
          std::string in;
          while (in.size() < length) in += filler;
          in.resize(length);
          in[at] = static_cast<char>(byte);
          const std::string expected = reference(in);
          std::string out;
          AppendJsonString(out, in);
          ASSERT_EQ(out, expected) << "byte " << byte << " at " << at << " of " << length;
          JsonWriter w;
          w.String(in);
          ASSERT_EQ(w.Take(), expected) << "byte " << byte << " at " << at << " of " << length;
          JsonWriter keys;  // keys take their own path: comma, key and colon in one piece
          keys.BeginObject().Key(in).Int(1).Key(in).Int(2).EndObject();
          ASSERT_EQ(keys.Take(), "{" + expected + ":1," + expected + ":2}")
              << "byte " << byte << " at " << at << " of " << length;
        }
      }
    }
  }
}

// Table 3-8 of the Unicode Standard (chapter 3.9): the example of U+FFFD for maximal subparts.
TEST(JsonWriter, IllFormedUtf8BecomesOneReplacementPerMaximalSubpart) {
  const std::string r = "\xEF\xBF\xBD";
  struct Row {
    std::string in, out;
  } rows[] = {
      {"re_\xff\xfe", "\"re_" + r + r + "\""},
      {"pi_\xc3\x28", "\"pi_" + r + "(\""},
      {"\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64",
       "\"a" + r + r + r + "b" + r + "c" + r + r + "d\""},
      {"\xed\xa0\x80", "\"" + r + r + r + "\""},        // a surrogate
      {"\xf4\x90\x80\x80", "\"" + r + r + r + r + "\""},  // above U+10FFFF
      {"\xe2\x82", "\"" + r + "\""},                      // cut short
      {"caf\xc3\xa9 \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xf0\x9f\x98\x80\""},  // kept
  };
  for (const Row& row : rows) {
    std::string out;
    AppendJsonString(out, row.in);
    EXPECT_EQ(out, row.out);
  }
}

}  // namespace
}  // namespace refundd
