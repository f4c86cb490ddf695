#pragma once
// The Kushki online card API's routes: Private-Merchant-Id / Public-Merchant-Id auth, decoding,
// the translator, and the service's use cases, sequenced per request.
//   POST   /card/v1/tokens                 (Public-Merchant-Id) a single-use card token
//   POST   /card/v1/charges                a sale with a token
//   POST   /card/v1/preAuthorization       an authorization with a token
//   POST   /card/v1/capture                captures a pre-authorization by ticketNumber
//   DELETE /v1/charges/{ticketNumber}      void (by the time rules, a refund after the cut-off)
//   DELETE /v1/refund/{ticketNumber}       refund, full or partial (a void before the cut-off)
// See docs/dialects/kushki.md.

#include "http/router.h"
#include "service/engine.h"

namespace refundd::dialects::kushki_online {

// Registers every route. `engine` must outlive the router.
void RegisterRoutes(http::Router& router, service::Engine& engine);

}  // namespace refundd::dialects::kushki_online
