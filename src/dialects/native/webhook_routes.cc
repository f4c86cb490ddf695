// The native dialect's lifecycle routes: webhook endpoints (Stripe's /v1/webhook_endpoints, plus
// refundd's roll_secret), events (Stripe's /v1/events, plus refundd's delivery log and
// redelivery), and the sandbox's by-hand refund outcomes (/v1/test_helpers/refunds/{id}/...).
// See docs/native-api.md and docs/lifecycle.md.
#include <algorithm>
#include <boost/json.hpp>

#include "base/ids.h"
#include "base/json_writer.h"
#include "dialects/native/call.h"
#include "dialects/native/params.h"
#include "dialects/native/webhooks.h"
#include "service/refunds.h"
#include "webhooks/client.h"

namespace refundd::dialects::native {

namespace {

namespace json = boost::json;

constexpr std::string_view kDialect = "native";
constexpr int64_t kDefaultRollExpirySeconds = 24 * 3600;
constexpr int64_t kMaxRollExpirySeconds = 7 * 24 * 3600;

std::string EndpointJson(const store::WebhookEndpoint& e, bool with_secret) {
  JsonWriter w;
  w.BeginObject();
  w.Key("id").String(e.id);
  w.Key("object").String("webhook_endpoint");
  w.Key("api_version").String(kApiVersion);
  w.Key("application").Null();
  w.Key("created").Int(e.created_ms / 1000);
  w.Key("description").StringOrNull(e.description);
  w.Key("enabled_events").BeginArray();
  for (const auto& t : e.enabled_events) w.String(t);
  w.EndArray();
  w.Key("livemode").Bool(false);
  w.Key("metadata").BeginObject().EndObject();
  if (with_secret && !e.secrets.empty()) w.Key("secret").String(e.secrets.front().secret);
  w.Key("status").String("enabled");
  w.Key("url").String(e.url);
  w.EndObject();
  return w.Take();
}

// url: http(s), no user information.
Parsed<std::optional<std::string>> ParseEndpointUrl(const Params& p) {
  auto url = p.String("url", 2048);
  if (!url.ok()) return Err(url.error());
  if (url.value() && !webhooks::ParseUrl(*url.value()).ok()) {
    return Err(
        Invalid("url", "Invalid URL: " + webhooks::ParseUrl(*url.value()).error(), "url_invalid"));
  }
  return url.value();
}

// enabled_events: a non-empty list of "*" or the native event types.
Parsed<std::optional<std::vector<std::string>>> ParseEnabledEvents(const json::value& params) {
  const json::object* o = params.if_object();
  const json::value* v = o ? o->if_contains("enabled_events") : nullptr;
  if (!v) return std::optional<std::vector<std::string>>();
  if (!v->is_array() || v->as_array().empty()) {
    return Err(Invalid("enabled_events", "enabled_events must be a non-empty list."));
  }
  std::vector<std::string> out;
  for (const json::value& e : v->as_array()) {
    if (!e.is_string()) return Err(Invalid("enabled_events", "Event types are strings."));
    std::string type(e.as_string());
    const auto& known = EventTypes();
    if (type != "*" && std::find(known.begin(), known.end(), type) == known.end()) {
      return Err(Invalid("enabled_events", "Invalid event type: " + type));
    }
    out.push_back(std::move(type));
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

void CreateEndpoint(Call& call) {
  Params p(call.params);
  if (auto e = p.Unknown({"url", "enabled_events", "description", "api_version"})) {
    return call.Fail(*e);
  }
  auto url = ParseEndpointUrl(p);
  if (!url.ok()) return call.Fail(url.error());
  if (!url.value()) return call.Fail(Missing("url"));
  auto events = ParseEnabledEvents(call.params);
  if (!events.ok()) return call.Fail(events.error());
  if (!events.value()) return call.Fail(Missing("enabled_events"));
  auto description = p.String("description", 5000);
  if (!description.ok()) return call.Fail(description.error());
  store::WebhookEndpoint e;
  e.merchant_id = call.merchant_id;
  e.dialect = std::string(kDialect);
  e.url = *url.value();
  e.description = description.value().value_or("");
  e.enabled_events = *events.value();
  Write(call, [e](store::WriteTx& tx, int64_t now, bool& keep) mutable {
    e.id = SortableId("we_", now);
    e.created_ms = now;
    e.secrets = {{NewWebhookFormat()->NewSecret(), 0}};
    auto inserted = tx.InsertWebhookEndpoint(e);
    if (!inserted.ok()) {
      keep = false;
      return Unavailable();
    }
    return Ok(EndpointJson(e, /*with_secret=*/true));
  });
}

// The endpoint named by the path, in this dialect; replies itself when there is none.
std::optional<store::WebhookEndpoint> ReadEndpoint(Call& call) {
  std::string id(call.path.Get("id"));
  auto e = call.engine.store().ReadWebhookEndpoint(call.merchant_id, id);
  if (!e.ok()) {
    call.reply(Unavailable());
    return std::nullopt;
  }
  if (!e.value() || e.value()->dialect != kDialect) {
    call.Fail(NotFound("webhook_endpoint", id, "id"));
    return std::nullopt;
  }
  return *e.value();
}

void GetEndpoint(Call& call) {
  if (auto ok = ParseNoParams(call.params); !ok.ok()) return call.Fail(ok.error());
  if (auto e = ReadEndpoint(call)) call.reply(Ok(EndpointJson(*e, false)));
}

void ListEndpoints(Call& call) {
  Params p(call.params);
  if (auto e = p.Unknown({"limit", "starting_after", "ending_before"})) return call.Fail(*e);
  auto list = call.engine.store().ListWebhookEndpoints(call.merchant_id, std::string(kDialect));
  if (!list.ok()) return call.reply(Unavailable());
  std::string body = R"({"object":"list","data":[)";
  for (auto it = list.value().rbegin(); it != list.value().rend(); ++it) {
    if (it != list.value().rbegin()) body += ',';
    body += EndpointJson(*it, false);
  }
  body += R"(],"has_more":false,"url":"/v1/webhook_endpoints"})";
  call.reply(Ok(std::move(body)));
}

// A write on one endpoint: `change` edits it and says whether to show the (new) secret.
template <typename Change>
void ChangeEndpoint(Call& call, Change change) {
  auto existing = ReadEndpoint(call);
  if (!existing) return;
  Write(call, [merchant = call.merchant_id, id = existing->id, change](store::WriteTx& tx,
                                                                       int64_t now, bool& keep) {
    auto e = tx.LoadWebhookEndpoint(merchant, id);
    if (!e.ok()) {
      keep = false;
      return Unavailable();
    }
    if (!e.value() || e.value()->dialect != kDialect) {
      return ErrorResponse(NotFound("webhook_endpoint", id, "id"));
    }
    store::WebhookEndpoint endpoint = std::move(*e.value());
    const bool show_secret = change(endpoint, now);
    auto saved = tx.UpdateWebhookEndpoint(endpoint);
    if (!saved.ok()) {
      keep = false;
      return Unavailable();
    }
    return Ok(EndpointJson(endpoint, show_secret));
  });
}

void UpdateEndpoint(Call& call) {
  Params p(call.params);
  if (auto e = p.Unknown({"url", "enabled_events", "description"})) return call.Fail(*e);
  auto url = ParseEndpointUrl(p);
  if (!url.ok()) return call.Fail(url.error());
  auto events = ParseEnabledEvents(call.params);
  if (!events.ok()) return call.Fail(events.error());
  auto description = p.String("description", 5000);
  if (!description.ok()) return call.Fail(description.error());
  ChangeEndpoint(call, [url = url.value(), events = events.value(),
                        description = description.value()](store::WebhookEndpoint& e, int64_t) {
    if (url) e.url = *url;
    if (events) e.enabled_events = *events;
    if (description) e.description = *description;
    return false;
  });
}

// refundd's own: a new secret signs at once; the previous one keeps signing (a second v1) for
// `previous_secret_expires_in` seconds (default 24 h; 0 = not at all, and older ones neither),
// so receivers can switch.
void RollSecret(Call& call) {
  Params p(call.params);
  if (auto e = p.Unknown({"previous_secret_expires_in"})) return call.Fail(*e);
  auto seconds = p.Integer("previous_secret_expires_in");
  if (!seconds.ok()) return call.Fail(seconds.error());
  const int64_t expires_in = seconds.value().value_or(kDefaultRollExpirySeconds);
  if (expires_in < 0 || expires_in > kMaxRollExpirySeconds) {
    return call.Fail(Invalid("previous_secret_expires_in",
                             "previous_secret_expires_in must be between 0 and 604800."));
  }
  ChangeEndpoint(call, [expires_in](store::WebhookEndpoint& e, int64_t now) {
    std::vector<store::WebhookSecret> kept = {{NewWebhookFormat()->NewSecret(), 0}};
    for (const auto& s : e.secrets) {
      // None outlives the rolled one: 0 revokes every previous secret at once.
      const int64_t until = s.expires_ms == 0 ? now + expires_in * 1000
                                              : std::min(s.expires_ms, now + expires_in * 1000);
      if (until > now) kept.push_back({s.secret, until});
    }
    e.secrets = std::move(kept);
    return true;
  });
}

void DeleteEndpoint(Call& call) {
  if (auto ok = ParseNoParams(call.params); !ok.ok()) return call.Fail(ok.error());
  auto existing = ReadEndpoint(call);
  if (!existing) return;
  Write(call,
        [merchant = call.merchant_id, id = existing->id](store::WriteTx& tx, int64_t, bool& keep) {
          auto deleted = tx.DeleteWebhookEndpoint(merchant, id);
          if (!deleted.ok()) {
            keep = false;
            return Unavailable();
          }
          if (!deleted.value()) return ErrorResponse(NotFound("webhook_endpoint", id, "id"));
          JsonWriter w;
          w.BeginObject().Key("id").String(id).Key("object").String("webhook_endpoint");
          w.Key("deleted").Bool(true).EndObject();
          return Ok(w.Take());
        });
}

void ListEvents(Call& call) {
  Params p(call.params);
  if (auto e = p.Unknown(
          {"limit", "starting_after", "ending_before", "type", "created", "delivery_success"})) {
    return call.Fail(*e);
  }
  store::EventListQuery q;
  q.merchant_id = call.merchant_id;
  q.dialect = std::string(kDialect);
  auto limit = p.Integer("limit");
  if (!limit.ok()) return call.Fail(limit.error());
  if (limit.value()) {
    if (*limit.value() < 1 || *limit.value() > 100) {
      return call.Fail(Invalid("limit", "limit must be between 1 and 100."));
    }
    q.limit = static_cast<int>(*limit.value());
  }
  for (auto [name, target] :
       {std::pair{"starting_after", &q.starting_after},
        std::pair{"ending_before", &q.ending_before}, std::pair{"type", &q.type}}) {
    auto v = p.String(name, 255);
    if (!v.ok()) return call.Fail(v.error());
    *target = v.value().value_or("");
  }
  auto page = call.engine.store().ListEvents(q);
  if (!page.ok()) return call.reply(Unavailable());
  std::string body = R"({"object":"list","data":[)";
  for (std::size_t i = 0; i < page.value().events.size(); ++i) {
    if (i > 0) body += ',';
    // A snapshot that does not decode is answered like a row the store cannot read.
    auto event = EventBody(page.value().events[i]);
    if (!event) return call.reply(Unavailable());
    body += *event;
  }
  body += R"(],"has_more":)";
  body += page.value().has_more ? "true" : "false";
  body += R"(,"url":"/v1/events"})";
  call.reply(Ok(std::move(body)));
}

// The event named by the path, in this dialect; replies itself when there is none.
std::optional<store::OutboxEvent> ReadEvent(Call& call) {
  std::string id(call.path.Get("id"));
  auto e = call.engine.store().ReadEvent(call.merchant_id, id);
  if (!e.ok()) {
    call.reply(Unavailable());
    return std::nullopt;
  }
  if (!e.value() || e.value()->dialect != kDialect) {
    call.Fail(NotFound("event", id, "id"));
    return std::nullopt;
  }
  return *e.value();
}

void GetEvent(Call& call) {
  if (auto ok = ParseNoParams(call.params); !ok.ok()) return call.Fail(ok.error());
  auto e = ReadEvent(call);
  if (!e) return;
  auto body = EventBody(*e);
  call.reply(body ? Ok(std::move(*body)) : Unavailable());
}

// refundd's own: the event's deliveries and every attempt of each.
void EventDeliveries(Call& call) {
  if (auto ok = ParseNoParams(call.params); !ok.ok()) return call.Fail(ok.error());
  auto e = ReadEvent(call);
  if (!e) return;
  store::Store& store = call.engine.store();
  auto deliveries = store.ListDeliveries(call.merchant_id, e->id);
  if (!deliveries.ok()) return call.reply(Unavailable());
  JsonWriter w;
  w.BeginObject().Key("object").String("list").Key("data").BeginArray();
  for (const store::Delivery& d : deliveries.value()) {
    auto attempts = store.ListDeliveryAttempts(d.id);
    if (!attempts.ok()) return call.reply(Unavailable());
    w.BeginObject();
    w.Key("id").String(d.id);
    w.Key("object").String("webhook_delivery");
    w.Key("event").String(d.event_id);
    w.Key("webhook_endpoint").StringOrNull(d.endpoint_id);
    w.Key("url").String(d.url);
    w.Key("status").String(store::DeliveryStatusName(d.status));
    w.Key("next_attempt_ms");
    if (d.status == store::DeliveryStatus::kPending) {
      w.Int(d.next_attempt_ms);
    } else {
      w.Null();
    }
    w.Key("attempts").BeginArray();
    for (const store::DeliveryAttempt& a : attempts.value()) {
      w.BeginObject();
      w.Key("attempt").Int(a.attempt);
      w.Key("started_ms").Int(a.started_ms);
      w.Key("duration_ms").Int(a.duration_ms);
      w.Key("http_status");
      if (a.http_status != 0) {
        w.Int(a.http_status);
      } else {
        w.Null();
      }
      w.Key("error").StringOrNull(a.error);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray().Key("url").String("/v1/events/" + e->id + "/deliveries").EndObject();
  call.reply(Ok(w.Take()));
}

// refundd's own: every delivery of the event is sent again (also dead or delivered ones).
void RedeliverEvent(Call& call) {
  if (auto ok = ParseNoParams(call.params); !ok.ok()) return call.Fail(ok.error());
  auto e = ReadEvent(call);
  if (!e) return;
  auto n = call.engine.store().RedeliverEvent(call.merchant_id, e->id, call.engine.clock().NowMs());
  if (!n.ok()) return call.reply(Unavailable());
  JsonWriter w;
  w.BeginObject().Key("object").String("event_redelivery").Key("event").String(e->id);
  w.Key("deliveries").Int(n.value()).EndObject();
  call.reply(Ok(w.Take()));
}

// Sandbox: a pending refund succeeds, or a pending or succeeded refund fails, by hand.
void SettleRefund(Call& call, core::RefundStatus to) {
  Params p(call.params);
  auto unknown = to == core::RefundStatus::kFailed ? p.Unknown({"failure_reason"}) : p.Unknown({});
  if (unknown) return call.Fail(*unknown);
  auto reason =
      p.Enum("failure_reason", {"declined", "expired_or_canceled_card", "insufficient_funds",
                                "lost_or_stolen_card", "merchant_request", "unknown"});
  if (!reason.ok()) return call.Fail(reason.error());
  std::string id(call.path.Get("id"));
  auto existing = call.engine.store().ReadRefund(call.merchant_id, id);
  if (!existing.ok()) return call.reply(Unavailable());
  if (!existing.value() || existing.value()->dialect != kDialect) {
    return call.Fail(NotFound("refund", id, "id"));
  }
  Write(call, [merchant = call.merchant_id, id, to, reason = reason.value().value_or("declined")](
                  store::WriteTx& tx, int64_t now, bool& keep) {
    auto r = service::TransitionRefund(tx, merchant, id, to, reason, now);
    if (!r.ok()) return ErrorOf(r.error(), "refund", id, "id", nullptr, keep);
    return Ok(RefundJson(r.value().refund));
  });
}

void SucceedRefund(Call& call) { SettleRefund(call, core::RefundStatus::kSucceeded); }
void FailRefund(Call& call) { SettleRefund(call, core::RefundStatus::kFailed); }

bool ClaimsNative(const http::Request& request) {
  std::string_view auth = request.Header("authorization");
  return auth.starts_with("Bearer ") || auth.starts_with("Basic ");
}

}  // namespace

void RegisterWebhookRoutes(http::Router& router, service::Engine& engine) {
  struct Entry {
    const char* method;
    const char* pattern;
    void (*handler)(Call&);
  };
  static constexpr Entry kRoutes[] = {
      {"POST", "/v1/webhook_endpoints", CreateEndpoint},
      {"GET", "/v1/webhook_endpoints", ListEndpoints},
      {"GET", "/v1/webhook_endpoints/{id}", GetEndpoint},
      {"POST", "/v1/webhook_endpoints/{id}", UpdateEndpoint},
      {"DELETE", "/v1/webhook_endpoints/{id}", DeleteEndpoint},
      {"POST", "/v1/webhook_endpoints/{id}/roll_secret", RollSecret},
      {"GET", "/v1/events", ListEvents},
      {"GET", "/v1/events/{id}", GetEvent},
      {"GET", "/v1/events/{id}/deliveries", EventDeliveries},
      {"POST", "/v1/events/{id}/redeliver", RedeliverEvent},
      {"POST", "/v1/test_helpers/refunds/{id}/succeed", SucceedRefund},
      {"POST", "/v1/test_helpers/refunds/{id}/fail", FailRefund},
  };
  for (const Entry& e : kRoutes) {
    router.Add(http::Route{e.method, e.pattern, std::string(kDialect), ClaimsNative,
                           /*fallback=*/true, Handle(engine, e.handler)});
  }
}

}  // namespace refundd::dialects::native
