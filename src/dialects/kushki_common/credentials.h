#pragma once
// Kushki credentials. One merchant has, as in Kushki's console:
//   public_merchant_id     Public-Merchant-Id header, card tokens (credential dialect
//   kushki_public) private_merchant_id    Private-Merchant-Id header, online server calls
//   (kushki_online) private_credential_id  Private-Credential-Id header, card-present calls
//   (kushki_pos) webhook_signature      the key Kushki signs webhooks with: kept, unhashed, as the
//   secret of
//                          the kushki_online credential row (the lifecycle issue signs with it)
// Each is 32 lower-case hex characters, like Kushki's. Only SHA-256 lookups of the ids are stored.

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/merchant.h"

namespace refundd::dialects::kushki {

inline constexpr std::string_view kOnlineDialect = "kushki_online";
inline constexpr std::string_view kPublicDialect = "kushki_public";
inline constexpr std::string_view kPosDialect = "kushki_pos";

// The stored lookup form of a merchant or credential id.
std::string CredentialLookup(std::string_view id);

// Appends the three credential rows to `out` and shows the four values once as
// shown["kushki"] = {"public_merchant_id", "private_merchant_id", "private_credential_id",
// "webhook_signature"}.
void NewCredentials(const std::string& merchant_id, std::vector<core::Credential>& out,
                    boost::json::object& shown);

}  // namespace refundd::dialects::kushki
