#pragma once
// What the Kushki routes share between the online and card-present dialects: authentication by
// a header, body decoding, the sandbox controls, writes through the Engine, and the aliases that
// map Kushki's ids (18-digit ticket numbers, UUID transaction references, tokens) to payments
// and refunds. This is glue: it sequences I/O, so it is not part of the pure translators.
//
// Sandbox controls (documented in docs/dialects/kushki.md). Two request headers let tests and
// sandbox integrations reach states that need time or fixed ids:
//   X-Refundd-Sandbox-Now: <unix ms>   the instant the dialect uses for this request: its time
//                                      rules (void cut-off, 29 s reversal, token expiry) and the
//                                      times it stamps on what it creates
//   X-Refundd-Sandbox-Transaction-Reference: <uuid>   the transactionReference a new charge gets
// They are honoured when the merchant setting "kushki.sandbox_controls" is "on", or when it is
// absent and the merchant is the sandbox merchant (named "sandbox"). Otherwise they are refused
// with K001, so that a production merchant can never move its own clock.

#include <boost/json/value.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/payment.h"
#include "core/refund.h"
#include "dialects/kushki_common/errors.h"
#include "http/router.h"
#include "service/engine.h"
#include "service/errors.h"
#include "store/store.h"

namespace refundd::dialects::kushki {

// Alias kinds (store aliases table).
inline constexpr std::string_view kAliasTicket = "kushki_ticket";                     // -> payment
inline constexpr std::string_view kAliasReference = "kushki_reference";               // -> payment
inline constexpr std::string_view kAliasRefundTicket = "kushki_refund_ticket";        // -> refund
inline constexpr std::string_view kAliasRefundReference = "kushki_refund_reference";  // -> refund
inline constexpr std::string_view kAliasToken = "kushki_token";                       // -> payment
// card-present client_transaction_id -> payment or refund id (see kushki_pos/routes.cc)
inline constexpr std::string_view kAliasClientTransaction = "kushki_pos_client_transaction";
// "<currency>:<local date>" -> the day's unreferenced-refund allowance payment
inline constexpr std::string_view kAliasAllowance = "kushki_unreferenced_day";

inline constexpr std::string_view kSettingSandboxControls = "kushki.sandbox_controls";

// How one dialect answers: the HTTP status of each kind of error, and the Engine's answers.
struct Style {
  int (*status)(KKind kind);
  service::DialectAnswers answers;
};
http::Response Respond(const Style& style, const KError& error);
// A Style with Engine answers built from `status` (in flight and key reused: K001 409; store
// failed: K002).
Style MakeStyle(int (*status)(KKind kind));

struct Sandbox {
  std::optional<int64_t> now_ms;
  std::string transaction_reference;
  int64_t Now(int64_t engine_now_ms) const { return now_ms.value_or(engine_now_ms); }
};

// One request after authentication and decoding.
struct Call {
  service::Engine& engine;
  const Style& style;
  http::Request request;
  http::PathParams path;
  http::Reply reply;
  std::string merchant_id;
  boost::json::value body;
  Sandbox sandbox;

  void Fail(const KError& error) { reply(Respond(style, error)); }
};

struct Auth {
  std::string_view header;   // lower case: "private-merchant-id"
  std::string_view dialect;  // credential dialect: "kushki_online"
};

// Wraps `handler` with: the credential header (missing or unknown: K004, checked before the
// body, as Kushki does), body decoding (K001), and the sandbox headers.
http::RouteHandler Handle(service::Engine& engine, const Style& style, Auth auth,
                          void (*handler)(Call&));

// Whether a request carries `header` (a route's auth claim).
std::function<bool(const http::Request&)> Claims(std::string_view header);

using Run = std::function<http::Response(store::WriteTx& tx, int64_t now_ms, bool& keep)>;
// Runs `run` once through the Engine's writer. With an idempotency key, the same key and request
// get the first answer byte for byte; another request with that key gets K001 (409). `now_ms` is
// the sandbox's instant when one was given.
void Write(Call& call, std::string idempotency_key, Run run);

// Inside a run ---------------------------------------------------------------------------------

// Store failure: roll back this call and answer K002.
http::Response StoreFailed(const Style& style, bool& keep);
// A use case's error in Kushki's words (store errors roll back).
http::Response ErrorOf(const Style& style, const service::UseCaseError& error, bool& keep);

enum class Owner { kPayment, kRefund };
struct Ids {
  std::string ticket_number;          // 18 digits
  std::string transaction_reference;  // UUID v4
};
// Fresh ids for `object_id`, both aliased to it. `preset_reference` (sandbox) is used as given;
// nullopt when it is already taken.
store::StoreResult<std::optional<Ids>> AssignIds(store::WriteTx& tx, const std::string& merchant_id,
                                                 Owner owner, const std::string& object_id,
                                                 const std::string& preset_reference = "");

// The payment or refund an alias names, when it belongs to `dialect`.
store::StoreResult<std::optional<core::Payment>> PaymentByAlias(store::WriteTx& tx,
                                                                const std::string& merchant_id,
                                                                std::string_view kind,
                                                                const std::string& alias,
                                                                std::string_view dialect);
store::StoreResult<std::optional<core::Refund>> RefundByAlias(store::WriteTx& tx,
                                                              const std::string& merchant_id,
                                                              std::string_view kind,
                                                              const std::string& alias,
                                                              std::string_view dialect);

// "123456": an approval code (ISO 8583 field 38).
std::string ApprovalCode();

}  // namespace refundd::dialects::kushki
