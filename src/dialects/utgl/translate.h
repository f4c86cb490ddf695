#pragma once
// UTGL Partner Connect as a pure translator: card binding, verify, purchase (locked), capture,
// release (void) and refund, request bodies -> core inputs and core objects -> UTGL's JSON. Ids
// are UUIDs, aliases of the internal payment and refund. Amounts are numbers with two decimals.
// No I/O, no store, no clock. See docs/dialects/utgl.md for every choice where UTGL is silent.

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "core/payment.h"
#include "core/refund.h"
#include "core/rules.h"
#include "dialects/utgl/errors.h"

namespace refundd::dialects::utgl {

template <typename T>
using Parsed = Result<T, Error>;

// Alias kinds. A card and a pending binding are not payments: their alias's object id carries
// the card's face (EncodeCard) instead of an internal id.
inline constexpr std::string_view kBindingAlias = "utgl_binding";           // verificationId
inline constexpr std::string_view kBindingUsedAlias = "utgl_binding_used";  // verificationId
inline constexpr std::string_view kCardAlias = "utgl_card";                 // cardId
inline constexpr std::string_view kVerifyAlias = "utgl_verify";             // VerifyKey()
inline constexpr std::string_view kTransactionAlias = "utgl_transaction";   // transactionId
inline constexpr std::string_view kRefundAlias = "utgl_refund";             // refundTransactionId

// The sandbox's one-time password, for card binding and for purchases.
inline constexpr std::string_view kSandboxOtp = "123456";
inline constexpr int64_t kBindingCodeTtlMs = 5 * 60 * 1000;
inline constexpr int64_t kAuthorizationTtlMs = 7LL * 24 * 3600 * 1000;

// --- card binding ---
struct Card {
  std::string card_type;   // "VISA", "MASTERCARD", "UNIONPAY", "AMEX", "JCB", "UNKNOWN"
  std::string masked_pan;  // "411111******1111"
  int64_t expires_ms = 0;  // binding code expiry (pending binding) or card expiry (bound card)
};
std::string EncodeCard(const Card& card);  // alias object id
std::optional<Card> DecodeCard(std::string_view text);

Parsed<Card> ParseInitiateBinding(const boost::json::value& body);  // {fullPan}
std::string InitiateBindingJson(const std::string& verification_id, const Card& card);

struct ConfirmInput {
  std::string verification_id;
  std::string code;
};
Parsed<ConfirmInput> ParseConfirmBinding(const boost::json::value& body);
std::string ConfirmBindingJson(const std::string& card_id, const Card& card);

// --- transactions ---
struct VerifyInput {
  std::string card_id;
  int64_t amount_minor = 0;
  core::Currency currency{"USD", 2};
  std::string description;
  std::string otp;  // purchase only
};
Parsed<VerifyInput> ParseVerify(const boost::json::value& body);
Parsed<VerifyInput> ParsePurchase(const boost::json::value& body);
// The alias key under which a verification is remembered: purchase must match it exactly.
std::string VerifyKey(const VerifyInput& input);

// What a transaction keeps in Payment::attrs.
struct TransactionAttrs {
  std::string transaction_id;
  std::string card_id;
  std::string ref_id;
  int64_t authorization_expiry_ms = 0;
  int64_t capture_ms = 0;
};
std::string EncodeTransactionAttrs(const TransactionAttrs& attrs);
TransactionAttrs DecodeTransactionAttrs(std::string_view attrs);
// Ten characters from [A-Z0-9], like "CT6KQDDEC2".
std::string NewRefId();

std::string PurchaseJson(const core::Payment& payment);
struct CaptureInput {
  std::string transaction_id;
  std::optional<std::string> amount;  // decimal text; left out = the whole authorization
};
Parsed<CaptureInput> ParseCapture(const boost::json::value& body);
Parsed<std::optional<int64_t>> CaptureAmount(const CaptureInput& input,
                                             const core::Payment& payment);
std::string CaptureJson(const core::Payment& payment);
Parsed<std::string> ParseRelease(const boost::json::value& body);  // the transactionId
std::string ReleaseJson(const core::Payment& payment);

// locked | captured | void | refunded ("captured" while anything remains to refund).
std::string_view TransactionStatus(const core::Payment& payment);

// --- refunds ---
struct RefundInput {
  std::string transaction_id;
  std::string amount;  // decimal text
  std::string currency;
  std::string reason;
  std::string description;
};
Parsed<RefundInput> ParseRefund(const boost::json::value& body);
// An amount of at least 0.01 that is a multiple of 0.01 (400 otherwise): every UTGL amount, in
// any transaction (all are in currencies of two decimals), so it is checked before loading one.
Parsed<int64_t> CentAmount(std::string_view text, std::string_view field);
// The core request: the currency must be the transaction's (422), the amount >= 0.01 and a
// multiple of 0.01 (400).
Parsed<core::RefundRequest> PlanRefund(const RefundInput& input, const core::Payment& payment);

struct RefundAttrs {
  std::string refund_transaction_id;
  std::string description;
};
std::string EncodeRefundAttrs(const RefundAttrs& attrs);
RefundAttrs DecodeRefundAttrs(std::string_view attrs);
std::string RefundJson(const core::Refund& refund, const core::Payment& payment);

}  // namespace refundd::dialects::utgl
