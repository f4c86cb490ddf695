#pragma once
// The Kushki card-present ("Raw API") routes: Private-Credential-Id auth, decoding, the
// translator, and the service's use cases, sequenced per request.
//   POST /pos/v1/charge            a card-present sale
//   POST /pos/v1/preauthorization  an authorization, captured later
//   POST /pos/v1/capture           captures a pre-authorization (transaction_reference)
//   POST /pos/v1/void              same-day void of a sale or pre-authorization
//   POST /pos/v1/reverse           reversal within 29 s of a sale, pre-authorization or refund
//   POST /pos/v1/refund            refund: card read, cardless (omit_card), or unreferenced
// Kushki publishes only the refund's path; the others follow its conventions. The idempotency key
// is the body's client_transaction_id. See docs/dialects/kushki.md.

#include "http/router.h"
#include "service/engine.h"

namespace refundd::dialects::kushki_pos {

// Registers every route. `engine` must outlive the router.
void RegisterRoutes(http::Router& router, service::Engine& engine);

}  // namespace refundd::dialects::kushki_pos
