#pragma once
// Hashes, MACs and encodings over OpenSSL, for credentials, fingerprints and signatures.
// Pure functions, thread-safe.

#include <string>
#include <string_view>

namespace refundd::crypto {

std::string Sha256Hex(std::string_view data);                            // lowercase hex
std::string HmacSha256(std::string_view key, std::string_view data);     // raw 32 bytes
std::string HmacSha256Hex(std::string_view key, std::string_view data);  // lowercase hex
std::string HexLower(std::string_view bytes);
std::string Base64(std::string_view bytes);
// Standard base64 with padding; false for anything else.
bool Base64Decode(std::string_view text, std::string& out);
// Compares in time independent of where the inputs differ (lengths may leak).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace refundd::crypto
