#pragma once
// The processor: the seam between refundd's core and whoever moves the money (a card network, a
// bank, a cash network). refundd calls it with a refund and learns the refund's state there.
//
// Every call names the refund by its id, which is the idempotency key: sending the same refund
// twice must not move money twice. A call that gets no answer (timeout, lost connection) reports
// kUnknown; the caller must then look the refund up or send it again with the same key, and
// never guess. Implementations are thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace refundd::processor {

// A refund as the processor sees it.
struct Order {
  std::string refund_id;  // the idempotency key of every call
  std::string merchant_id;
  std::string dialect;
  int64_t amount_minor = 0;
  std::string currency;
  // The payment's instrument, as its dialect names it: a payment method ("pm_card_visa",
  // "mx_oxxo_cash", "BANK_TRANSFER"), a card holder's name; and the card's BIN and last four
  // digits when the dialect keeps them.
  std::string instrument;
  std::string card_bin;    // first six digits, or ""
  std::string card_last4;  // or ""
  // The dialect's own expectation: the method settles later (cash, bank transfer) rather than at
  // once (cards).
  bool asynchronous = false;
  int64_t created_ms = 0;
};

enum class State {
  kSucceeded,  // the money went back (it may still fail late: see recheck_at_ms)
  kFailed,     // it did not, or came back (failure_reason says why)
  kPending,    // not settled yet
  kUnknown,    // no answer: look it up later or send again with the same key; never guess
  kNotFound,   // a lookup: the processor never got it; send it (same key)
};
std::string_view StateName(State state);

struct Answer {
  State state = State::kUnknown;
  std::string failure_reason;  // kFailed: "declined", "expired_or_canceled_card", ...
  // When to ask again; 0 = the answer is final. A succeeded refund with a recheck may still fail
  // late.
  int64_t recheck_at_ms = 0;
};

class Processor {
 public:
  virtual ~Processor() = default;

  // The answer at creation, when the processor can give it without I/O (an in-process processor
  // such as the sandbox): it is decided inside the creation transaction. nullopt: the refund
  // starts pending and the lifecycle worker submits it.
  virtual std::optional<Answer> Instant(const Order& order, int64_t now_ms) const = 0;
  // Sends the refund (idempotent by refund id).
  virtual Answer Submit(const Order& order, int64_t now_ms) = 0;
  // The refund's state at the processor.
  virtual Answer Lookup(const Order& order, int64_t now_ms) = 0;
};

}  // namespace refundd::processor
