#pragma once
// The unit of work of the write path: a Command is a value that a dialect builds from a decoded
// request (pure: no store, no clock but the one it is given), and that the service executes
// inside the store's writer transaction (service/execute.h). Executing one gives an Outcome: the
// objects as they stand after the command, or the refusal that stopped it. The dialect renders its
// wire answer from the Outcome after the commit is durable, on an io thread; nothing on the
// writer renders JSON.
//
// What a command does, in order (execute.cc):
//   1. looks up `lookups` (aliases: Kushki tokens, UTGL bindings) and the objects `op` names;
//      an object of another dialect is not found, as one of another merchant is;
//   2. runs `prepare` (the dialect's own rule on what was loaded: pure, may refuse or fill in
//      what depends on the stored object), then the core's rule for `op`, then `finish`;
//   3. checks every alias in `aliases` is free (a minted one that is taken makes the caller retry
//      with fresh ids; any other taken alias is a refusal);
//   4. only then writes: a refused command writes nothing but its idempotency record.
//
// The lock hint the store may use to prefetch (WriteJob::lock_payment_id) is derived from the
// command (LockHint), never passed beside it.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/payment.h"
#include "core/refund.h"
#include "core/refusal.h"
#include "core/rules.h"
#include "core/webhook_endpoint.h"

namespace refundd::service {

// Names a stored object: by its internal id, or by one of its dialect's aliases.
struct Ref {
  std::string id;
  std::string alias_kind;
  std::string alias;

  static Ref Id(std::string id) { return Ref{std::move(id), "", ""}; }
  static Ref Alias(std::string_view kind, std::string alias) {
    return Ref{"", std::string(kind), std::move(alias)};
  }
  bool empty() const { return id.empty() && alias.empty(); }
};

// An alias the command records once its objects exist.
struct AliasWrite {
  enum class To { kPayment, kRefund, kValue };
  std::string kind;
  std::string alias;
  To to = To::kPayment;
  std::string value;     // To::kValue: what the alias maps to (e.g. an encoded card)
  bool minted = false;   // a random id the dialect chose: taken means retry with fresh ids
  bool keep_existing = false;  // taken is fine: the alias stays as it is
};

// An alias to read before deciding; its value (or nullopt) reaches the hooks in order.
struct Lookup {
  std::string kind;
  std::string alias;
};

// Why a command changed nothing. Every kind is answered in the dialect's own words.
struct Refusal {
  enum class Kind {
    kRule,        // the core's rules said no: `rule`
    kNotFound,    // `what` ("payment", "refund", "endpoint") does not exist for this caller
    kAliasTaken,  // an alias of kind `what` already exists (D24's invoice_id used twice)
    kDialect,     // the dialect's own rule (a hook): `code` and `detail` are its own
  };
  Kind kind = Kind::kRule;
  core::Refusal rule{};
  std::string what;    // kNotFound, kAliasTaken: see above; kDialect: the dialect's own word
  int code = 0;        // kDialect: the dialect's own code
  std::string detail;  // kDialect: the dialect's own text
  int status = 0;      // kDialect: the HTTP status the dialect gives it
  // The payment as it stood when a refund rule refused (so the answer can say what remains).
  std::optional<core::Payment> payment;

