#include "app/merchants.h"

#include <boost/json.hpp>

#include "base/ids.h"
#include "dialects/registry.h"

namespace refundd::app {

Result<std::string, std::string> CreateMerchant(store::Store& store, const std::string& name,
                                                int64_t now_ms) {
  if (name.empty() || name.size() > 100) {
    return Err(std::string("a merchant name is 1 to 100 characters"));
  }
  auto existing = store.FindMerchantByName(name);
  if (!existing.ok()) return Err("store: " + existing.error().message);
  if (existing.value()) return Err("a merchant named '" + name + "' already exists");

  core::Merchant merchant{RandomId("mer_", 16), name, now_ms};
  boost::json::object shown;
  std::vector<core::Credential> credentials = dialects::NewCredentials(merchant.id, shown);
  auto created = store.CreateMerchant(merchant, credentials);
  if (!created.ok()) return Err("cannot create merchant: " + created.error().message);

  boost::json::object out;
  out["id"] = merchant.id;
  out["name"] = merchant.name;
  out["credentials"] = std::move(shown);
  return boost::json::serialize(out);
}

}  // namespace refundd::app
