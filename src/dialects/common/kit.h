#pragma once
// The one dialect kit: what every provider's routes share, written once. A dialect describes
// itself in a DialectSpec (how a request is authenticated and decoded, its idempotency header and
// limits, its answers when the engine decides) and writes, per route, a handler that either reads
// (through service::Reads) or translates the request into a service::Command and says how to
// render its Outcome. The kit does the rest: the idempotency key, the fingerprint, submitting the
// command, retrying with fresh ids when a minted id was taken, and rendering the answer on the
// io thread after the commit is durable.
//
// A request refused while authenticating, decoding or translating never reaches the engine, so it
// never claims an idempotency key.

#include <boost/json/value.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "http/message.h"
#include "http/router.h"
#include "service/command.h"
#include "service/engine.h"

namespace refundd::dialects::common {

struct DialectSpec;

// One request in flight, after authentication and decoding.
struct Call {
  service::Engine& engine;
  const DialectSpec& spec;
  http::Request request;
  http::PathParams path;
  http::Reply reply;
  std::string merchant_id;
  boost::json::value params;  // the decoded body (or query): what the fingerprint covers
  // The instant the dialect's sandbox asked for (Kushki's X-Refundd-Sandbox-Now); the command
  // then runs at it.
  std::optional<int64_t> now_ms;
  // Anything else the dialect's authentication found that its handlers need (a preset id).
  std::string extra;

  void Answer(http::Response response) { reply(std::move(response)); }
  int64_t Now() const;  // now_ms, or the engine's clock
};

// What a write route makes of a request: the command, and how to render what it did. `render`
// runs on an io thread and must depend only on the Outcome and on what the request itself said
// (a replay, which has the same request, renders the same bytes); ids the translation minted
// reach it through Outcome::values or the objects.
struct Translation {
  service::Command command;
  std::function<http::Response(const service::Outcome&)> render;
};
using Translated = Result<Translation, http::Response>;

struct DialectSpec {
  std::string_view dialect;
  // Sets call.merchant_id (and now_ms, extra), or answers. Runs first, before the body is read.
  std::function<std::optional<http::Response>(Call& call)> authenticate;
  // Sets call.params from the request, or answers (the dialect's "bad body" error).
  std::function<std::optional<http::Response>(Call& call)> decode;
  // The request header carrying the idempotency key (lower case); "" when the dialect takes the
  // key from the body (the translation sets it: Translation key below).
  std::string_view idempotency_header;
  std::size_t idempotency_key_max = 255;
  // Answers when the key is longer than idempotency_key_max.
  std::function<http::Response()> key_too_long;
  // Answers when the engine, not the command, decides (in flight, mismatch, unavailable).
  std::function<http::Response(service::WriteFailure failure)> failure;
  // Marks a replayed answer (Stripe's Idempotent-Replayed header); may be empty.
  std::function<void(http::Response& response)> mark_replay;
};

using Handler = std::function<void(Call& call)>;

// A route handler: authentication, decoding, then `handler`. `spec` must outlive the router.
http::RouteHandler Route(service::Engine& engine, const DialectSpec& spec, Handler handler);

// Translates and executes one write: the request's idempotency key (from the spec's header, or
// `key` when the dialect reads it from the body: pass it explicitly), then `translate` (again,
// with fresh ids, when the engine asks for a retry). Answers exactly once.
using Translator = std::function<Translated(Call& call)>;
void Write(Call& call, Translator translate);
void Write(Call& call, std::string key, Translator translate);

// A refusal the translation or the render makes: the answer, and nothing claimed.
inline Translated Refuse(http::Response response) { return Err(std::move(response)); }

// Whether a body is empty or only whitespace (a POST without parameters).
bool Blank(std::string_view body);

}  // namespace refundd::dialects::common
