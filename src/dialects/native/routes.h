#pragma once
// The native API's routes: auth (Bearer secret key), decoding, the translator, and the service's
// use cases, sequenced per request. See docs/native-api.md.

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "core/merchant.h"
#include "http/router.h"
#include "service/engine.h"

namespace refundd::dialects::native {

// Whether a request carries the native auth scheme (Authorization: Bearer|Basic).
bool ClaimsRequest(const http::Request& request);

// Registers every native route. `engine` must outlive the router.
void RegisterRoutes(http::Router& router, service::Engine& engine);

// The lookup form of a secret key (its SHA-256): the key itself is never stored.
std::string SecretKeyLookup(std::string_view secret_key);

// A new merchant's native secret key: appends the credential row to `out` and the key to
// shown["native"] = {"secret_key": ...}.
void NewCredentials(const std::string& merchant_id, std::vector<core::Credential>& out,
                    boost::json::object& shown);

}  // namespace refundd::dialects::native
