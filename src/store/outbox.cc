#include "store/outbox.h"

#include <boost/json.hpp>

#include "store/store.h"

namespace refundd::store {

namespace json = boost::json;

std::string_view DeliveryStatusName(DeliveryStatus status) {
  switch (status) {
    case DeliveryStatus::kPending:
      return "pending";
    case DeliveryStatus::kDelivered:
      return "delivered";
    case DeliveryStatus::kDead:
      return "dead";
  }
  return "pending";
}

bool ParseDeliveryStatus(std::string_view name, DeliveryStatus& out) {
  for (DeliveryStatus s :
       {DeliveryStatus::kPending, DeliveryStatus::kDelivered, DeliveryStatus::kDead}) {
    if (DeliveryStatusName(s) == name) {
      out = s;
      return true;
    }
  }
  return false;
}

namespace {
json::array ParseArray(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  CHECK(!ec && v.is_array());  // only the store writes these columns
  return std::move(v.get_array());
}
}  // namespace

std::string EncodeStrings(const std::vector<std::string>& values) {
  json::array a;
  for (const auto& v : values) a.emplace_back(v);
  return json::serialize(a);
}

std::vector<std::string> DecodeStrings(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& v : ParseArray(text)) out.emplace_back(v.as_string());
  return out;
}

std::string EncodeSecrets(const std::vector<WebhookSecret>& secrets) {
  json::array a;
  for (const auto& s : secrets) {
    a.emplace_back(json::object{{"secret", s.secret}, {"expires_ms", s.expires_ms}});
  }
  return json::serialize(a);
}

std::vector<WebhookSecret> DecodeSecrets(const std::string& text) {
  std::vector<WebhookSecret> out;
  for (const auto& v : ParseArray(text)) {
    const json::object& o = v.as_object();
    out.push_back(
        {std::string(o.at("secret").as_string()), o.at("expires_ms").to_number<int64_t>()});
  }
  return out;
}

std::string EncodeHeaders(const Headers& headers) {
  json::array a;
  for (const auto& [name, value] : headers) a.emplace_back(json::array{name, value});
  return json::serialize(a);
}

Headers DecodeHeaders(const std::string& text) {
  Headers out;
  for (const auto& v : ParseArray(text)) {
    const json::array& pair = v.as_array();
    out.emplace_back(std::string(pair.at(0).as_string()), std::string(pair.at(1).as_string()));
  }
  return out;
}

// The defaults of a backend that does not implement the lifecycle yet.
namespace {
StoreError Unsupported() {
  return StoreError{StoreErrorKind::kUnavailable, "the lifecycle is not supported by this backend"};
}
}  // namespace

#define UNSUPPORTED \
  { return Err(Unsupported()); }

OutboxResult<bool> OutboxWriteTx::PutRefundAction(const RefundAction&) UNSUPPORTED;
OutboxResult<bool> OutboxWriteTx::DeleteRefundAction(const std::string&,
                                                     const std::string&) UNSUPPORTED;
OutboxResult<bool> OutboxWriteTx::InsertEvent(const OutboxEvent&) UNSUPPORTED;
OutboxResult<bool> OutboxWriteTx::InsertDelivery(const Delivery&) UNSUPPORTED;
OutboxResult<std::vector<WebhookEndpoint>> OutboxWriteTx::LoadWebhookEndpoints(
    const std::string&, const std::string&) UNSUPPORTED;
OutboxResult<std::optional<WebhookEndpoint>> OutboxWriteTx::LoadWebhookEndpoint(
    const std::string&, const std::string&) UNSUPPORTED;
OutboxResult<bool> OutboxWriteTx::InsertWebhookEndpoint(const WebhookEndpoint&) UNSUPPORTED;
OutboxResult<bool> OutboxWriteTx::UpdateWebhookEndpoint(const WebhookEndpoint&) UNSUPPORTED;
OutboxResult<bool> OutboxWriteTx::DeleteWebhookEndpoint(const std::string&,
                                                        const std::string&) UNSUPPORTED;

OutboxResult<std::optional<int64_t>> OutboxStore::NextRefundActionDueMs() UNSUPPORTED;
OutboxResult<std::vector<RefundAction>> OutboxStore::ClaimDueRefundActions(int64_t, int,
                                                                           int64_t) UNSUPPORTED;
OutboxResult<std::optional<RefundAction>> OutboxStore::ReadRefundAction(
    const std::string&, const std::string&) UNSUPPORTED;
OutboxResult<std::optional<int64_t>> OutboxStore::NextDeliveryDueMs() UNSUPPORTED;
OutboxResult<std::vector<Delivery>> OutboxStore::ClaimDueDeliveries(int64_t, int,
                                                                    int64_t) UNSUPPORTED;
OutboxResult<bool> OutboxStore::RecordDeliveryAttempt(const DeliveryOutcome&) UNSUPPORTED;
OutboxResult<int> OutboxStore::RedeliverEvent(const std::string&, const std::string&,
                                              int64_t) UNSUPPORTED;
OutboxResult<std::optional<OutboxEvent>> OutboxStore::ReadEvent(const std::string&,
                                                                const std::string&) UNSUPPORTED;
OutboxResult<EventPage> OutboxStore::ListEvents(const EventListQuery&) UNSUPPORTED;
OutboxResult<std::vector<Delivery>> OutboxStore::ListDeliveries(const std::string&,
                                                                const std::string&) UNSUPPORTED;
OutboxResult<std::vector<DeliveryAttempt>> OutboxStore::ListDeliveryAttempts(const std::string&)
    UNSUPPORTED;
OutboxResult<std::optional<WebhookEndpoint>> OutboxStore::ReadWebhookEndpoint(
    const std::string&, const std::string&) UNSUPPORTED;
OutboxResult<std::vector<WebhookEndpoint>> OutboxStore::ListWebhookEndpoints(
    const std::string&, const std::string&) UNSUPPORTED;
OutboxResult<std::optional<core::Credential>> OutboxStore::FindMerchantCredential(
    const std::string&, const std::string&) UNSUPPORTED;

#undef UNSUPPORTED

}  // namespace refundd::store
