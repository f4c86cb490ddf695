#pragma once
// The list of dialects refundd speaks. Adding a provider means one folder under src/dialects/
// and one line in each function of registry.cc.

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/merchant.h"
#include "http/router.h"
#include "service/engine.h"
#include "webhooks/format.h"

namespace refundd::dialects {

// Registers every dialect's routes and error spaces (who answers 404/405 under which prefix).
// Order matters where dialects share a path: the router asks each route's auth scheme, and each
// error space's claim, in registration order.
void RegisterAllRoutes(http::Router& router, service::Engine& engine);

// Adds every dialect's lifecycle mapping (state words, sandbox instrument, events, signatures).
void RegisterAllWebhookFormats(webhooks::Formats& formats);

// Makes a fresh credential set for a new merchant in every dialect: the rows to store, and the
// secrets to show once, as `credentials.<dialect>` of `merchants create`'s output.
std::vector<core::Credential> NewCredentials(const std::string& merchant_id,
                                             boost::json::object& shown);

// The alias kinds under which dialects show their refunds' ids (a D24 refund_id, a Kushki ticket
// number, a UTGL refundTransactionId): how tools find a refund by the id a client has.
std::vector<std::string_view> RefundAliasKinds();

}  // namespace refundd::dialects
