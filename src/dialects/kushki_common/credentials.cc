#include "dialects/kushki_common/credentials.h"

#include "base/ids.h"
#include "crypto/crypto.h"

namespace refundd::dialects::kushki {

namespace {
std::string RandomHex32() {
  unsigned char bytes[16];
  RandomBytes(bytes, sizeof bytes);
  return crypto::HexLower(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}
}  // namespace

std::string CredentialLookup(std::string_view id) { return crypto::Sha256Hex(id); }

void NewCredentials(const std::string& merchant_id, std::vector<core::Credential>& out,
                    boost::json::object& shown) {
  const std::string public_id = RandomHex32();
  const std::string private_id = RandomHex32();
  const std::string credential_id = RandomHex32();
  const std::string webhook_signature = RandomHex32();
  out.push_back(
      {std::string(kOnlineDialect), CredentialLookup(private_id), merchant_id, webhook_signature});
  out.push_back({std::string(kPublicDialect), CredentialLookup(public_id), merchant_id, ""});
  out.push_back({std::string(kPosDialect), CredentialLookup(credential_id), merchant_id, ""});
  shown["kushki"] = boost::json::object{{"public_merchant_id", public_id},
                                        {"private_merchant_id", private_id},
                                        {"private_credential_id", credential_id},
                                        {"webhook_signature", webhook_signature}};
}

}  // namespace refundd::dialects::kushki
