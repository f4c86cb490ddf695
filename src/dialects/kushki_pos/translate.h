#pragma once
// The Kushki card-present ("Raw API") dialect as a pure translator: snake_case request bodies ->
// core inputs, and operations -> the seed's response shape. No I/O, no store, no clock.
// Errors are Kushki's {"code","message"} with 400 (bad body), 401 (credential), 412 (the
// original's state or a business rule), 409 (client_transaction_id reused), 500 (store failed).
// See docs/dialects/kushki.md.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/currency.h"
#include "core/refund.h"
#include "dialects/kushki_common/amount.h"
#include "dialects/kushki_common/errors.h"
#include "dialects/kushki_common/time_rules.h"

namespace refundd::dialects::kushki_pos {

using kushki::KError;
using kushki::Parsed;

int StatusOf(kushki::KKind kind);

enum class Operation { kCharge, kPreauthorization, kCapture, kVoid, kReverse, kRefund };

// One card-present request, whatever the operation. What each operation requires:
//   charge, preauthorization: amount (total > 0), card_details; no omit_card
//   capture: transaction_reference; amount optional (all that is authorized)
//   void: transaction_reference; no amount (a void is always total)
//   reverse: transaction_reference, or none: the client_transaction_id then names the original
//   refund: transaction_type "refund", transaction_mode; either transaction_reference (amount
//           optional: all that remains) with card_details or omit_card: true (cardless), or no
//           transaction_reference, card_details and an amount (an unreferenced refund)
// Every operation needs client_transaction_id (1-64 characters): the idempotency key.
struct Request {
  Operation operation = Operation::kCharge;
  std::string client_transaction_id;
  std::optional<kushki::Amount> amount;
  std::string transaction_reference;  // "" when absent
  bool omit_card = false;
  bool card_read = false;     // card_details present
  std::string brand_hint;     // card.brand, upper case ("" when absent): refundd never decrypts
  std::string holder;         // card.card_holder_name
  boost::json::object given;  // card_details, card, contact_details, pos_details, country, ...
};
Parsed<Request> ParseRequest(const boost::json::value& body, Operation operation);

// The card brand refundd assumes when the terminal does not say (it cannot read encrypted data).
inline constexpr std::string_view kDefaultBrand = "VISA";
// Cardless operations are for Visa and Mastercard only.
bool CardlessAllowed(std::string_view brand);

// Unreferenced refunds: whether the merchant allows them and how far (merchant settings, each
// nullopt when unset):
//   kushki.unreferenced_refunds                    "on" (default) | "off"
//   kushki.unreferenced_refunds.<CUR>.per_refund   major units, default per currency (~500 USD)
//   kushki.unreferenced_refunds.<CUR>.per_day      major units, default per currency (~2000 USD)
// A malformed value fails closed (disabled, or a limit of 0).
inline constexpr std::string_view kSettingUnreferenced = "kushki.unreferenced_refunds";
std::string LimitSettingName(const core::Currency& currency, std::string_view which);
struct UnreferencedLimits {
  bool enabled = false;
  int64_t per_refund_minor = 0;
  int64_t per_day_minor = 0;
};
UnreferencedLimits LimitsFrom(const core::Currency& currency,
                              const std::optional<std::string>& enabled,
                              const std::optional<std::string>& per_refund,
                              const std::optional<std::string>& per_day);
// nullopt when an unreferenced refund of `amount_minor` may go ahead (the daily total is
// checked in the write transaction).
std::optional<KError> CheckUnreferenced(const UnreferencedLimits& limits, int64_t amount_minor);

// The response, in the seed's shape and key order.
struct View {
  std::string_view type;  // "Sale", "PreAuthorization", "Capture", "Void", "Reverse", "Refund"
  std::string ticket_number;
  std::string transaction_reference;
  core::Currency currency{"USD", 2};
  int64_t amount_minor = 0;  // authorized_amount
  std::string franchise;
  std::string approval_code;  // F38
  // A refund's state: the sandbox processor may decline it (DECLINED, ISO 05 "Do not honor") or
  // leave it pending (INITIALIZED, ISO 09 "Request in progress"); see docs/lifecycle.md.
  core::RefundStatus refund_status = core::RefundStatus::kSucceeded;
};
std::string ResponseJson(const View& view);
// Card brand not supported (cardless on a brand other than Visa or Mastercard): 200 DECLINED
// with kushki_response {"006", "Card brand not supported"} and F39 "57"; nothing is recorded.
std::string DeclinedJson(std::string_view type, const std::string& ticket_number,
                         const std::string& transaction_reference, const std::string& franchise);
// The franchise field: Mexico's card-present traffic goes through the PROSA switch (as in the
// seed); elsewhere the card brand.
std::string Franchise(std::string_view brand, kushki::Country country);

}  // namespace refundd::dialects::kushki_pos
