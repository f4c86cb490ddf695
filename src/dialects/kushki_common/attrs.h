#pragma once
// What the Kushki dialects keep in a payment's and a refund's `attrs` (a JSON object the core
// never reads): the ids Kushki clients see, the card as far as refundd may keep it (brand, BIN,
// last four digits; never the number), and the request objects stored as given (metadata,
// webhooks, card_details, pos_details, ...). Pure.

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/payment.h"

namespace refundd::dialects::kushki {

// Payment kinds.
inline constexpr std::string_view kKindToken = "token";               // online token, not charged
inline constexpr std::string_view kKindSale = "sale";                 // a charge (card or online)
inline constexpr std::string_view kKindPreauth = "preauthorization";  // captured later, or voided
// The synthetic payment that bounds one day's unreferenced card-present refunds
// (kushki_pos/refund_routes.cc).
inline constexpr std::string_view kKindAllowance = "unreferenced_allowance";

struct PaymentAttrs {
  std::string kind;
  std::string ticket_number;  // the sale's or pre-authorization's
  std::string transaction_reference;
  std::string capture_ticket_number;  // set once a pre-authorization is captured
  std::string capture_transaction_reference;
  std::string void_ticket_number;  // set when a pre-authorization is voided
  std::string void_transaction_reference;
  int64_t approved_ms = 0;  // when the sale was approved: the charge, or the capture
  std::string brand;        // "VISA", "MASTERCARD", ...
  std::string bin;          // first six digits (online cards)
  std::string last4;
  std::string holder;
  std::string token;                  // online: the token the sale consumed
  std::string client_transaction_id;  // card-present
  std::string approval_code;          // 6 digits (F38 / approvalCode)
  std::string day;                    // allowance: the local date it covers
  boost::json::object given;          // request objects kept as the client sent them
};

// Refund kinds, as Kushki names the transaction.
inline constexpr std::string_view kRefundVoid = "VOID";
inline constexpr std::string_view kRefundRefund = "REFUND";
inline constexpr std::string_view kRefundReverse = "REVERSE";

struct RefundAttrs {
  std::string kind;
  std::string ticket_number;
  std::string transaction_reference;
  std::string sale_ticket_number;
  std::string sale_transaction_reference;
  bool unreferenced = false;              // card-present refund with no original sale
  std::vector<core::PartAmount> buckets;  // the amount object as requested
  std::string client_transaction_id;      // card-present
  std::string approval_code;
  boost::json::object given;  // webhooks, card_details, pos_details, ...
};

std::string EncodePaymentAttrs(const PaymentAttrs& attrs);
// Text this dialect wrote; anything else (empty, another dialect's) decodes to defaults.
PaymentAttrs DecodePaymentAttrs(std::string_view text);
std::string EncodeRefundAttrs(const RefundAttrs& attrs);
RefundAttrs DecodeRefundAttrs(std::string_view text);

}  // namespace refundd::dialects::kushki
