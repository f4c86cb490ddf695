#pragma once
// The D24 deposits API v3 routes: signature auth (auth.h), JSON decoding, the translator, and the
// service's use cases, sequenced per request. See docs/dialects/d24.md.

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "core/merchant.h"
#include "http/router.h"
#include "service/engine.h"

namespace refundd::dialects::d24 {

// Registers every D24 route. `engine` must outlive the router.
void RegisterRoutes(http::Router& router, service::Engine& engine);

// A new merchant's D24 keys: appends the credential row (lookup = X-Login, secret = the signing
// key, kept to verify signatures) and shows shown["d24"] = {"x_login", "secret_key"}.
void NewCredentials(const std::string& merchant_id, std::vector<core::Credential>& out,
                    boost::json::object& shown);

}  // namespace refundd::dialects::d24
