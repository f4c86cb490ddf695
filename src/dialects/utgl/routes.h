#pragma once
// UTGL Partner Connect's routes: Basic auth, JSON decoding, and each request translated into a
// service::Command (card bindings are aliases whose values are the card's face) on the dialect
// kit (dialects/common/kit.h). Every answer carries an x-request-id header. See
// docs/dialects/utgl.md.

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "core/merchant.h"
#include "http/router.h"
#include "service/engine.h"

namespace refundd::dialects::utgl {

// Registers every UTGL route. `engine` must outlive the router.
void RegisterRoutes(http::Router& router, service::Engine& engine);

// The stored form of a password: SHA-256 hex of "username:password" (the password is never kept).
std::string PasswordLookup(std::string_view username, std::string_view password);

// A new merchant's Basic credentials: the row (lookup = username, secret = PasswordLookup) and
// shown["utgl"] = {"username", "password"}.
void NewCredentials(const std::string& merchant_id, std::vector<core::Credential>& out,
                    boost::json::object& shown);

}  // namespace refundd::dialects::utgl