  static Refusal Rule(core::Refusal r) { return Refusal{Kind::kRule, r, "", 0, "", 0, {}}; }
  static Refusal NotFound(std::string what) {
    return Refusal{Kind::kNotFound, {}, std::move(what), 0, "", 0, {}};
  }
  static Refusal Taken(std::string kind) {
    return Refusal{Kind::kAliasTaken, {}, std::move(kind), 0, "", 0, {}};
  }
  // The dialect's own error, carried whole to its render (and its idempotency record).
  static Refusal Dialect(int status, int code, std::string what, std::string detail) {
    return Refusal{Kind::kDialect, {}, std::move(what), code, std::move(detail), status, {}};
  }
};

// The operations. Each names its objects; the dialect fills in everything it already knows.
struct CreatePayment {
  core::Payment payment;  // id, amounts, status (confirmed by the dialect when it applies)
};
struct ConfirmPayment {
  Ref payment;
  bool capture_now = true;
  std::string payment_method;  // replaces the stored one when not empty
  // Confirming a payment that is already captured answers it as it stands (a sandbox "complete"
  // sent twice) instead of refusing.
  bool captured_is_done = false;
  // Whether to capture follows the stored payment's capture_method ("automatic" captures at
  // once, "manual" authorizes) instead of capture_now.
  bool capture_by_method = false;
};
struct CapturePayment {
  Ref payment;
  std::optional<int64_t> amount_minor;
};
struct VoidPayment {
  Ref payment;
  std::string reason;
};
// Loads a payment and saves what the hooks change (attributes only: no rule of the core runs).
struct TouchPayment {
  Ref payment;
};
struct CreateRefund {
  Ref payment;
  core::Refund refund;  // id, reason, metadata, attrs; amounts and status come from the rules
  core::RefundRequest request;
  // The state the refund starts in when the write runs without the lifecycle (tests, tools;
  // `prepare` may change it through Draft::refund); under the lifecycle the processor decides.
  core::RefundStatus initial_status = core::RefundStatus::kSucceeded;
  // Gives the money back the way the payment's state allows: one authorized and never captured
  // is voided instead (core::VoidPayment), and no refund is created; its hooks then see no
  // refund and no request (Draft::refund and Draft::request are null).
  bool void_uncaptured = false;
  // When `payment` is an alias that names nothing: this payment is created with the refund (a
  // synthetic payment that bounds a series of refunds) and the alias written to it.
  std::optional<core::Payment> create_payment;
};
struct TransitionRefund {
  Ref refund;
  core::RefundStatus to = core::RefundStatus::kSucceeded;
  std::string failure_reason;  // when `to` is failed
  // A refund already in `to` is answered as it stands instead of refused.
  bool already_is_done = false;
};
// Merges `metadata_patch` into a refund's metadata (an empty value removes the key); the hooks
// may change its attrs.
struct UpdateRefund {
  Ref refund;
  core::Metadata metadata_patch;
};
// Records aliases only (UTGL's card bindings): no payment or refund.
struct RecordAliases {};
struct CreateEndpoint {
  core::WebhookEndpoint endpoint;
};
// Loads an endpoint of the command's dialect; the hooks change it; it is saved.
struct UpdateEndpoint {
  std::string endpoint_id;
};
struct DeleteEndpoint {
  std::string endpoint_id;
};

using Op = std::variant<CreatePayment, ConfirmPayment, CapturePayment, VoidPayment, TouchPayment,
                        CreateRefund, TransitionRefund, UpdateRefund, RecordAliases,
                        CreateEndpoint, UpdateEndpoint, DeleteEndpoint>;

// What a hook sees, and may change before anything is written. Pointers are null when the
// command has no such object (yet).
struct Draft {
  int64_t now_ms = 0;
  const std::vector<std::optional<std::string>>* found = nullptr;  // lookups, in order
  core::Payment* payment = nullptr;            // loaded (or to be created), after the rule in finish
  core::Refund* refund = nullptr;              // loaded, or the new refund
  core::RefundRequest* request = nullptr;      // CreateRefund: the request (prepare may change it)
  core::WebhookEndpoint* endpoint = nullptr;   // endpoint ops
  std::vector<AliasWrite>* aliases = nullptr;  // the command's aliases (a hook may add)
  std::vector<std::string>* values = nullptr;  // handed to the answer (Outcome::values)
};

// A dialect's rule on loaded values: pure and deterministic given the Draft (no I/O, no clock).
// nullopt lets the command go on; a Refusal stops it with nothing written.
using Hook = std::function<std::optional<Refusal>(Draft& draft)>;

struct Command {
  std::string merchant_id;
  std::string dialect;          // the caller's dialect: objects of another dialect are not found
  std::optional<int64_t> now_ms;  // the instant to use instead of the clock (Kushki's sandbox)
  Op op;
  std::vector<Lookup> lookups;
  std::vector<AliasWrite> aliases;
  Hook prepare;                     // after loading, before the core's rule
  Hook finish;                      // after the core's rule, before writing
  std::vector<std::string> values;  // copied to Outcome::values (hooks may add)
};

// The payment the command will lock, when known before it runs ("" when not).
std::string LockHint(const Command& command);

// What a command did: the objects after it, or why it did nothing.
struct Outcome {
  int64_t now_ms = 0;
  std::optional<core::Payment> payment;  // the command's payment (a refund's payment too)
  std::optional<core::Refund> refund;
  std::optional<core::WebhookEndpoint> endpoint;
  std::vector<std::string> values;
  std::optional<Refusal> refusal;  // set: nothing but the idempotency record was written
  bool replayed = false;           // answered from the idempotency record (not stored)

  bool ok() const { return !refusal.has_value(); }
};

// An Outcome as text, for idempotency records: a replay renders the same answer from it.
std::string EncodeOutcome(const Outcome& outcome);
// nullopt when the text is not an encoded Outcome (damaged record).
std::optional<Outcome> DecodeOutcome(std::string_view text);

}  // namespace refundd::service
