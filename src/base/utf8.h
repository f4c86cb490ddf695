#pragma once
// UTF-8 validity and repair for text that leaves refundd (JSON bodies, above all). Bytes from
// outside (a percent-decoded path, a header) may be anything; a JSON text must be UTF-8 (RFC 8259
// section 8.1), and a JSON string cannot carry a raw byte (an escape names a code point).
// refundd's choice: each ill-formed sequence is replaced by U+FFFD, one per maximal subpart (the
// Unicode Standard's recommended practice, chapter 3.9, "U+FFFD Substitution of Maximal
// Subparts", as WHATWG's decoder does), so "re_\xff\xfe" is written "re_\uFFFD\uFFFD" and
// well-formed text is never changed. Pure functions, thread-safe.

#include <cstddef>
#include <string>
#include <string_view>

namespace refundd {

// U+FFFD REPLACEMENT CHARACTER, in UTF-8.
inline constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

// The length of the well-formed UTF-8 sequence that starts at text[at] (1 to 4), or 0 when the
// bytes there are ill-formed; then `*ill_formed` is the length of the maximal subpart (1 to 3),
// the bytes one U+FFFD replaces. `at` < text.size().
std::size_t Utf8SequenceAt(std::string_view text, std::size_t at, std::size_t* ill_formed);

// The length of the longest prefix of `text` that is well-formed UTF-8.
std::size_t ValidUtf8Prefix(std::string_view text);

inline bool IsValidUtf8(std::string_view text) { return ValidUtf8Prefix(text) == text.size(); }

// Appends `text` to `out` with each maximal ill-formed subpart replaced by U+FFFD.
void AppendUtf8Repaired(std::string& out, std::string_view text);

// Replaces, in place, each maximal ill-formed subpart of `text` by U+FFFD. Applied to a JSON
// document, the result is still the same JSON document: ill-formed bytes can only stand inside
// its strings (every byte outside them is ASCII), and a subpart never takes in an ASCII byte.
void RepairUtf8(std::string& text);

}  // namespace refundd
