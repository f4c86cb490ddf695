#include "app/lifecycle_cli.h"

#include <algorithm>
#include <boost/json.hpp>
#include <iostream>

#include "base/ids.h"
#include "dialects/registry.h"
#include "processor/sandbox.h"
#include "service/lifecycle.h"
#include "service/refunds.h"
#include "webhooks/client.h"
#include "webhooks/event_body.h"

namespace refundd::app {

namespace {

namespace json = boost::json;

int Fail(const std::string& message) {
  std::cerr << "refundd: " << message << "\n";
  return 1;
}

// The merchant named `name_or_id`, or nullopt (after printing why).
std::optional<core::Merchant> FindMerchant(store::Store& store, const std::string& name_or_id) {
  auto by_name = store.FindMerchantByName(name_or_id);
  if (by_name.ok() && by_name.value()) return *by_name.value();
  auto all = store.ListMerchants();
  if (all.ok()) {
    for (const auto& m : all.value()) {
      if (m.id == name_or_id) return m;
    }
  }
  Fail("no merchant named or with id '" + name_or_id + "'");
  return std::nullopt;
}

const webhooks::Formats& AllFormats() {
  static const webhooks::Formats* formats = [] {
    auto* f = new webhooks::Formats();
    dialects::RegisterAllWebhookFormats(*f);
    return f;
  }();
  return *formats;
}

json::object EndpointJson(const store::WebhookEndpoint& e, bool with_secrets) {
  json::object o{{"id", e.id},
                 {"merchant", e.merchant_id},
                 {"dialect", e.dialect},
                 {"url", e.url},
                 {"enabled_events", json::value_from(e.enabled_events)}};
  if (with_secrets) {
    json::array secrets;
    for (const auto& s : e.secrets) {
      secrets.push_back(json::object{{"secret", s.secret}, {"expires_ms", s.expires_ms}});
    }
    o["secrets"] = std::move(secrets);
  }
  return o;
}

// Runs `apply` in one write transaction; false when it did not commit.
bool Commit(store::Store& store, std::function<bool(store::WriteTx&)> apply) {
  return store.SubmitAndWait(std::move(apply));
}

}  // namespace

int WebhooksSet(store::Store& store, const LifecycleCliArgs& a, int64_t now_ms) {
  auto merchant = FindMerchant(store, a.merchant);
  if (!merchant) return 1;
  const webhooks::Format* format = AllFormats().Find(a.dialect);
  if (!format) return Fail("no dialect '" + a.dialect + "' with webhooks");
  if (auto url = webhooks::ParseUrl(a.url); !url.ok()) return Fail("--url: " + url.error());
  auto existing = store.ListWebhookEndpoints(merchant->id, a.dialect);
  if (!existing.ok()) return Fail("store: " + existing.error().message);
  store::WebhookEndpoint e;
  const bool update = !existing.value().empty();
  if (update) {
    e = existing.value().front();
  } else {
    e.id = SortableId("we_", now_ms);
    e.merchant_id = merchant->id;
    e.dialect = a.dialect;
    e.created_ms = now_ms;
  }
  e.url = a.url;
  e.enabled_events = a.events.empty() ? std::vector<std::string>{"*"} : a.events;
  const std::string secret = !a.secret.empty() ? a.secret : format->NewSecret();
  if (!secret.empty()) {
    e.secrets = {{secret, 0}};
  } else if (!update) {
    e.secrets.clear();
  }
  bool committed = Commit(store, [&](store::WriteTx& tx) {
    auto r = update ? tx.UpdateWebhookEndpoint(e) : tx.InsertWebhookEndpoint(e);
    return r.ok() && r.value();
  });
  if (!committed) return Fail("the endpoint was not saved");
  std::cout << json::serialize(EndpointJson(e, true)) << std::endl;
  return 0;
}

int WebhooksList(store::Store& store, const LifecycleCliArgs& a) {
  auto merchant = FindMerchant(store, a.merchant);
  if (!merchant) return 1;
  for (const webhooks::Format* f : AllFormats().All()) {
    auto list = store.ListWebhookEndpoints(merchant->id, std::string(f->dialect()));
    if (!list.ok()) return Fail("store: " + list.error().message);
    for (const auto& e : list.value()) std::cout << json::serialize(EndpointJson(e, false)) << "\n";
  }
  std::cout << std::flush;
  return 0;
}

int WebhooksDelete(store::Store& store, const LifecycleCliArgs& a) {
  auto merchant = FindMerchant(store, a.merchant);
  if (!merchant) return 1;
  bool found = false;
  bool committed = Commit(store, [&](store::WriteTx& tx) {
    auto r = tx.DeleteWebhookEndpoint(merchant->id, a.id);
    found = r.ok() && r.value();
    return r.ok();
  });
  if (!committed) return Fail("the endpoint was not deleted");
  if (!found) return Fail("no endpoint " + a.id);
  std::cout << json::serialize(json::object{{"id", a.id}, {"deleted", true}}) << std::endl;
  return 0;
}

int WebhooksRotate(store::Store& store, const LifecycleCliArgs& a, int64_t now_ms) {
  auto merchant = FindMerchant(store, a.merchant);
  if (!merchant) return 1;
  auto e = store.ReadWebhookEndpoint(merchant->id, a.id);
  if (!e.ok()) return Fail("store: " + e.error().message);
  if (!e.value()) return Fail("no endpoint " + a.id);
  store::WebhookEndpoint endpoint = *e.value();
  const webhooks::Format* format = AllFormats().Find(endpoint.dialect);
  std::string secret = !a.secret.empty() ? a.secret : format ? format->NewSecret() : "";
  if (secret.empty()) secret = RandomId("whsec_", 32);
  std::vector<store::WebhookSecret> kept = {{secret, 0}};
  for (const auto& s : endpoint.secrets) {
    const int64_t limit = now_ms + a.previous_expires_in_s * 1000;
    const int64_t until = s.expires_ms == 0 ? limit : std::min(s.expires_ms, limit);
    if (until > now_ms) kept.push_back({s.secret, until});
  }
  endpoint.secrets = std::move(kept);
  bool committed = Commit(store, [&](store::WriteTx& tx) {
    auto r = tx.UpdateWebhookEndpoint(endpoint);
    return r.ok() && r.value();
  });
  if (!committed) return Fail("the endpoint was not saved");
  std::cout << json::serialize(EndpointJson(endpoint, true)) << std::endl;
  return 0;
}

int EventsShow(store::Store& store, const LifecycleCliArgs& a) {
  auto merchant = FindMerchant(store, a.merchant);
  if (!merchant) return 1;
  auto event = store.ReadEvent(merchant->id, a.id);
  if (!event.ok()) return Fail("store: " + event.error().message);
  if (!event.value()) return Fail("no event " + a.id);
  auto deliveries = store.ListDeliveries(merchant->id, a.id);
  if (!deliveries.ok()) return Fail("store: " + deliveries.error().message);
  json::array out_deliveries;
  for (const auto& d : deliveries.value()) {
    auto attempts = store.ListDeliveryAttempts(d.id);
    if (!attempts.ok()) return Fail("store: " + attempts.error().message);
    json::array log;
    for (const auto& t : attempts.value()) {
      log.push_back(json::object{{"attempt", t.attempt},
                                 {"started_ms", t.started_ms},
                                 {"duration_ms", t.duration_ms},
                                 {"http_status", t.http_status},
                                 {"error", t.error}});
    }
    out_deliveries.push_back(json::object{{"id", d.id},
                                          {"url", d.url},
                                          {"endpoint", d.endpoint_id},
                                          {"status", store::DeliveryStatusName(d.status)},
                                          {"attempts", std::move(log)}});
  }
  const store::OutboxEvent& e = *event.value();
  auto body = webhooks::RenderEventBody(AllFormats().Find(e.dialect), e);
  if (!body.ok()) return Fail(body.error());
  json::object out{{"id", e.id},
                   {"dialect", e.dialect},
                   {"type", e.type},
                   {"object", e.object_id},
                   {"sequence", e.sequence},
                   {"created_ms", e.created_ms},
                   {"body", body.value()},
                   {"deliveries", std::move(out_deliveries)}};
  std::cout << json::serialize(out) << std::endl;
  return 0;
}

int EventsRedeliver(store::Store& store, const LifecycleCliArgs& a, int64_t now_ms) {
  auto merchant = FindMerchant(store, a.merchant);
  if (!merchant) return 1;
  auto event = store.ReadEvent(merchant->id, a.id);
  if (!event.ok()) return Fail("store: " + event.error().message);
  if (!event.value()) return Fail("no event " + a.id);
  auto n = store.RedeliverEvent(merchant->id, a.id, now_ms);
  if (!n.ok()) return Fail("store: " + n.error().message);
  std::cout << json::serialize(json::object{{"event", a.id}, {"deliveries", n.value()}})
            << std::endl;
  return 0;
}

int RefundsSettle(store::Store& store, const LifecycleCliArgs& a, int64_t now_ms) {
  auto merchant = FindMerchant(store, a.merchant);
  if (!merchant) return 1;
  core::RefundStatus to;
  if (!core::ParseRefundStatus(a.to, to) || to == core::RefundStatus::kPending) {
    return Fail("--to must be succeeded, failed or canceled");
  }
  // The refund by its internal id, or by the id its dialect shows (a D24 refund_id, a Kushki
  // ticket number, a UTGL refundTransactionId).
  std::string refund_id = a.id;
  for (std::string_view kind : dialects::RefundAliasKinds()) {
    auto internal = store.ReadAlias(merchant->id, std::string(kind), a.id);
    if (internal.ok() && internal.value()) refund_id = *internal.value();
  }
  // A transition by hand publishes its events like any other; the processor is not asked.
  processor::SandboxProcessor unused({});
  service::Lifecycle lifecycle(unused, AllFormats(), {});
  std::string outcome;
  bool committed = Commit(store, [&](store::WriteTx& tx) {
    service::LifecycleTx ltx(tx, lifecycle);
    auto moved = service::TransitionRefund(ltx, merchant->id, refund_id, to,
                                           a.reason.empty() ? "declined" : a.reason, now_ms);
    if (!moved.ok()) {
      outcome = moved.error().kind == service::UseCaseError::Kind::kNotFound
                    ? "no refund " + a.id
                    : "the refund cannot move to " + a.to;
      return false;
    }
    outcome = std::string(core::RefundStatusName(moved.value().refund.status));
    return ltx.Flush(now_ms).ok();
  });
  if (!committed) return Fail(outcome.empty() ? "the change was not saved" : outcome);
  std::cout << json::serialize(json::object{{"refund", refund_id}, {"status", outcome}})
            << std::endl;
  return 0;
}

}  // namespace refundd::app
