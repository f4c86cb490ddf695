#pragma once
// Opaque, unguessable identifiers: a prefix plus random base62 characters from the kernel's CSPRNG.
// Thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

namespace refundd {

// prefix + `length` random characters from [0-9A-Za-z] (about 5.95 bits each).
std::string RandomId(std::string_view prefix, int length = 24);
// prefix + 8 characters of `now_ms` in base62 + `random_length` random characters. Ids made this
// way sort by creation time, so database indexes on them grow at one end instead of touching a
// random page per insert; the random part keeps them unguessable.
std::string SortableId(std::string_view prefix, int64_t now_ms, int random_length = 16);
// `digits` random decimal digits, the first one non-zero (e.g. Kushki's 18-digit ticket numbers).
std::string RandomDigits(int digits);
// Fills `out` with random bytes; aborts if the kernel cannot provide them.
void RandomBytes(unsigned char* out, std::size_t n);

}  // namespace refundd
