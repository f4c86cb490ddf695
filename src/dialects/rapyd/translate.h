#pragma once
// Rapyd Collect (payments and refunds) as a pure translator: request bodies -> core inputs, core
// objects -> Rapyd's JSON, numbers printed as Rapyd prints them (the shortest exact decimal, from
// minor units). An e-wallet split is the payment's named parts. No I/O, no store, no clock.
// See docs/dialects/rapyd.md for every choice where Rapyd is silent.

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "core/payment.h"
#include "core/refund.h"
#include "core/rules.h"
#include "dialects/rapyd/errors.h"

namespace refundd::dialects::rapyd {

template <typename T>
using Parsed = Result<T, Error>;

// Percentages carry up to four decimals ("33.3333"); as an integer of ten-thousandths they are
// weights for SplitProportionally, and a split adds up when they sum to 100.
constexpr core::Currency kPercent{"PCT", 4};
constexpr int64_t kHundredPercent = 100 * 10'000;
// A split names at most this many wallets (so sums of their amounts stay far from overflow).
constexpr std::size_t kMaxWallets = 50;

// What a payment keeps in Payment::attrs besides the core's fields.
struct PaymentAttrs {
  std::string method_type;  // "us_visa_card", "mx_oxxo_cash", ... ("" for a saved method id)
  std::string category;     // card | cash | bank_transfer | bank_redirect | ewallet
  std::string merchant_reference_id;
  std::string metadata_json = "{}";
  std::string complete_payment_url, error_payment_url;
  std::vector<int64_t> percentages;  // per part, in ten-thousandths, when split by percentage
  int64_t paid_ms = 0;               // when it closed (captured or completed)
};
std::string EncodePaymentAttrs(const PaymentAttrs& attrs);
PaymentAttrs DecodePaymentAttrs(std::string_view attrs);

struct RefundAttrs {
  std::string merchant_reference_id;
  std::string metadata_json = "{}";
  std::string payment_method_type;
  int64_t payment_created_ms = 0;
  bool proportional = false;  // no ewallets named: allocated over the split by the core
};
std::string EncodeRefundAttrs(const RefundAttrs& attrs);
RefundAttrs DecodeRefundAttrs(std::string_view attrs);

// --- payments ---
struct PaymentInput {
  int64_t amount_minor = 0;
  core::Currency currency{"USD", 2};
  bool capture = true;
  std::string payment_method;  // the type, or the saved method's id
  std::string description;
  std::vector<core::Part> parts;  // the e-wallet split (amounts only; captured later)
  PaymentAttrs attrs;
};
Parsed<PaymentInput> ParseCreatePayment(const boost::json::value& body);
// Card and e-wallet payments close at once (or wait for capture when capture=false); cash and
// bank payments stay ACT until the sandbox's completePayment.
bool ClosesAtOnce(const PaymentAttrs& attrs);
std::string_view PaymentStatus(const core::Payment& payment);

// The refunds a payment object shows: up to three, newest first, and how many there are.
struct RefundSummary {
  std::vector<core::Refund> latest;
  bool has_more = false;
  int64_t total_count = 0;
};
std::string PaymentJson(const core::Payment& payment, const RefundSummary& refunds);

// Optional "amount" in the payment's currency (capture).
Parsed<std::optional<std::string>> ParseCapture(const boost::json::value& body);
Parsed<std::optional<int64_t>> CaptureAmount(const std::optional<std::string>& amount,
                                             const core::Payment& payment);
// {"token": "payment_..."} or {"token": "refund_..."} (the sandbox completions).
Parsed<std::string> ParseToken(const boost::json::value& body);

// --- refunds ---
struct WalletShare {
  std::string ewallet;
  std::optional<std::string> amount;   // decimal text, in the payment's currency
  std::optional<std::string> percent;  // decimal text, of the refund's amount
};
struct RefundInput {
  std::string payment_id;
  std::optional<std::string> amount;
  std::optional<std::string> currency;  // as sent; must be the payment's
  std::vector<WalletShare> ewallets;
  std::string reason;
  RefundAttrs attrs;
};
Parsed<RefundInput> ParseCreateRefund(const boost::json::value& body);
// The core request for `input` over `payment`: amounts parsed with the payment's currency, the
// split by amount or by percentage of the refund's amount (left out: what remains).
Parsed<core::RefundRequest> PlanRefund(const RefundInput& input, const core::Payment& payment);
// What PlanRefund refuses whatever the payment is (before loading it): an unknown currency, an
// amount, wallet name, share or percentage no payment accepts, percentages not adding up to 100.
std::optional<Error> CheckRefund(const RefundInput& input);
// Card and e-wallet refunds complete at once; cash and bank refunds wait (Pending).
core::RefundStatus InitialStatus(const PaymentAttrs& payment_attrs);

Parsed<std::string> ParseUpdateRefund(const boost::json::value& body);  // the metadata JSON

struct ListInput {
  int limit = 10;
  std::string starting_after, ending_before, payment_id;
};
Parsed<ListInput> ParseListRefunds(const boost::json::value& query);

std::string RefundJson(const core::Refund& refund);
std::string RefundListJson(const std::vector<core::Refund>& refunds);
std::string_view RefundStatus(core::RefundStatus status);

}  // namespace refundd::dialects::rapyd
