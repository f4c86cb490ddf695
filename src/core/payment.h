#pragma once
// A payment as the core sees it: amounts in the payment's currency, and where its money stands.
// Plain data; the rules that change it live in payment_rules.h and refund_rules.h.
//
// Invariant (CHECKed by every rule that changes a payment, and by the store's schema):
//   0 <= refunded_minor + pending_minor <= captured_minor <= amount_minor
// refunded_minor is the sum of succeeded refunds; pending_minor the sum of pending refunds, which
// hold their amount until they succeed (moved to refunded) or fail or are canceled (released).

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/currency.h"

namespace refundd::core {

enum class PaymentStatus {
  kOpen,        // created, not yet authorized (awaiting confirmation or an asynchronous payment)
  kAuthorized,  // funds held, nothing captured yet
  kCaptured,    // fully or partially captured; refundable
  kVoided,      // canceled before capture; nothing to refund
};
std::string_view PaymentStatusName(PaymentStatus status);
bool ParsePaymentStatus(std::string_view name, PaymentStatus& out);

using Metadata = std::map<std::string, std::string>;

// A named share of a payment that refunds must respect on its own: Kushki's tax buckets
// (subtotalIva, iva, ice, ...), Rapyd's e-wallet split. Each part keeps the payment's invariant:
//   0 <= refunded_minor + pending_minor <= captured_minor <= amount_minor
// and the parts of a payment add up to the payment's own amounts.
struct Part {
  std::string name;  // [A-Za-z0-9_.-]+, unique within the payment
  int64_t amount_minor = 0;
  int64_t captured_minor = 0;
  int64_t refunded_minor = 0;
  int64_t pending_minor = 0;
  int64_t RefundableMinor() const { return captured_minor - refunded_minor - pending_minor; }
};

// An amount attributed to one part (of a refund, or of a refund request).
struct PartAmount {
  std::string name;
  int64_t amount_minor = 0;
  friend bool operator==(const PartAmount&, const PartAmount&) = default;
};

// Whether `name` is a valid part name.
bool ValidPartName(std::string_view name);

struct Payment {
  std::string id;           // the id its creating dialect shows (pi_..., ...): unique
  std::string merchant_id;  // owner; every lookup is scoped by it
  std::string dialect;      // which API created it ("native", "kushki_online", ...)
  Currency currency{"USD", 2};
  int64_t amount_minor = 0;    // authorized (or requested) amount
  int64_t captured_minor = 0;  // captured; the ceiling for refunds
  int64_t refunded_minor = 0;  // succeeded refunds
  int64_t pending_minor = 0;   // pending refunds, held against captured
  PaymentStatus status = PaymentStatus::kOpen;
  std::string capture_method = "automatic";  // "automatic" | "manual"
  std::string payment_method;                // "pm_card_visa", a card token, "cash", ...
  std::string description;
  Metadata metadata;
  std::string cancellation_reason;
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  int64_t canceled_ms = 0;  // 0 when not canceled
  std::string attrs;        // dialect-owned opaque text (JSON), never read by the core
  std::vector<Part> parts;  // empty, or the split of this payment into named parts

  // What can still be refunded: captured minus succeeded and pending refunds.
  int64_t RefundableMinor() const { return captured_minor - refunded_minor - pending_minor; }
  // Whether the invariant above holds.
  bool Consistent() const;
};

}  // namespace refundd::core
