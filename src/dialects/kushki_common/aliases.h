#pragma once
// The alias kinds (store aliases table) that map the ids Kushki clients see to refundd's payments
// and refunds: 18-digit ticket numbers, UUID transaction references, tokens, card-present
// client_transaction_ids, and the day's unreferenced-refund allowance.

#include <string_view>

namespace refundd::dialects::kushki {

inline constexpr std::string_view kAliasTicket = "kushki_ticket";                     // -> payment
inline constexpr std::string_view kAliasReference = "kushki_reference";               // -> payment
inline constexpr std::string_view kAliasRefundTicket = "kushki_refund_ticket";        // -> refund
inline constexpr std::string_view kAliasRefundReference = "kushki_refund_reference";  // -> refund
inline constexpr std::string_view kAliasToken = "kushki_token";                       // -> payment
// card-present client_transaction_id -> payment or refund id (see kushki_pos/commands.h)
inline constexpr std::string_view kAliasClientTransaction = "kushki_pos_client_transaction";
// "<currency>:<local date>" -> the day's unreferenced-refund allowance payment
inline constexpr std::string_view kAliasAllowance = "kushki_unreferenced_day";

}  // namespace refundd::dialects::kushki
