#include "dialects/kushki_common/kit.h"

#include <charconv>
#include <optional>

#include "base/ids.h"
#include "dialects/common/uuid.h"
#include "dialects/kushki_common/attrs.h"
#include "dialects/kushki_common/body.h"
#include "dialects/kushki_common/credentials.h"

namespace refundd::dialects::kushki {

namespace {

constexpr std::size_t kMaxCredentialChars = 255;

// Whether the merchant may use the sandbox headers (see kit.h).
Parsed<bool> SandboxAllowed(service::Reads& reads, const std::string& merchant_id) {
  auto setting = reads.Setting(merchant_id, std::string(kSettingSandboxControls));
  if (!setting.ok()) return Err(Error(KCode::kK002));
  if (setting.value()) return *setting.value() == "on";
  auto sandbox = reads.MerchantByName("sandbox");
  if (!sandbox.ok()) return Err(Error(KCode::kK002));
  return sandbox.value().has_value() && sandbox.value()->id == merchant_id;
}

// Sets call.now_ms and call.extra (the preset transaction reference) from the sandbox headers.
std::optional<KError> ReadSandbox(common::Call& call) {
  const http::Request& request = call.request;
  const bool has_now = request.HasHeader("x-refundd-sandbox-now");
  const bool has_reference = request.HasHeader("x-refundd-sandbox-transaction-reference");
  if (!has_now && !has_reference) return std::nullopt;
  auto allowed = SandboxAllowed(call.engine.reads(), call.merchant_id);
  if (!allowed.ok()) return allowed.error();
  if (!allowed.value()) {
    return Error(KCode::kK001, "the X-Refundd-Sandbox-* headers are not enabled for this merchant");
  }
  if (has_now) {
    std::string_view text = request.Header("x-refundd-sandbox-now");
    int64_t ms = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
    if (ec != std::errc() || end != text.data() + text.size() || ms <= 0 || text.size() > 15) {
      return Error(KCode::kK001, "X-Refundd-Sandbox-Now must be unix milliseconds");
    }
    call.now_ms = ms;
  }
  if (has_reference) {
    std::string_view text = request.Header("x-refundd-sandbox-transaction-reference");
    if (!common::IsUuid(text)) {
      return Error(KCode::kK001, "X-Refundd-Sandbox-Transaction-Reference must be a UUID");
    }
    call.extra = std::string(text);
  }
  return std::nullopt;
}

KError Conflict(std::string reason) {
  return KError{KCode::kK001, std::move(reason), KKind::kConflict};
}

}  // namespace

common::DialectSpec MakeSpec(const Api& api) {
  const StatusFn status = api.status;
  auto authenticate = [api](common::Call& call) -> std::optional<http::Response> {
    std::string_view id = call.request.Header(api.header);
    if (id.empty() || id.size() > kMaxCredentialChars) {
      return Respond(api.status, Error(KCode::kK004));
    }
    auto credential =
        call.engine.Authenticate(std::string(api.credential_dialect), CredentialLookup(id));
    if (!credential) return Respond(api.status, Error(KCode::kK004));
    call.merchant_id = credential->merchant_id;
    return std::nullopt;
  };
  auto decode = [status](common::Call& call) -> std::optional<http::Response> {
    auto body = DecodeBody(call.request);
    if (!body.ok()) return Respond(status, body.error());
    call.params = std::move(body).value();
    if (auto refused = ReadSandbox(call)) return Respond(status, *refused);
    return std::nullopt;
  };
  auto failure = [status](service::WriteFailure f) {
    switch (f) {
      case service::WriteFailure::kInFlight:
        return Respond(status, Conflict("a request with the same idempotency key is still "
                                        "running; retry later"));
      case service::WriteFailure::kKeyMismatch:
        return Respond(status, Conflict("the idempotency key was used with another request"));
      case service::WriteFailure::kUnavailable:
      case service::WriteFailure::kRetry:
        return Respond(status, Error(KCode::kK002));
    }
    return Respond(status, Error(KCode::kK002));
  };
  return common::DialectSpec{
      api.dialect,
      authenticate,
      decode,
      api.idempotency_header,
      255,
      [status] {
        return Respond(status,
                       Error(KCode::kK001, "Idempotency-Key is longer than 255 characters"));
      },
      failure,
      nullptr,
  };
}

std::function<bool(const http::Request&)> Claims(std::string_view header) {
  return [header = std::string(header)](const http::Request& r) { return r.HasHeader(header); };
}

http::Response Respond(StatusFn status, const KError& error) {
  return http::Response{status(error.kind), "application/json", {}, ErrorJson(error)};
}

http::Response Ok(std::string body) {
  return http::Response{200, "application/json", {}, std::move(body)};
}

service::Refusal Refused(StatusFn status, const KError& error) {
  return service::Refusal::Dialect(status(error.kind), static_cast<int>(error.code), "",
                                   error.reason);
}

KError ClientIdTaken() { return Conflict("client_transaction_id was already used"); }

http::Response RefusalAnswer(StatusFn status, const service::Refusal& r, const KError& not_found) {
  switch (r.kind) {
    case service::Refusal::Kind::kRule:
      return Respond(status, ErrorFor(r.rule));
    case service::Refusal::Kind::kNotFound:
      return Respond(status, not_found);
    case service::Refusal::Kind::kAliasTaken:
      if (r.what == kAliasClientTransaction) return Respond(status, ClientIdTaken());
      if (r.what == kAliasReference) {
        return Respond(status, Conflict("the sandbox transaction reference is taken"));
      }
      break;  // minted aliases are retried, never refused
    case service::Refusal::Kind::kDialect:
      // Read back from an idempotency record: outside input, so checked.
      if (r.status < 200 || r.status > 599 || r.code < 0 ||
          r.code > static_cast<int>(KCode::kK431)) {
        break;
      }
      return http::Response{r.status,
                            "application/json",
                            {},
                            ErrorJson(KError{static_cast<KCode>(r.code), r.detail})};
  }
  return Respond(status, Error(KCode::kK002));
}

service::Command NewCommand(const common::Call& call, std::string_view dialect) {
  service::Command c;
  c.merchant_id = call.merchant_id;
  c.dialect = std::string(dialect);
  return c;
}

Ids MintIds(const std::string& preset_reference) {
  return Ids{RandomDigits(18), preset_reference.empty() ? common::RandomUuid() : preset_reference};
}

void AddAliases(std::vector<service::AliasWrite>& aliases, const Ids& ids, Owner owner,
                bool preset_reference) {
  const bool payment = owner == Owner::kPayment;
  const auto to = payment ? service::AliasWrite::To::kPayment : service::AliasWrite::To::kRefund;
  aliases.push_back({std::string(payment ? kAliasTicket : kAliasRefundTicket), ids.ticket_number,
                     to, "", /*minted=*/true});
  aliases.push_back({std::string(payment ? kAliasReference : kAliasRefundReference),
                     ids.transaction_reference, to, "", /*minted=*/!preset_reference});
}

service::Hook RecordCapture(Ids ids) {
  return [ids = std::move(ids)](service::Draft& d) -> std::optional<service::Refusal> {
    PaymentAttrs attrs = DecodePaymentAttrs(d.payment->attrs);
    attrs.capture_ticket_number = ids.ticket_number;
    attrs.capture_transaction_reference = ids.transaction_reference;
    attrs.approved_ms = d.now_ms;
    d.payment->attrs = EncodePaymentAttrs(attrs);
    return std::nullopt;
  };
}

void RecordRelease(core::Payment& payment, const Ids& ids) {
  PaymentAttrs attrs = DecodePaymentAttrs(payment.attrs);
  attrs.void_ticket_number = ids.ticket_number;
  attrs.void_transaction_reference = ids.transaction_reference;
  payment.attrs = EncodePaymentAttrs(attrs);
}

std::string ApprovalCode() { return RandomDigits(6); }

}  // namespace refundd::dialects::kushki
