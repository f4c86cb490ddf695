// The native dialect's lifecycle routes: webhook endpoints (Stripe's /v1/webhook_endpoints, plus
// refundd's roll_secret), events (Stripe's /v1/events, plus refundd's delivery log and
// redelivery), and the sandbox's by-hand refund outcomes (/v1/test_helpers/refunds/{id}/...).
// See docs/native-api.md and docs/lifecycle.md.
#include <algorithm>
#include <boost/json.hpp>

#include "base/ids.h"
#include "base/json_writer.h"
#include "dialects/native/params.h"
#include "dialects/native/spec.h"
#include "dialects/native/webhooks.h"
#include "webhooks/client.h"

namespace refundd::dialects::native {

namespace {

namespace json = boost::json;

using common::Translated;
using service::Outcome;

constexpr int64_t kDefaultRollExpirySeconds = 24 * 3600;
constexpr int64_t kMaxRollExpirySeconds = 7 * 24 * 3600;

std::string EndpointJson(const core::WebhookEndpoint& e, bool with_secret) {
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

ApiError EndpointNotFound(std::string_view id) { return NotFound("webhook_endpoint", id, "id"); }

void CreateEndpoint(Call& call) {
  Params p(call.params);
  if (auto e = p.Unknown({"url", "enabled_events", "description", "api_version"})) {
    return Fail(call, *e);
  }
  auto url = ParseEndpointUrl(p);
  if (!url.ok()) return Fail(call, url.error());
  if (!url.value()) return Fail(call, Missing("url"));
  auto events = ParseEnabledEvents(call.params);
  if (!events.ok()) return Fail(call, events.error());
  if (!events.value()) return Fail(call, Missing("enabled_events"));
  auto description = p.String("description", 5000);
  if (!description.ok()) return Fail(call, description.error());
  core::WebhookEndpoint e;
  e.url = *url.value();
  e.description = description.value().value_or("");
  e.enabled_events = *events.value();
  common::Write(call, [e](Call& req) mutable -> Translated {
    const int64_t now = req.Now();
    e.id = SortableId("we_", now);
    e.created_ms = now;
    e.secrets = {{NewWebhookFormat()->NewSecret(), 0}};
    return common::Translation{NewCommand(req, service::CreateEndpoint{e}),
                               Render(EndpointNotFound(""), [](const Outcome& o) {
                                 return Ok(EndpointJson(*o.endpoint, /*with_secret=*/true));
                               })};
  });
}

void GetEndpoint(Call& call) {
  if (auto ok = ParseNoParams(call.params); !ok.ok()) return Fail(call, ok.error());
  std::string id(call.path.Get("id"));
  auto e = call.engine.reads().WebhookEndpoint(call.merchant_id, id, kDialect);
  if (!e.ok()) return call.Answer(Unavailable());
  if (!e.value()) return Fail(call, EndpointNotFound(id));
  call.Answer(Ok(EndpointJson(*e.value(), false)));
}

void ListEndpoints(Call& call) {
  Params p(call.params);
  if (auto e = p.Unknown({"limit", "starting_after", "ending_before"})) return Fail(call, *e);
  auto list = call.engine.reads().WebhookEndpoints(call.merchant_id, kDialect);
  if (!list.ok()) return call.Answer(Unavailable());
  std::string body = R"({"object":"list","data":[)";
  for (auto it = list.value().rbegin(); it != list.value().rend(); ++it) {
    if (it != list.value().rbegin()) body += ',';
    body += EndpointJson(*it, false);
  }
  body += R"(],"has_more":false,"url":"/v1/webhook_endpoints"})";
  call.Answer(Ok(std::move(body)));
}

// A write on the endpoint the path names: `change(endpoint, now_ms)` edits it on the writer (in
// a hook, so pure), and `show_secret` says whether the answer shows its (new) secret.
template <typename Change>
void ChangeEndpoint(Call& call, Change change, bool show_secret) {
  std::string id(call.path.Get("id"));
  common::Write(call, [id, change, show_secret](Call& req) -> Translated {
    service::Command c = NewCommand(req, service::UpdateEndpoint{id});
    c.prepare = [change](service::Draft& d) -> std::optional<service::Refusal> {
      change(*d.endpoint, d.now_ms);
      return std::nullopt;
    };
    return common::Translation{std::move(c),
                               Render(EndpointNotFound(id), [show_secret](const Outcome& o) {
                                 return Ok(EndpointJson(*o.endpoint, show_secret));
                               })};
  });
}

void UpdateEndpoint(Call& call) {
  Params p(call.params);
  if (auto e = p.Unknown({"url", "enabled_events", "description"})) return Fail(call, *e);
  auto url = ParseEndpointUrl(p);
  if (!url.ok()) return Fail(call, url.error());
  auto events = ParseEnabledEvents(call.params);
  if (!events.ok()) return Fail(call, events.error());
  auto description = p.String("description", 5000);
  if (!description.ok()) return Fail(call, description.error());
  ChangeEndpoint(
      call,
      [url = url.value(), events = events.value(), description = description.value()](
          core::WebhookEndpoint& e, int64_t) {
        if (url) e.url = *url;
        if (events) e.enabled_events = *events;
        if (description) e.description = *description;
      },
      /*show_secret=*/false);
}

// refundd's own: a new secret signs at once; the previous one keeps signing (a second v1) for
// `previous_secret_expires_in` seconds (default 24 h; 0 = not at all, and older ones neither),
// so receivers can switch.
void RollSecret(Call& call) {
  Params p(call.params);
  if (auto e = p.Unknown({"previous_secret_expires_in"})) return Fail(call, *e);
  auto seconds = p.Integer("previous_secret_expires_in");
  if (!seconds.ok()) return Fail(call, seconds.error());
  const int64_t expires_in = seconds.value().value_or(kDefaultRollExpirySeconds);
  if (expires_in < 0 || expires_in > kMaxRollExpirySeconds) {
    return Fail(call, Invalid("previous_secret_expires_in",
                              "previous_secret_expires_in must be between 0 and 604800."));
  }
  // Drawn here: hooks draw no random numbers.
  const std::string secret = NewWebhookFormat()->NewSecret();
  ChangeEndpoint(
      call,
      [expires_in, secret](core::WebhookEndpoint& e, int64_t now) {
        std::vector<core::WebhookSecret> kept = {{secret, 0}};
        for (const auto& s : e.secrets) {
          // None outlives the rolled one: 0 revokes every previous secret at once.
          const int64_t until = s.expires_ms == 0 ? now + expires_in * 1000
                                                  : std::min(s.expires_ms, now + expires_in * 1000);
          if (until > now) kept.push_back({s.secret, until});
        }
        e.secrets = std::move(kept);
      },
      /*show_secret=*/true);
}

void DeleteEndpoint(Call& call) {
  if (auto ok = ParseNoParams(call.params); !ok.ok()) return Fail(call, ok.error());
  std::string id(call.path.Get("id"));
  common::Write(call, [id](Call& req) -> Translated {
    return common::Translation{
        NewCommand(req, service::DeleteEndpoint{id}),
        Render(EndpointNotFound(id), [](const Outcome& o) {
          JsonWriter w;
          w.BeginObject().Key("id").String(o.endpoint->id).Key("object").String("webhook_endpoint");
          w.Key("deleted").Bool(true).EndObject();
          return Ok(w.Take());
        })};
  });
}

void ListEvents(Call& call) {
  Params p(call.params);
  if (auto e = p.Unknown(
          {"limit", "starting_after", "ending_before", "type", "created", "delivery_success"})) {
    return Fail(call, *e);
  }
  service::EventListQuery q;
  q.merchant_id = call.merchant_id;
  q.dialect = std::string(kDialect);
  auto limit = p.Integer("limit");
  if (!limit.ok()) return Fail(call, limit.error());
  if (limit.value()) {
    if (*limit.value() < 1 || *limit.value() > 100) {
      return Fail(call, Invalid("limit", "limit must be between 1 and 100."));
    }
    q.limit = static_cast<int>(*limit.value());
  }
  for (auto [name, target] :
       {std::pair{"starting_after", &q.starting_after},
        std::pair{"ending_before", &q.ending_before}, std::pair{"type", &q.type}}) {
    auto v = p.String(name, 255);
    if (!v.ok()) return Fail(call, v.error());
    *target = v.value().value_or("");
  }
  auto page = call.engine.reads().Events(q);
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
std::optional<service::OutboxEvent> ReadEvent(Call& call) {
  std::string id(call.path.Get("id"));
  auto e = call.engine.reads().Event(call.merchant_id, id, kDialect);
  if (!e.ok()) {
    call.reply(Unavailable());
    return std::nullopt;
  }
  if (!e.value()) {
    Fail(call, NotFound("event", id, "id"));
    return std::nullopt;
  }
  return *e.value();
}

void GetEvent(Call& call) {
  if (auto ok = ParseNoParams(call.params); !ok.ok()) return Fail(call, ok.error());
  auto e = ReadEvent(call);
  if (!e) return;
  auto body = EventBody(*e);
  call.reply(body ? Ok(std::move(*body)) : Unavailable());
}

// refundd's own: the event's deliveries and every attempt of each.
void EventDeliveries(Call& call) {
  if (auto ok = ParseNoParams(call.params); !ok.ok()) return Fail(call, ok.error());
  auto e = ReadEvent(call);
  if (!e) return;
  service::Reads& reads = call.engine.reads();
  auto deliveries = reads.Deliveries(call.merchant_id, e->id);
  if (!deliveries.ok()) return call.reply(Unavailable());
  JsonWriter w;
  w.BeginObject().Key("object").String("list").Key("data").BeginArray();
  for (const service::Delivery& d : deliveries.value()) {
    auto attempts = reads.DeliveryAttempts(d.id);
    if (!attempts.ok()) return call.reply(Unavailable());
    w.BeginObject();
    w.Key("id").String(d.id);
    w.Key("object").String("webhook_delivery");
    w.Key("event").String(d.event_id);
    w.Key("webhook_endpoint").StringOrNull(d.endpoint_id);
    w.Key("url").String(d.url);
    w.Key("status").String(service::DeliveryStatusName(d.status));
    w.Key("next_attempt_ms");
    if (d.status == service::DeliveryStatus::kPending) {
      w.Int(d.next_attempt_ms);
    } else {
      w.Null();
    }
    w.Key("attempts").BeginArray();
    for (const service::DeliveryAttempt& a : attempts.value()) {
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
  if (auto ok = ParseNoParams(call.params); !ok.ok()) return Fail(call, ok.error());
  auto e = ReadEvent(call);
  if (!e) return;
  auto n = call.engine.reads().RedeliverEvent(call.merchant_id, e->id, call.engine.clock().NowMs());
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
  if (unknown) return Fail(call, *unknown);
  auto reason =
      p.Enum("failure_reason", {"declined", "expired_or_canceled_card", "insufficient_funds",
                                "lost_or_stolen_card", "merchant_request", "unknown"});
  if (!reason.ok()) return Fail(call, reason.error());
  service::TransitionRefund op;
  op.refund = service::Ref::Id(std::string(call.path.Get("id")));
  op.to = to;
  op.failure_reason = reason.value().value_or("declined");
  common::Write(call, [op](Call& req) -> Translated {
    return common::Translation{NewCommand(req, op),
                               Render(NotFound("refund", op.refund.id, "id"), [](const Outcome& o) {
                                 return Ok(RefundJson(*o.refund));
                               })};
  });
}

void SucceedRefund(Call& call) { SettleRefund(call, core::RefundStatus::kSucceeded); }
void FailRefund(Call& call) { SettleRefund(call, core::RefundStatus::kFailed); }

}  // namespace

void RegisterWebhookRoutes(http::Router& router, service::Engine& engine) {
  static constexpr RouteEntry kRoutes[] = {
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
  AddRoutes(router, engine, kRoutes);
}

}  // namespace refundd::dialects::native
