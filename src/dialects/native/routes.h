#pragma once
// The native API's routes: auth (Bearer secret key), decoding, the translator, and the service's
// use cases, sequenced per request. See docs/native-api.md.

#include "http/router.h"
#include "service/engine.h"

namespace refundd::dialects::native {

// Whether a request carries the native auth scheme (Authorization: Bearer|Basic).
bool ClaimsRequest(const http::Request& request);

// Registers every native route. `engine` must outlive the router.
void RegisterRoutes(http::Router& router, service::Engine& engine);

// The credential stored for a new secret key, and the key's lookup form.
std::string SecretKeyLookup(std::string_view secret_key);

}  // namespace refundd::dialects::native
