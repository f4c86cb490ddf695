// Proves UTF-8 validation and repair: well-formed text is kept byte for byte, each maximal
// ill-formed subpart becomes one U+FFFD, and a repaired JSON document is still the same document.
#include "base/utf8.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

namespace refundd {
namespace {

const std::string kR(kReplacementCharacter);

TEST(Utf8, WellFormedTextIsValidAndKept) {
  for (const std::string& text :
       std::initializer_list<std::string>{"", "plain ascii, longer than one word", "caf\xc3\xa9",
                                          "\xe2\x82\xac 5", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf",
                                          "\xed\x9f\xbf", std::string("nul\0inside", 10)}) {
    EXPECT_TRUE(IsValidUtf8(text)) << text;
    std::string repaired = text;
    RepairUtf8(repaired);
    EXPECT_EQ(repaired, text);
  }
}

TEST(Utf8, IllFormedSequencesAreReplacedOnePerMaximalSubpart) {
  struct Row {
    std::string in, out;
    std::size_t valid_prefix;
  } rows[] = {
      {"re_\xff\xfe", "re_" + kR + kR, 3},
      {"pi_\xc3\x28", "pi_" + kR + "(", 3},
      {"\xc0\xaf", kR + kR, 0},                    // overlong
      {"\xe0\x80\xaf", kR + kR + kR, 0},           // overlong
      {"\xed\xa0\x80", kR + kR + kR, 0},           // a surrogate
      {"\xf4\x90\x80\x80", kR + kR + kR + kR, 0},  // above U+10FFFF
      {"\xf0\x9f\x98", kR, 0},                     // cut short at the end
      {"abcdefgh\xe2\x82z", "abcdefgh" + kR + "z", 8},
      {"\x80\xbf", kR + kR, 0},
  };
  for (const Row& row : rows) {
    EXPECT_FALSE(IsValidUtf8(row.in));
    EXPECT_EQ(ValidUtf8Prefix(row.in), row.valid_prefix);
    std::string out;
    AppendUtf8Repaired(out, row.in);
    EXPECT_EQ(out, row.out);
    std::string in_place = row.in;
    RepairUtf8(in_place);
    EXPECT_EQ(in_place, row.out);
    EXPECT_TRUE(IsValidUtf8(out));
  }
}

// A JSON document whose strings carry raw bytes (as Boost.JSON's serializer writes them) keeps
// its quotes and structure: a subpart never swallows an ASCII byte.
TEST(Utf8, ARepairedJsonDocumentKeepsItsStructure) {
  std::string doc = "{\"message\":\"No such refund: 're_\xff\xe2\"},\"x\":\"\xf0\x9f\"}";
  RepairUtf8(doc);
  EXPECT_EQ(doc, "{\"message\":\"No such refund: 're_" + kR + kR + "\"},\"x\":\"" + kR + "\"}");
}

}  // namespace
}  // namespace refundd
