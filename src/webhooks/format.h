#pragma once
// The one mapping each dialect gives the refund lifecycle: its refund states in its own words,
// what its payments tell the sandbox processor, the events it emits for a change and their
// bodies, where a request may send them besides the merchant's endpoints, and how a delivery is
// signed. Adding a dialect to the lifecycle means one Format (src/dialects/<name>/webhooks.*) and
// one line in dialects/registry.cc.
//
// Events() runs on the store's writer inside the transaction of the change: it only names the
// events (ids, types, what they are about), with no JSON, and the event row keeps a snapshot of the
// change (event_body.h). Body() renders the exact bytes from that snapshot, off the writer: at each
// delivery attempt and wherever an event is read back. Sign() runs on a delivery thread at each
// attempt. Implementations are pure and thread-safe: no I/O, no clock reads (times come in as
// arguments); Body() draws no random values either, so one snapshot always gives the same bytes.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/merchant.h"
#include "core/payment.h"
#include "core/refund.h"
#include "processor/processor.h"
#include "store/outbox.h"

namespace refundd::webhooks {

// One committed change of one refund.
struct Change {
  const core::Refund& refund;    // after the change
  const core::Payment& payment;  // after the change (amounts already held, moved or released)
  // The state before; nullopt when the refund was created (in refund.status).
  std::optional<core::RefundStatus> from;
  int64_t now_ms;
  // The merchant's endpoints in the refund's dialect (for bodies that count their targets).
  const std::vector<store::WebhookEndpoint>& endpoints;
};

// One event a dialect emits for a change: what the writer stores and routes by. Its body is not
// here: Body() renders it later from the event's snapshot.
struct EventDraft {
  std::string id;         // unique across merchants: receivers deduplicate by it
  std::string type;       // in the dialect's words
  std::string object_id;  // the refund or charge it is about (GET /v1/events?object_id=)
  // What else the body carries that must be decided once, on the writer (a random value besides
  // the event's id: Rapyd's trigger_operation_id); "" when nothing. Kept in the snapshot.
  std::string extra = {};
};

// Everything one event's body is rendered from: the event, and the change it reports as it was
// committed (decoded from the event row's snapshot).
struct EventSnapshot {
  std::string id;    // the event's
  std::string type;  // the event's
  core::Refund refund;
  core::Payment payment;
  std::optional<core::RefundStatus> from;  // as in Change
  int64_t now_ms = 0;                      // when the change committed
  // How many of the merchant's endpoints in the dialect took this event's type when it was
  // written (Stripe's pending_webhooks).
  int endpoints_wanting = 0;
  std::string extra;  // EventDraft::extra
};

// A target the request itself named (D24's notification_url, Kushki's webhooks[]).
struct RequestTarget {
  std::string url;
  std::vector<std::string> events;  // types it wants; empty = every type
  store::Headers headers;           // extra headers it asked for
};

// What may sign one delivery.
struct SigningKeys {
  std::string merchant_id;
  // The endpoint's secrets still valid now, newest first (several while one is rotated); empty
  // for a target named by the request.
  std::vector<std::string> secrets;
  // The merchant's credential in credential_dialect(), when the dialect names one.
  std::optional<core::Credential> credential;
};

class Format {
 public:
  virtual ~Format() = default;

  virtual std::string_view dialect() const = 0;
  // A refund's state in the dialect's words ("PENDING", "Completed", "APPROVAL", ...).
  virtual std::string_view StateWord(core::RefundStatus status) const = 0;
  // Fills order.instrument, card_bin and card_last4 from the payment (what the sandbox reads).
  virtual void DescribeInstrument(const core::Payment& payment, processor::Order& order) const = 0;
  // The events for one change, in order; none is fine. Runs on the writer: no JSON.
  virtual std::vector<EventDraft> Events(const Change& change) const = 0;
  // The exact bytes of one event's body. Deterministic: the same snapshot, the same bytes.
  virtual std::string Body(const EventSnapshot& event) const = 0;
  // Targets the refund's own request named; when there are any, they take the place of the
  // merchant's endpoints for this refund's events.
  virtual std::vector<RequestTarget> RequestTargets(const core::Refund& refund,
                                                    const core::Payment& payment) const {
    (void)refund;
    (void)payment;
    return {};
  }
  // The credential dialect whose row signs this dialect's webhooks ("" when none does).
  virtual std::string_view credential_dialect() const { return ""; }
  // The signature headers of one delivery of `body` to `url` at `now_ms`.
  virtual store::Headers Sign(std::string_view url, std::string_view body, int64_t now_ms,
                              const SigningKeys& keys) const = 0;
  // A new endpoint secret, for an endpoint created without one ("" when the dialect signs with
  // its credential or not at all).
  virtual std::string NewSecret() const { return ""; }
  // The dialect's own retry delays (before --retry-time-scale), when it documents them: one
  // delivery is tried 1 + size() times. Empty: refundd's exponential backoff with jitter.
  virtual std::vector<int64_t> RetryDelaysMs() const { return {}; }
};

// Every dialect's Format, by dialect name. Filled once at startup, then read-only (thread-safe).
class Formats {
 public:
  void Add(std::unique_ptr<Format> format);
  const Format* Find(std::string_view dialect) const;  // nullptr when the dialect has none
  std::vector<const Format*> All() const;

 private:
  std::map<std::string, std::unique_ptr<Format>, std::less<>> formats_;
};

// Whether an endpoint's or target's list of event types takes `type` ("*" or empty: all).
bool Wants(const std::vector<std::string>& enabled_events, std::string_view type);

}  // namespace refundd::webhooks
