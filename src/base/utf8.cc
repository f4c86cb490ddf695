#include "base/utf8.h"

#include <cstdint>
#include <cstring>
#include <utility>

namespace refundd {

// The well-formed sequences, from the Unicode Standard's Table 3-7: the lead byte decides how
// many continuation bytes follow and the range of the first of them (which rules out overlong
// forms, surrogates and code points above U+10FFFF); the others are 80..BF.
std::size_t Utf8SequenceAt(std::string_view text, std::size_t at, std::size_t* ill_formed) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  if (lead < 0x80) return 1;
  std::size_t continuations;
  unsigned char low = 0x80, high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    continuations = 1;
  } else if (lead == 0xE0) {
    continuations = 2, low = 0xA0;
  } else if (lead == 0xED) {
    continuations = 2, high = 0x9F;
  } else if (lead >= 0xE1 && lead <= 0xEF) {
    continuations = 2;
  } else if (lead == 0xF0) {
    continuations = 3, low = 0x90;
  } else if (lead == 0xF4) {
    continuations = 3, high = 0x8F;
  } else if (lead >= 0xF1 && lead <= 0xF3) {
    continuations = 3;
  } else {  // 80..C1 (a continuation, or an overlong two-byte lead) and F5..FF
    *ill_formed = 1;
    return 0;
  }
  std::size_t length = 1;
  for (; length <= continuations; ++length) {
    if (at + length >= text.size()) break;
    const unsigned char c = byte(at + length);
    if (c < low || c > high) break;
    low = 0x80, high = 0xBF;
  }
  if (length > continuations) return length;
  *ill_formed = length;
  return 0;
}

std::size_t ValidUtf8Prefix(std::string_view text) {
  constexpr uint64_t kHighs = 0x8080808080808080ULL;
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    // ASCII, the usual case, eight bytes at a time.
    while (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, text.data() + i, 8);
      if ((w & kHighs) != 0) break;
      i += 8;
    }
    if (i >= n) break;
    std::size_t ill_formed = 0;
    const std::size_t length = Utf8SequenceAt(text, i, &ill_formed);
    if (length == 0) return i;
    i += length;
  }
  return n;
}

void AppendUtf8Repaired(std::string& out, std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t valid = ValidUtf8Prefix(text.substr(i));
    out.append(text.data() + i, valid);
    i += valid;
    if (i == text.size()) break;
    std::size_t ill_formed = 0;
    Utf8SequenceAt(text, i, &ill_formed);
    out += kReplacementCharacter;
    i += ill_formed;
  }
}

void RepairUtf8(std::string& text) {
  const std::size_t valid = ValidUtf8Prefix(text);
  if (valid == text.size()) return;
  std::string repaired(text, 0, valid);
  AppendUtf8Repaired(repaired, std::string_view(text).substr(valid));
  text = std::move(repaired);
}

}  // namespace refundd
