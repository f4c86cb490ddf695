#include "dialects/common/kit.h"

#include <utility>

#include "dialects/common/fingerprint.h"

namespace refundd::dialects::common {

namespace {

// Fresh ids are drawn this many times before a write gives up (answered unavailable). Random ids
// of 9 digits or more collide about never; this only keeps the answer certain.
constexpr int kMintAttempts = 8;

struct InFlight {
  Call call;
  Translator translate;
  std::string key;
  std::string fingerprint;
  int attempts = 0;
};

http::Response Failure(const DialectSpec& spec, service::WriteFailure f) { return spec.failure(f); }

void Submit(std::shared_ptr<InFlight> w) {
  Translated t = w->translate(w->call);
  if (!t.ok()) return w->call.Answer(t.error());
  Translation tr = std::move(t).value();
  if (w->call.now_ms && !tr.command.now_ms) tr.command.now_ms = w->call.now_ms;
  service::Submission s;
  s.command = std::move(tr.command);
  s.idempotency_key = w->key;
  s.fingerprint = w->fingerprint;
  s.done = [w, render = std::move(tr.render)](const service::WriteResult& result,
                                              const service::StoredAnswer* stored) mutable {
    const DialectSpec& spec = w->call.spec;
    if (!result.ok()) {
      service::WriteFailure f = result.error();
      if (f == service::WriteFailure::kRetry) {
        if (++w->attempts < kMintAttempts) return Submit(std::move(w));
        f = service::WriteFailure::kUnavailable;
      }
      return w->call.Answer(http::Response::Later([&spec, f] { return Failure(spec, f); }));
    }
    if (stored) {
      http::Response r{stored->status, stored->content_type, {}, stored->body};
      if (spec.mark_replay) spec.mark_replay(r);
      return w->call.Answer(std::move(r));
    }
    w->call.Answer(http::Response::Later(
        [&spec, render = std::move(render), outcome = result.value()] {
          http::Response r = render(outcome);
          if (outcome.replayed && spec.mark_replay) spec.mark_replay(r);
          return r;
        }));
  };
  w->call.engine.Submit(std::move(s));
}

}  // namespace

int64_t Call::Now() const { return now_ms.value_or(engine.clock().NowMs()); }

http::RouteHandler Route(service::Engine& engine, const DialectSpec& spec, Handler handler) {
  return [&engine, &spec, handler = std::move(handler)](
             http::Request&& request, http::PathParams path, http::Reply reply) {
    Call call{engine, spec, std::move(request), std::move(path), std::move(reply), "",
              boost::json::object(), std::nullopt, ""};
    if (auto refused = spec.authenticate(call)) return call.Answer(std::move(*refused));
    if (spec.decode) {
      if (auto refused = spec.decode(call)) return call.Answer(std::move(*refused));
    }
    handler(call);
  };
}

void Write(Call& call, Translator translate) {
  std::string key;
  if (!call.spec.idempotency_header.empty()) {
    key = std::string(call.request.Header(call.spec.idempotency_header));
  }
  Write(call, std::move(key), std::move(translate));
}

void Write(Call& call, std::string key, Translator translate) {
  if (key.size() > call.spec.idempotency_key_max) return call.Answer(call.spec.key_too_long());
  std::string fingerprint;
  if (!key.empty()) {
    fingerprint = RequestFingerprint(call.request.method, call.request.path, call.params);
  }
  auto w = std::make_shared<InFlight>(
      InFlight{std::move(call), std::move(translate), std::move(key), std::move(fingerprint), 0});
  Submit(std::move(w));
}

bool Blank(std::string_view body) {
  return body.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

}  // namespace refundd::dialects::common
