#pragma once
// What the card-present routes share (routes.cc: sales, captures, voids, reversals;
// refund_routes.cc: refunds): the dialect's answers, the client_transaction_id rules, and giving
// a sale's money back. Internal to kushki_pos.

#include "core/rules.h"
#include "dialects/common/uuid.h"
#include "dialects/kushki_common/attrs.h"
#include "dialects/kushki_common/credentials.h"
#include "dialects/kushki_common/glue.h"
#include "dialects/kushki_common/time_rules.h"
#include "dialects/kushki_pos/translate.h"
#include "service/payments.h"
#include "service/refunds.h"

namespace refundd::dialects::kushki_pos {

using kushki::Call;
using kushki::Error;
using kushki::KCode;

inline constexpr std::string_view kDialect = kushki::kPosDialect;
inline constexpr kushki::Auth kAuth{"private-credential-id", kushki::kPosDialect};

const kushki::Style& TheStyle();
http::Response Fail(const kushki::KError& error);
http::Response StoreFailed(bool& keep);
http::Response Ok(std::string body);
kushki::Country CountryOf(const core::Currency& currency);
std::string BrandOr(std::string_view brand);

// The idempotency key of an operation: its client_transaction_id. A reversal names the original
// by the original's client_transaction_id, so reversals have their own key space.
std::string KeyFor(const Request& in);

// client_transaction_id -> the payment or refund it created. It is looked up before an operation
// (so a reused id changes nothing) and recorded after it succeeded (so a reversal finds only
// what happened).
store::StoreResult<bool> ClientIdFree(store::WriteTx& tx, const std::string& merchant,
                                      const Request& in);
store::StoreResult<bool> RecordClientId(store::WriteTx& tx, const std::string& merchant,
                                        const Request& in, const std::string& object_id);
http::Response ClientIdTaken();

// Runs `body` after checking that the client_transaction_id is free.
template <typename Body>
kushki::Run WithFreshClientId(const std::string& merchant, const Request& in, Body body) {
  return [merchant, in, body](store::WriteTx& tx, int64_t now, bool& keep) {
    auto free = ClientIdFree(tx, merchant, in);
    if (!free.ok()) return StoreFailed(keep);
    if (!free.value()) return ClientIdTaken();
    return body(tx, now, keep);
  };
}

// Gives a captured sale's money back as a refund of `kind` (VOID, REVERSE, REFUND).
http::Response RefundSale(store::WriteTx& tx, const std::string& merchant,
                          const core::Payment& sale, core::RefundRequest request,
                          std::string_view kind, std::string_view type, const Request& in,
                          bool record_client_id, int64_t now, bool& keep);

// POST /pos/v1/refund (refund_routes.cc).
void Refund(Call& call);

}  // namespace refundd::dialects::kushki_pos
