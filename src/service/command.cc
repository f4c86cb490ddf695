#include "service/command.h"

#include "base/netstring.h"
#include "core/snapshot.h"

namespace refundd::service {

namespace {

constexpr std::string_view kOutcomeTag = "o1";

const Ref* PaymentRef(const Op& op) {
  return std::visit(
      [](const auto& o) -> const Ref* {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, ConfirmPayment> || std::is_same_v<T, CapturePayment> ||
                      std::is_same_v<T, VoidPayment> || std::is_same_v<T, TouchPayment> ||
                      std::is_same_v<T, CreateRefund>) {
          return &o.payment;
        } else {
          return nullptr;
        }
      },
      op);
}

void WriteEndpoint(NetstringWriter& w, const core::WebhookEndpoint& e) {
  w.Str(e.id).Str(e.merchant_id).Str(e.dialect).Str(e.url).Str(e.description);
  w.Int(static_cast<int64_t>(e.enabled_events.size()));
  for (const std::string& t : e.enabled_events) w.Str(t);
  w.Int(static_cast<int64_t>(e.secrets.size()));
  for (const core::WebhookSecret& s : e.secrets) w.Str(s.secret).Int(s.expires_ms);
  w.Int(e.created_ms);
}

bool ReadCount(NetstringReader& r, int64_t& n) { return r.Int(n) && n >= 0 && n <= 100000; }

bool ReadEndpoint(NetstringReader& r, core::WebhookEndpoint& e) {
  if (!r.Str(e.id) || !r.Str(e.merchant_id) || !r.Str(e.dialect) || !r.Str(e.url) ||
      !r.Str(e.description))
    return false;
  int64_t n = 0;
  if (!ReadCount(r, n)) return false;
  e.enabled_events.assign(static_cast<std::size_t>(n), "");
  for (std::string& t : e.enabled_events) {
    if (!r.Str(t)) return false;
  }
  if (!ReadCount(r, n)) return false;
  e.secrets.assign(static_cast<std::size_t>(n), core::WebhookSecret{});
  for (core::WebhookSecret& s : e.secrets) {
    if (!r.Str(s.secret) || !r.Int(s.expires_ms)) return false;
  }
  return r.Int(e.created_ms);
}

template <typename T, typename ReadFn>
bool ReadOptional(NetstringReader& r, std::optional<T>& out, ReadFn read) {
  bool present = false;
  if (!r.Bool(present)) return false;
  if (!present) {
    out.reset();
    return true;
  }
  out.emplace();
  return read(r, *out);
}

}  // namespace

std::string LockHint(const Command& command) {
  const Ref* ref = PaymentRef(command.op);
  return ref ? ref->id : std::string();
}

std::string EncodeOutcome(const Outcome& o) {
  NetstringWriter w;
  w.Str(kOutcomeTag).Int(o.now_ms);
  w.Bool(o.payment.has_value());
  if (o.payment) core::WritePayment(w, *o.payment);
  w.Bool(o.refund.has_value());
  if (o.refund) core::WriteRefund(w, *o.refund);
  w.Bool(o.endpoint.has_value());
  if (o.endpoint) WriteEndpoint(w, *o.endpoint);
  w.Int(static_cast<int64_t>(o.values.size()));
  for (const std::string& v : o.values) w.Str(v);
  w.Bool(o.refusal.has_value());
  if (o.refusal) {
    const Refusal& f = *o.refusal;
    w.Int(static_cast<int64_t>(f.kind)).Int(static_cast<int64_t>(f.rule)).Str(f.what);
    w.Int(f.code).Str(f.detail).Int(f.status);
    w.Bool(f.payment.has_value());
    if (f.payment) core::WritePayment(w, *f.payment);
  }
  return std::move(w).str();
}

std::optional<Outcome> DecodeOutcome(std::string_view text) {
  NetstringReader r(text);
  Outcome o;
  auto tag = r.Str();
  if (!tag || *tag != kOutcomeTag || !r.Int(o.now_ms)) return std::nullopt;
  if (!ReadOptional(r, o.payment, core::ReadPayment)) return std::nullopt;
  if (!ReadOptional(r, o.refund, core::ReadRefund)) return std::nullopt;
  if (!ReadOptional(r, o.endpoint, ReadEndpoint)) return std::nullopt;
  int64_t n = 0;
  if (!ReadCount(r, n)) return std::nullopt;
  o.values.assign(static_cast<std::size_t>(n), "");
  for (std::string& v : o.values) {
    if (!r.Str(v)) return std::nullopt;
  }
  auto read_refusal = [](NetstringReader& rr, Refusal& f) {
    int64_t kind = 0, rule = 0;
    if (!rr.Int(kind) || kind < 0 || kind > static_cast<int64_t>(Refusal::Kind::kDialect))
      return false;
    if (!rr.Int(rule) || rule < 0 ||
        rule > static_cast<int64_t>(core::Refusal::kPartsDoNotAddUp))
      return false;
    f.kind = static_cast<Refusal::Kind>(kind);
    f.rule = static_cast<core::Refusal>(rule);
    return rr.Str(f.what) && rr.Int(f.code) && rr.Str(f.detail) && rr.Int(f.status) &&
           ReadOptional(rr, f.payment, core::ReadPayment);
  };
  if (!ReadOptional(r, o.refusal, read_refusal)) return std::nullopt;
  if (!r.done()) return std::nullopt;
  return o;
}

}  // namespace refundd::service
