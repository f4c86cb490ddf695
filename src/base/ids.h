#pragma once
// Opaque, unguessable identifiers: a prefix plus random base62 characters from the kernel's CSPRNG.
// Thread-safe.

#include <string>
#include <string_view>

namespace refundd {

// prefix + `length` random characters from [0-9A-Za-z] (about 5.95 bits each).
std::string RandomId(std::string_view prefix, int length = 24);
// `digits` random decimal digits, the first one non-zero (e.g. Kushki's 18-digit ticket numbers).
std::string RandomDigits(int digits);
// Fills `out` with random bytes; aborts if the kernel cannot provide them.
void RandomBytes(unsigned char* out, std::size_t n);

}  // namespace refundd
