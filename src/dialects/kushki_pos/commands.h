#pragma once
// What the card-present commands share (routes.cc: sales, captures, voids, reversals;
// refund_routes.cc: refunds): the API's spec and answers, the client_transaction_id rules, and
// the command that gives a sale's money back. Internal to kushki_pos.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/rules.h"
#include "dialects/common/kit.h"
#include "dialects/kushki_common/attrs.h"
#include "dialects/kushki_common/credentials.h"
#include "dialects/kushki_common/kit.h"
#include "dialects/kushki_common/time_rules.h"
#include "dialects/kushki_pos/translate.h"

namespace refundd::dialects::kushki_pos {

using common::Call;
using common::Translated;
using common::Translation;
using kushki::Error;
using kushki::KCode;
using service::Outcome;
using service::Refusal;

inline constexpr std::string_view kDialect = kushki::kPosDialect;

const common::DialectSpec& Spec();
http::Response Fail(const KError& error);
Refusal Refused(const KError& error);
// The answer to a refused command; `not_found` for an unknown original.
http::Response RefusalAnswer(const Refusal& refusal, const KError& not_found);
// The answer's franchise for a card of `brand` ("" when unknown) in `currency`.
std::string FranchiseOf(std::string_view brand, const core::Currency& currency);
std::string BrandOr(std::string_view brand);
// The Outcome's value `i`, "" when it has none (Outcome::values come back from records).
std::string ValueOf(const Outcome& outcome, std::size_t i);

// The idempotency key of an operation: its client_transaction_id. A reversal names the original
// by the original's client_transaction_id, so reversals have their own key space: "reverse:<id>"
// (the engine scopes both by the dialect). An operation whose own id is "reverse:<id>" shares
// that key with the reversal of <id>; requests differ, so one of them is answered 409 K001, and
// neither ever gets the other's answer.
std::string KeyFor(const Request& in);

// client_transaction_id -> the payment or refund it created. It is looked up before an operation
// (lookup 0 of the command: ClientIdTaken() refuses a reused one first, so that it changes
// nothing) and recorded with what the operation created (so a reversal finds only what happened).
void LookUpClientId(service::Command& command, const Request& in);
std::optional<Refusal> ClientIdTaken(const service::Draft& draft);
inline void RecordClientId(std::vector<service::AliasWrite>& aliases, const Request& in,
                           service::AliasWrite::To to) {
  aliases.push_back(
      {std::string(kushki::kAliasClientTransaction), in.client_transaction_id, to, ""});
}

// An operation that gives a sale's money back.
struct GiveBack {
  std::string_view kind;  // the refund's: VOID, REVERSE, REFUND
  std::string_view type;  // the answer's transaction_type: "Void", "Reverse", "Refund"
  bool record_client_id = true;
  // An authorization never captured is released (voided) instead of refunded.
  bool release_authorized = false;
  core::RefundRequest request;  // empty: all that remains
  KError not_found;             // the answer when the sale does not exist
  // The operation's own rule on the sale, first (a time window): nullopt lets it go on.
  std::function<std::optional<Refusal>(const service::Draft& draft)> check;
};
// The command that gives the money of the sale `sale` names back, and its answer. `ids` and
// `approval_code` are what it shows (minted by the caller). A check may refuse with the
// declined marker (Declined()): the answer is then a 200 DECLINED with `ids`.
Translation GiveBackCommand(const Call& call, const Request& in, service::Ref sale, GiveBack back,
                            const kushki::Ids& ids, const std::string& approval_code);
// A 200 DECLINED "Card brand not supported" for a card of `franchise`: nothing is recorded.
Refusal Declined(std::string franchise);

// POST /pos/v1/refund (refund_routes.cc).
void Refund(Call& call);

}  // namespace refundd::dialects::kushki_pos
