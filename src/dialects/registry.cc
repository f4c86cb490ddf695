#include "dialects/registry.h"

#include "dialects/d24/routes.h"
#include "dialects/d24/translate.h"
#include "dialects/d24/webhooks.h"
#include "dialects/kushki_common/webhooks.h"
#include "dialects/kushki_common/credentials.h"
#include "dialects/kushki_common/aliases.h"
#include "dialects/kushki_online/routes.h"
#include "dialects/kushki_pos/routes.h"
#include "dialects/native/routes.h"
#include "dialects/native/webhooks.h"
#include "dialects/rapyd/routes.h"
#include "dialects/rapyd/webhooks.h"
#include "dialects/utgl/routes.h"
#include "dialects/utgl/translate.h"
#include "dialects/utgl/webhooks.h"

namespace refundd::dialects {

void RegisterAllRoutes(http::Router& router, service::Engine& engine) {
  d24::RegisterRoutes(router, engine);
  kushki_online::RegisterRoutes(router, engine);
  kushki_pos::RegisterRoutes(router, engine);
  rapyd::RegisterRoutes(router, engine);   // before native: they share /v1/refunds
  native::RegisterRoutes(router, engine);  // after Kushki and Rapyd: its error space is all of /v1
  utgl::RegisterRoutes(router, engine);
}

void RegisterAllWebhookFormats(webhooks::Formats& formats) {
  formats.Add(native::NewWebhookFormat());
  formats.Add(d24::NewWebhookFormat());
  formats.Add(kushki::NewWebhookFormat(kushki::kOnlineDialect, /*asynchronous=*/true));
  formats.Add(kushki::NewWebhookFormat(kushki::kPosDialect, /*asynchronous=*/false));
  formats.Add(rapyd::NewWebhookFormat());
  formats.Add(utgl::NewWebhookFormat());
}

std::vector<core::Credential> NewCredentials(const std::string& merchant_id,
                                             boost::json::object& shown) {
  std::vector<core::Credential> out;
  native::NewCredentials(merchant_id, out, shown);
  d24::NewCredentials(merchant_id, out, shown);
  kushki::NewCredentials(merchant_id, out, shown);  // kushki_online, kushki_public, kushki_pos
  rapyd::NewCredentials(merchant_id, out, shown);
  utgl::NewCredentials(merchant_id, out, shown);
  return out;
}

std::vector<std::string_view> RefundAliasKinds() {
  return {d24::kRefundAlias, kushki::kAliasRefundTicket, utgl::kRefundAlias};
}

}  // namespace refundd::dialects
