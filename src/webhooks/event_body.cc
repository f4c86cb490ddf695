#include "webhooks/event_body.h"

#include "base/netstring.h"
#include "core/money.h"
#include "core/snapshot.h"

namespace refundd::webhooks {

namespace {

constexpr std::string_view kTag = "ev1";
// 9999-12-31T23:59:59.999Z: the last instant the formats' date texts can show.
constexpr int64_t kMaxTimeMs = 253'402'300'799'999;

bool Amount(int64_t v) { return v >= 0 && v <= core::kMaxAmountMinor; }
bool Time(int64_t v) { return v >= 0 && v <= kMaxTimeMs; }

// The ranges the formats render (snapshot.h checks the shape and the money invariant): amounts
// and times a Format may print without meeting a CHECK.
bool InRange(const EventSnapshot& s) {
  const core::Refund& f = s.refund;
  const core::Payment& p = s.payment;
  if (!Time(s.now_ms) || s.endpoints_wanting < 0) return false;
  if (!Amount(f.amount_minor) || !Time(f.created_ms) || !Time(f.updated_ms)) return false;
  for (const core::PartAmount& part : f.parts) {
    if (!Amount(part.amount_minor)) return false;
  }
  if (!Amount(p.amount_minor) || !Time(p.created_ms) || !Time(p.updated_ms) ||
      !Time(p.canceled_ms)) {
    return false;
  }
  for (const core::Part& part : p.parts) {
    if (!Amount(part.amount_minor)) return false;
  }
  return true;
}

}  // namespace

SnapshotWriter::SnapshotWriter(const Change& change) : change_(change) {
  NetstringWriter w;
  core::WriteRefund(w, change.refund);
  core::WritePayment(w, change.payment);
  objects_ = std::move(w).str();
}

std::string SnapshotWriter::For(const EventDraft& event, int endpoints_wanting) const {
  NetstringWriter w;
  w.Str(kTag).Int(change_.now_ms);
  w.Str(change_.from ? core::RefundStatusName(*change_.from) : std::string_view());
  w.Int(endpoints_wanting).Str(event.extra);
  std::string out = std::move(w).str();
  out += objects_;
  return out;
}

bool IsRenderedBody(std::string_view row_text) {
  return !row_text.empty() && row_text.front() == '{';
}

Result<EventSnapshot, std::string> DecodeEventSnapshot(const store::OutboxEvent& event) {
  const auto fail = [&]() -> Result<EventSnapshot, std::string> {
    return Err("the snapshot of event " + event.id + " does not decode");
  };
  NetstringReader r(event.body);
  EventSnapshot s;
  s.id = event.id;
  s.type = event.type;
  auto tag = r.Str();
  if (!tag || *tag != kTag || !r.Int(s.now_ms)) return fail();
  auto from = r.Str();
  if (!from) return fail();
  if (!from->empty()) {
    core::RefundStatus status = core::RefundStatus::kPending;
    if (!core::ParseRefundStatus(*from, status)) return fail();
    s.from = status;
  }
  if (!r.Int(s.endpoints_wanting) || !r.Str(s.extra)) return fail();
  if (!core::ReadRefund(r, s.refund) || !core::ReadPayment(r, s.payment) || !r.done()) {
    return fail();
  }
  if (!InRange(s)) return fail();
  return s;
}

Result<std::string, std::string> RenderEventBody(const Format* format,
                                                 const store::OutboxEvent& event) {
  if (IsRenderedBody(event.body)) return event.body;
  if (!format) return Err("no format renders the " + event.dialect + " event " + event.id);
  auto snapshot = DecodeEventSnapshot(event);
  if (!snapshot.ok()) return Err(snapshot.error());
  return format->Body(snapshot.value());
}

}  // namespace refundd::webhooks
