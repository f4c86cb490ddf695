#pragma once
// What the two Kushki APIs (online and card-present) add to the dialect kit
// (dialects/common/kit.h): authentication by a credential header, body decoding and the sandbox
// controls (one DialectSpec per API), the answers in Kushki's words (errors, refused commands),
// and the ids an operation shows (18-digit ticket numbers, UUID transaction references), minted
// in the translator and written as aliases by the command.
//
// Sandbox controls (documented in docs/dialects/kushki.md). Two request headers let tests and
// sandbox integrations reach states that need time or fixed ids:
//   X-Refundd-Sandbox-Now: <unix ms>   the instant the dialect uses for this request: its time
//                                      rules (void cut-off, 29 s reversal, token expiry) and the
//                                      times it stamps on what it creates (common::Call::now_ms)
//   X-Refundd-Sandbox-Transaction-Reference: <uuid>   the transactionReference a new charge gets
//                                      (common::Call::extra)
// They are honoured when the merchant setting "kushki.sandbox_controls" is "on", or when it is
// absent and the merchant is the sandbox merchant (named "sandbox"). Otherwise they are refused
// with K001, so that a production merchant can never move its own clock.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "dialects/common/kit.h"
#include "dialects/kushki_common/aliases.h"
#include "dialects/kushki_common/errors.h"
#include "service/command.h"

namespace refundd::dialects::kushki {

inline constexpr std::string_view kSettingSandboxControls = "kushki.sandbox_controls";

// The HTTP status each kind of error gets in one API.
using StatusFn = int (*)(KKind kind);

// How one Kushki API authenticates and answers.
struct Api {
  std::string_view dialect;             // its payments' and commands' dialect: "kushki_online"
  std::string_view header;              // the credential header, lower case
  std::string_view credential_dialect;  // its credential rows: "kushki_online", "kushki_public"
  StatusFn status;
  std::string_view idempotency_header;  // lower case; "" when the key comes from the body
};

// The spec of `api`: the credential header (missing or unknown: K004, checked before the body,
// as Kushki does), the body (K001), then the sandbox headers. A key in flight or reused with
// another request: K001 409; the store failed: K002; a key over 255 characters: K001.
common::DialectSpec MakeSpec(const Api& api);
// Whether a request carries `header` (a route's claim: its API's credential header).
std::function<bool(const http::Request&)> Claims(std::string_view header);

http::Response Respond(StatusFn status, const KError& error);
http::Response Ok(std::string body);  // 200, application/json

// A Kushki error a command's hook found, carried whole to the answer (and the key's record).
service::Refusal Refused(StatusFn status, const KError& error);
// The answer to a refused command: the core's refusals by ErrorFor, `not_found` for an object the
// command names that does not exist, a taken alias a client chose (the sandbox's transaction
// reference, a card-present client_transaction_id) as K001 409, a hook's error as it found it.
http::Response RefusalAnswer(StatusFn status, const service::Refusal& refusal,
                             const KError& not_found);

// "client_transaction_id was already used" (409).
KError ClientIdTaken();

// A command of `dialect` for the call's merchant.
service::Command NewCommand(const common::Call& call, std::string_view dialect);

// The ids one operation shows.
struct Ids {
  std::string ticket_number;          // 18 digits
  std::string transaction_reference;  // UUID v4
};
// Fresh ids; `preset_reference` (the sandbox's), when given, is the transaction reference.
Ids MintIds(const std::string& preset_reference = "");
enum class Owner { kPayment, kRefund };
// Appends the aliases of `ids` to the command's payment or refund. Minted ids that are taken
// make the kit translate again; a preset reference that is taken refuses the command
// (kAliasTaken of kAliasReference).
void AddAliases(std::vector<service::AliasWrite>& aliases, const Ids& ids, Owner owner,
                bool preset_reference = false);

// The finish hook of a capture: its ids, and its instant as the sale's approval, on the payment.
service::Hook RecordCapture(Ids ids);
// Records a released (voided) authorization's ids on its payment.
void RecordRelease(core::Payment& payment, const Ids& ids);

// "123456": an approval code (ISO 8583 field 38).
std::string ApprovalCode();

using Render = std::function<http::Response(const service::Outcome&)>;
// Renders an Outcome with `ok`, or its refusal with `refused`.
template <typename OkFn, typename RefusedFn>
Render RenderWith(OkFn ok, RefusedFn refused) {
  return [ok, refused](const service::Outcome& o) { return o.ok() ? ok(o) : refused(*o.refusal); };
}

}  // namespace refundd::dialects::kushki
