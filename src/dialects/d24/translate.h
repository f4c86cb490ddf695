#pragma once
// The D24 deposits API v3 as a pure translator: request bodies -> core inputs, core objects ->
// D24's JSON. No I/O, no store, no clock. D24's integer ids (deposit_id, refund_id) are aliases
// of the internal payment and refund; the translator only sees them as numbers in the attrs.
// See docs/dialects/d24.md for every choice where D24 is silent.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "base/result.h"
#include "core/payment.h"
#include "core/refund.h"
#include "core/rules.h"
#include "dialects/d24/errors.h"

namespace refundd::dialects::d24 {

template <typename T>
using Parsed = Result<T, Error>;

// Alias kinds in the store.
inline constexpr std::string_view kDepositAlias = "d24_deposit";
inline constexpr std::string_view kRefundAlias = "d24_refund";
inline constexpr std::string_view kInvoiceAlias = "d24_invoice";

// What a deposit keeps in Payment::attrs besides the core's fields.
struct DepositAttrs {
  int64_t deposit_id = 0;
  int64_t user_id = 0;
  std::string invoice_id;
  std::string country;
  std::string payment_type;  // "CREDIT_CARD", "BANK_TRANSFER", ... as sent or defaulted
  bool card = false;         // refunds go back to the card (full, synchronous)
  std::string payer_json;    // the payer object as sent ("" when none)
  std::string notification_url, back_url, success_url, error_url, description;
};
std::string EncodeDepositAttrs(const DepositAttrs& attrs);
DepositAttrs DecodeDepositAttrs(std::string_view attrs);

// What a refund keeps in Refund::attrs.
struct RefundAttrs {
  int64_t refund_id = 0;
  bool card = false;
  std::string comments;
  std::string notification_url;   // kept for the refund-notification lifecycle
  std::string bank_account_json;  // "" for card refunds
};
std::string EncodeRefundAttrs(const RefundAttrs& attrs);
RefundAttrs DecodeRefundAttrs(std::string_view attrs);

// --- deposits ---
struct DepositInput {
  int64_t amount_minor = 0;
  core::Currency currency{"USD", 2};
  std::string payment_method;  // "VI", "OX", ... ("" lets the hosted checkout choose)
  DepositAttrs attrs;          // everything but the ids, which the store assigns
};
Parsed<DepositInput> ParseCreateDeposit(const boost::json::value& body);
// Card brands D24 names by two-letter code; nullopt for other payment methods.
std::optional<std::string_view> CardBrandName(std::string_view payment_method);

std::string DepositCreatedJson(const core::Payment& deposit, const DepositAttrs& attrs);
std::string DepositStatusJson(const core::Payment& deposit, const DepositAttrs& attrs);
std::string_view DepositStatus(const core::Payment& deposit);

// --- refunds ---
struct RefundInput {
  int64_t deposit_id = 0;
  std::string invoice_id;
  std::optional<std::string> amount;  // decimal text in the deposit's currency
  std::optional<core::Currency> currency;
  std::string country;
  bool bank_account_complete = false;
  std::string bank_account_json;  // as sent, "" when absent
  std::string comments;
  std::string notification_url;
};
Parsed<RefundInput> ParseCreateRefund(const boost::json::value& body);

// The core request for `input` over `deposit`, checked in D24's order: the pair deposit_id +
// invoice_id (208), COMPLETED (801), currency/country (802), bank account for non-card
// deposits (804), amount (802; left out = the full deposit, card deposits refund in full only).
Parsed<core::RefundRequest> PlanRefund(const RefundInput& input, const core::Payment& deposit,
                                       const DepositAttrs& attrs);
// Card refunds complete at once; bank refunds start PENDING.
core::RefundStatus InitialStatus(const DepositAttrs& attrs);

// {"refund_id": N} for bank refunds; the synchronous refund_info answer for card refunds.
std::string RefundCreatedJson(const core::Refund& refund, const RefundAttrs& refund_attrs,
                              const core::Payment& deposit, const DepositAttrs& attrs);
std::string RefundStatusJson(const core::Refund& refund, const DepositAttrs& attrs);
std::string_view RefundStatus(core::RefundStatus status);

// The integer form of a path id ("300533646"); nullopt when it is not 1 to 18 digits.
std::optional<int64_t> ParseId(std::string_view text);

}  // namespace refundd::dialects::d24
