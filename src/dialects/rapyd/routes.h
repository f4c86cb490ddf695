#pragma once
// Rapyd's routes: signature auth (auth.h), JSON decoding, and each write translated into a
// service::Command on the dialect kit (dialects/common/kit.h); reads go through service::Reads.
// Rapyd shares /v1/refunds with the native API: its routes claim only requests that carry an
// access_key header. See docs/dialects/rapyd.md.

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "core/merchant.h"
#include "http/router.h"
#include "service/engine.h"

namespace refundd::dialects::rapyd {

// Whether a request carries Rapyd's auth scheme (an access_key header).
bool ClaimsRequest(const http::Request& request);

// Registers every Rapyd route; call it before the native routes so that Rapyd's claim is asked
// first on the paths they share. `engine` must outlive the router.
void RegisterRoutes(http::Router& router, service::Engine& engine);

// A new merchant's Rapyd keys: the credential row (lookup = access_key, secret = secret_key,
// kept to verify signatures) and shown["rapyd"] = {"access_key", "secret_key"}.
void NewCredentials(const std::string& merchant_id, std::vector<core::Credential>& out,
                    boost::json::object& shown);

}  // namespace refundd::dialects::rapyd
