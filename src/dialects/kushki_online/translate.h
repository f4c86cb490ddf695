#pragma once
// The Kushki online card dialect as a pure translator: request bodies (camelCase JSON) -> core
// inputs, and payments/refunds -> Kushki's responses. No I/O, no store, no clock.
// Errors are Kushki's {"code","message"} with HTTP 400 (see StatusOf); the table from core
// refusals to K-codes is kushki::ErrorFor. See docs/dialects/kushki.md.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/payment.h"
#include "dialects/kushki_common/amount.h"
#include "dialects/kushki_common/attrs.h"
#include "dialects/kushki_common/errors.h"

namespace refundd::dialects::kushki_online {

using kushki::KError;
using kushki::Parsed;

// Online answers every error with 400 (K004 included, as Kushki does), except a request
// still running under the same Idempotency-Key (409) and a store failure (500, K002).
int StatusOf(kushki::KKind kind);

// The decoded body as an object (K001 when it is not one).
Parsed<const boost::json::object*> BodyObject(const boost::json::value& body);

// --- POST /card/v1/tokens ---
struct CardInput {
  std::string brand;  // "VISA", "MASTERCARD", "AMEX", "DINERS", "DISCOVER", "JCB", "UNKNOWN"
  std::string bin;    // first 6 digits
  std::string last4;
  std::string holder;  // card.name
};
struct TokenInput {
  int64_t total_minor = 0;
  core::Currency currency{"USD", 2};
  CardInput card;
};
// {card:{name, number, expiryMonth, expiryYear, cvv}, totalAmount, currency?}. The card number
// is checked (13-19 digits, Luhn) and dropped: only brand, BIN and last four digits are kept.
Parsed<TokenInput> ParseToken(const boost::json::value& body);
std::string BrandOfPan(std::string_view pan);
bool LuhnValid(std::string_view digits);
// The brand as Kushki's online responses name it: "Visa", "Mastercard", "American Express", ...
std::string_view BrandDisplayName(std::string_view brand);
std::string TokenJson(std::string_view token);

// --- POST /card/v1/charges and /card/v1/preAuthorization ---
struct ChargeInput {
  std::string token;
  kushki::Amount amount;
  bool full_response = false;
  boost::json::object given;  // metadata, webhooks, contactDetails, orderDetails as sent
};
Parsed<ChargeInput> ParseCharge(const boost::json::value& body);

// --- POST /card/v1/capture ---
struct CaptureInput {
  std::string ticket_number;
  std::optional<kushki::Amount> amount;  // nullopt: everything authorized
  bool full_response = false;
};
Parsed<CaptureInput> ParseCapture(const boost::json::value& body);

// --- DELETE /v1/charges/{ticketNumber} and DELETE /v1/refund/{ticketNumber} ---
struct CancelInput {
  std::optional<kushki::Amount> amount;  // nullopt: all that remains
  bool full_response = false;
  boost::json::object given;  // webhooks as sent, kept for the webhook lifecycle
};
Parsed<CancelInput> ParseCancel(const boost::json::value& body);

// Ticket numbers are 10 to 18 digits (Kushki's schema); anything else is K010.
bool ValidTicketNumber(std::string_view ticket);

// Whether a partial refund is allowed for the sale's currency: Kushki offers partial refunds in
// Colombia only. Elsewhere a refund's amount must equal all that remains (else K006).
bool PartialRefundsAllowed(const core::Currency& currency);

// --- responses ---
enum class SaleType { kSale, kPreauthorization, kCapture };
// {"ticketNumber","transactionReference"} (+ "details" with fullResponse) of a sale, a
// pre-authorization or a capture. `ids` are the ticket and reference of that operation.
std::string SaleJson(const core::Payment& payment, const kushki::PaymentAttrs& attrs, SaleType type,
                     const std::string& ticket_number, const std::string& transaction_reference,
                     int64_t created_ms, bool full_response);

// A void or a refund as the client sees it (201).
struct CancelView {
  std::string ticket_number;
  std::string transaction_reference;
  std::string_view type;  // "VOID" | "REFUND"
  std::string sale_ticket_number;
  std::string sale_transaction_reference;
  core::Currency currency{"USD", 2};
  int64_t amount_minor = 0;
  std::vector<core::PartAmount> buckets;
  bool partial = false;
  int64_t created_ms = 0;
};
// {"ticketNumber","transactionReference"} (+ "details" with transactionStatus "INITIALIZED":
// Kushki's refunds are semi-automatic, the 201 confirms the process began).
std::string CancelJson(const CancelView& view, bool full_response);

}  // namespace refundd::dialects::kushki_online
