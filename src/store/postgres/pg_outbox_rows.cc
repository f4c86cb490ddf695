#include "store/postgres/pg_outbox_rows.h"

#include "store/codec.h"

namespace refundd::store::postgres {

RefundAction ActionAt(const Rows& r, int i) {
  return RefundAction{r.Text(i, 0), r.Text(i, 1), r.Text(i, 2), static_cast<int>(r.Int(i, 3)),
                      r.Int(i, 4)};
}

WebhookEndpoint EndpointAt(const Rows& r, int i) {
  WebhookEndpoint e;
  e.id = r.Text(i, 0);
  e.merchant_id = r.Text(i, 1);
  e.dialect = r.Text(i, 2);
  e.url = r.Text(i, 3);
  e.description = r.Text(i, 4);
  e.enabled_events = DecodeStrings(r.Text(i, 5));
  e.secrets = DecodeSecrets(r.Text(i, 6));
  e.created_ms = r.Int(i, 7);
  return e;
}

OutboxEvent EventAt(const Rows& r, int i) {
  return OutboxEvent{r.Text(i, 0), r.Text(i, 1), r.Text(i, 2), r.Text(i, 3),
                     r.Text(i, 4), r.Int(i, 5),  r.Text(i, 6), r.Int(i, 7)};
}

Delivery DeliveryAt(const Rows& r, int i) {
  Delivery d;
  d.id = r.Text(i, 0);
  d.event_id = r.Text(i, 1);
  d.merchant_id = r.Text(i, 2);
  d.endpoint_id = r.Text(i, 3);
  d.url = r.Text(i, 4);
  d.headers = DecodeHeaders(r.Text(i, 5));
  CHECK(ParseDeliveryStatus(r.Text(i, 6), d.status));
  d.attempts = static_cast<int>(r.Int(i, 7));
  d.next_attempt_ms = r.Int(i, 8);
  d.window_start_ms = r.Int(i, 9);
  d.last_attempt_ms = r.Int(i, 10);
  d.last_http_status = static_cast<int>(r.Int(i, 11));
  d.last_error = r.Text(i, 12);
  return d;
}

bool SameEndpointList(const WebhookEndpoint& a, const WebhookEndpoint& b) {
  return a.created_ms != b.created_ms ? a.created_ms < b.created_ms : a.id < b.id;
}

}  // namespace refundd::store::postgres
