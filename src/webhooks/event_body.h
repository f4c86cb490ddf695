#pragma once
// What an event row keeps (store::OutboxEvent::body), and the body rendered from it.
//
// Since this version a row keeps a snapshot of the change it reports, encoded as netstrings
// (base/netstring.h, core/snapshot.h): the tag "ev1", now_ms, the previous state, how many
// endpoints took the event, the format's extra value, then the refund and the payment after the
// change. Its body is rendered by the dialect's Format::Body() at each delivery attempt and at
// each read, always the same bytes. Rows written by older versions keep the rendered body itself;
// those are told apart by their first byte: every body any dialect ever rendered is a JSON object
// ('{'), and a snapshot starts with its netstring's length (a digit). Such a body is used as it is.
//
// A snapshot that does not decode (or whose values are out of any range the formats render) is
// corruption: RenderEventBody answers an error, never crashes. Pure and thread-safe.

#include <string>
#include <string_view>

#include "base/result.h"
#include "store/outbox.h"
#include "webhooks/format.h"

namespace refundd::webhooks {

// Encodes the snapshots of one change's events; the refund and the payment are encoded once.
class SnapshotWriter {
 public:
  explicit SnapshotWriter(const Change& change);
  // The row text of `event`, which `endpoints_wanting` of the merchant's endpoints take.
  std::string For(const EventDraft& event, int endpoints_wanting) const;

 private:
  const Change& change_;
  std::string objects_;  // the refund and the payment, as netstrings
};

// Whether `row_text` is a body an older version rendered (kept as it is), not a snapshot.
bool IsRenderedBody(std::string_view row_text);

// The snapshot in `event` (its id and type come from the row); an error when it does not decode.
Result<EventSnapshot, std::string> DecodeEventSnapshot(const store::OutboxEvent& event);

// The exact bytes of `event`'s body: the stored body of an older row, or `format`'s rendering of
// its snapshot. An error when the snapshot does not decode or no format renders it (nullptr).
Result<std::string, std::string> RenderEventBody(const Format* format,
                                                 const store::OutboxEvent& event);

}  // namespace refundd::webhooks
