#include "service/reads.h"

namespace refundd::service {

namespace {

template <typename T>
ReadResult<T> Fail(const store::StoreError& e) {
  return Err(ReadFailed{e.message});
}

}  // namespace

ReadResult<std::optional<core::Payment>> Reads::Payment(const std::string& merchant_id,
                                                        const std::string& id,
                                                        std::string_view dialect) {
  auto p = store_.ReadPayment(merchant_id, id);
  if (!p.ok()) return Fail<std::optional<core::Payment>>(p.error());
  if (!p.value() || p.value()->dialect != dialect) return std::optional<core::Payment>();
  return std::move(p).value();
}

ReadResult<std::optional<core::Refund>> Reads::Refund(const std::string& merchant_id,
                                                      const std::string& id,
                                                      std::string_view dialect) {
  auto r = store_.ReadRefund(merchant_id, id);
  if (!r.ok()) return Fail<std::optional<core::Refund>>(r.error());
  if (!r.value() || r.value()->dialect != dialect) return std::optional<core::Refund>();
  return std::move(r).value();
}

ReadResult<std::optional<std::string>> Reads::Alias(const std::string& merchant_id,
                                                    std::string_view kind,
                                                    const std::string& alias) {
  auto a = store_.ReadAlias(merchant_id, std::string(kind), alias);
  if (!a.ok()) return Fail<std::optional<std::string>>(a.error());
  return std::move(a).value();
}

ReadResult<std::optional<core::Payment>> Reads::PaymentByAlias(const std::string& merchant_id,
                                                               std::string_view kind,
                                                               const std::string& alias,
                                                               std::string_view dialect) {
  auto id = Alias(merchant_id, kind, alias);
  if (!id.ok()) return Err(id.error());
  if (!id.value()) return std::optional<core::Payment>();
  return Payment(merchant_id, *id.value(), dialect);
}

ReadResult<std::optional<core::Refund>> Reads::RefundByAlias(const std::string& merchant_id,
                                                             std::string_view kind,
                                                             const std::string& alias,
                                                             std::string_view dialect) {
  auto id = Alias(merchant_id, kind, alias);
  if (!id.ok()) return Err(id.error());
  if (!id.value()) return std::optional<core::Refund>();
  return Refund(merchant_id, *id.value(), dialect);
}

ReadResult<RefundPage> Reads::Refunds(const RefundListQuery& query) {
  auto page = store_.ListRefunds(query);
  if (!page.ok()) return Fail<RefundPage>(page.error());
  return std::move(page).value();
}

ReadResult<std::optional<std::string>> Reads::Setting(const std::string& merchant_id,
                                                      const std::string& name) {
  auto v = store_.GetMerchantSetting(merchant_id, name);
  if (!v.ok()) return Fail<std::optional<std::string>>(v.error());
  return std::move(v).value();
}

ReadResult<std::optional<core::Merchant>> Reads::MerchantByName(const std::string& name) {
  auto m = store_.FindMerchantByName(name);
  if (!m.ok()) return Fail<std::optional<core::Merchant>>(m.error());
  return std::move(m).value();
}

ReadResult<std::optional<core::WebhookEndpoint>> Reads::WebhookEndpoint(
    const std::string& merchant_id, const std::string& id, std::string_view dialect) {
  auto e = store_.ReadWebhookEndpoint(merchant_id, id);
  if (!e.ok()) return Fail<std::optional<core::WebhookEndpoint>>(e.error());
  if (!e.value() || e.value()->dialect != dialect) return std::optional<core::WebhookEndpoint>();
  return std::move(e).value();
}

ReadResult<std::vector<core::WebhookEndpoint>> Reads::WebhookEndpoints(
    const std::string& merchant_id, std::string_view dialect) {
  auto list = store_.ListWebhookEndpoints(merchant_id, std::string(dialect));
  if (!list.ok()) return Fail<std::vector<core::WebhookEndpoint>>(list.error());
  return std::move(list).value();
}

ReadResult<std::optional<OutboxEvent>> Reads::Event(const std::string& merchant_id,
                                                    const std::string& id,
                                                    std::string_view dialect) {
  auto e = store_.ReadEvent(merchant_id, id);
  if (!e.ok()) return Fail<std::optional<OutboxEvent>>(e.error());
  if (!e.value() || e.value()->dialect != dialect) return std::optional<OutboxEvent>();
  return std::move(e).value();
}

ReadResult<EventPage> Reads::Events(const EventListQuery& query) {
  auto page = store_.ListEvents(query);
  if (!page.ok()) return Fail<EventPage>(page.error());
  return std::move(page).value();
}

ReadResult<std::vector<Delivery>> Reads::Deliveries(const std::string& merchant_id,
                                                    const std::string& event_id) {
  auto list = store_.ListDeliveries(merchant_id, event_id);
  if (!list.ok()) return Fail<std::vector<Delivery>>(list.error());
  return std::move(list).value();
}

ReadResult<std::vector<DeliveryAttempt>> Reads::DeliveryAttempts(const std::string& delivery_id) {
  auto list = store_.ListDeliveryAttempts(delivery_id);
  if (!list.ok()) return Fail<std::vector<DeliveryAttempt>>(list.error());
  return std::move(list).value();
}

ReadResult<int> Reads::RedeliverEvent(const std::string& merchant_id, const std::string& event_id,
                                      int64_t now_ms) {
  auto n = store_.RedeliverEvent(merchant_id, event_id, now_ms);
  if (!n.ok()) return Fail<int>(n.error());
  return n.value();
}

}  // namespace refundd::service
