#include "dialects/kushki_common/glue.h"

#include <charconv>

#include "base/ids.h"
#include "dialects/common/uuid.h"
#include "dialects/kushki_common/body.h"
#include "dialects/kushki_common/credentials.h"
#include "service/fingerprint.h"

namespace refundd::dialects::kushki {

namespace {

constexpr std::size_t kMaxCredentialChars = 255;

// Whether the merchant may use the sandbox headers (see glue.h).
Parsed<bool> SandboxAllowed(store::Store& store, const std::string& merchant_id) {
  auto setting = store.GetMerchantSetting(merchant_id, std::string(kSettingSandboxControls));
  if (!setting.ok()) return Err(Error(KCode::kK002));
  if (setting.value()) return *setting.value() == "on";
  auto sandbox = store.FindMerchantByName("sandbox");
  if (!sandbox.ok()) return Err(Error(KCode::kK002));
  return sandbox.value().has_value() && sandbox.value()->id == merchant_id;
}

Parsed<Sandbox> ReadSandbox(const http::Request& request, store::Store& store,
                            const std::string& merchant_id) {
  Sandbox sandbox;
  const bool has_now = request.HasHeader("x-refundd-sandbox-now");
  const bool has_reference = request.HasHeader("x-refundd-sandbox-transaction-reference");
  if (!has_now && !has_reference) return sandbox;
  auto allowed = SandboxAllowed(store, merchant_id);
  if (!allowed.ok()) return Err(allowed.error());
  if (!allowed.value()) {
    return Err(Error(KCode::kK001,
                     "the X-Refundd-Sandbox-* headers are not enabled for this "
                     "merchant"));
  }
  if (has_now) {
    std::string_view text = request.Header("x-refundd-sandbox-now");
    int64_t ms = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
    if (ec != std::errc() || end != text.data() + text.size() || ms <= 0 || text.size() > 15) {
      return Err(Error(KCode::kK001, "X-Refundd-Sandbox-Now must be unix milliseconds"));
    }
    sandbox.now_ms = ms;
  }
  if (has_reference) {
    std::string_view text = request.Header("x-refundd-sandbox-transaction-reference");
    if (!common::IsUuid(text)) {
      return Err(Error(KCode::kK001, "X-Refundd-Sandbox-Transaction-Reference must be a UUID"));
    }
    sandbox.transaction_reference = std::string(text);
  }
  return sandbox;
}

}  // namespace

http::Response Respond(const Style& style, const KError& error) {
  return http::Response{style.status(error.kind), "application/json", {}, ErrorJson(error)};
}

Style MakeStyle(int (*status)(KKind kind)) {
  Style style{status, {}};
  style.answers.in_flight = [status] {
    KError e{KCode::kK001, "a request with the same idempotency key is still running; retry later",
             KKind::kConflict};
    return http::Response{status(e.kind), "application/json", {}, ErrorJson(e)};
  };
  style.answers.key_mismatch = [status] {
    KError e{KCode::kK001, "the idempotency key was used with another request", KKind::kConflict};
    return http::Response{status(e.kind), "application/json", {}, ErrorJson(e)};
  };
  style.answers.unavailable = [status] {
    KError e = Error(KCode::kK002);
    return http::Response{status(e.kind), "application/json", {}, ErrorJson(e)};
  };
  return style;
}

std::function<bool(const http::Request&)> Claims(std::string_view header) {
  return [header = std::string(header)](const http::Request& r) { return r.HasHeader(header); };
}

http::RouteHandler Handle(service::Engine& engine, const Style& style, Auth auth,
                          void (*handler)(Call&)) {
  return [&engine, &style, auth, handler](http::Request&& request, http::PathParams path,
                                          http::Reply reply) {
    Call call{engine, style, std::move(request), std::move(path), std::move(reply), "", {}, {}};
    std::string_view id = call.request.Header(auth.header);
    if (id.empty() || id.size() > kMaxCredentialChars) return call.Fail(Error(KCode::kK004));
    auto credential = engine.Authenticate(std::string(auth.dialect), CredentialLookup(id));
    if (!credential) return call.Fail(Error(KCode::kK004));
    call.merchant_id = credential->merchant_id;
    auto body = DecodeBody(call.request);
    if (!body.ok()) return call.Fail(body.error());
    call.body = std::move(body).value();
    auto sandbox = ReadSandbox(call.request, engine.store(), call.merchant_id);
    if (!sandbox.ok()) return call.Fail(sandbox.error());
    call.sandbox = std::move(sandbox).value();
    handler(call);
  };
}

void Write(Call& call, std::string idempotency_key, Run run) {
  service::WriteCall w;
  w.merchant_id = call.merchant_id;
  if (!idempotency_key.empty()) {
    w.fingerprint = service::RequestFingerprint(call.request.method, call.request.path, call.body);
  }
  w.idempotency_key = std::move(idempotency_key);
  w.run = [sandbox = call.sandbox, run = std::move(run)](store::WriteTx& tx, int64_t now_ms,
                                                         bool& keep) {
    return run(tx, sandbox.Now(now_ms), keep);
  };
  w.answers = &call.style.answers;
  w.reply = std::move(call.reply);
  call.engine.Write(std::move(w));
}

http::Response StoreFailed(const Style& style, bool& keep) {
  keep = false;
  return Respond(style, Error(KCode::kK002));
}

http::Response ErrorOf(const Style& style, const service::UseCaseError& error, bool& keep) {
  switch (error.kind) {
    case service::UseCaseError::Kind::kRefused:
      return Respond(style, ErrorFor(error.refusal));
    case service::UseCaseError::Kind::kNotFound:
      return Respond(style, Error(KCode::kK010));
    case service::UseCaseError::Kind::kStore:
      return StoreFailed(style, keep);
  }
  return StoreFailed(style, keep);
}

store::StoreResult<std::optional<Ids>> AssignIds(store::WriteTx& tx, const std::string& merchant_id,
                                                 Owner owner, const std::string& object_id,
                                                 const std::string& preset_reference) {
  const bool payment = owner == Owner::kPayment;
  auto insert = [&](std::string_view kind, const std::string& alias) {
    return tx.InsertAlias(store::Alias{merchant_id, std::string(kind), alias, object_id});
  };
  if (!preset_reference.empty()) {
    auto taken =
        tx.FindAlias(merchant_id, std::string(payment ? kAliasReference : kAliasRefundReference),
                     preset_reference);
    if (!taken.ok()) return Err(taken.error());
    if (taken.value()) return std::optional<Ids>();
  }
  Ids ids;
  // 18 random digits collide about never; a few tries keep the answer certain.
  for (int attempt = 0; attempt < 4 && ids.ticket_number.empty(); ++attempt) {
    std::string ticket = RandomDigits(18);
    auto inserted = insert(payment ? kAliasTicket : kAliasRefundTicket, ticket);
    if (!inserted.ok()) return Err(inserted.error());
    if (inserted.value()) ids.ticket_number = std::move(ticket);
  }
  if (ids.ticket_number.empty()) {
    return Err(store::StoreError{store::StoreErrorKind::kAborted, "ticket number collisions"});
  }
  if (!preset_reference.empty()) {
    auto inserted = insert(payment ? kAliasReference : kAliasRefundReference, preset_reference);
    if (!inserted.ok()) return Err(inserted.error());
    CHECK(inserted.value());  // looked up free in this same transaction
    ids.transaction_reference = preset_reference;
    return std::optional<Ids>(std::move(ids));
  }
  for (int attempt = 0; attempt < 4 && ids.transaction_reference.empty(); ++attempt) {
    std::string reference = common::RandomUuid();
    auto inserted = insert(payment ? kAliasReference : kAliasRefundReference, reference);
    if (!inserted.ok()) return Err(inserted.error());
    if (inserted.value()) ids.transaction_reference = std::move(reference);
  }
  if (ids.transaction_reference.empty()) {
    return Err(store::StoreError{store::StoreErrorKind::kAborted, "reference collisions"});
  }
  return std::optional<Ids>(std::move(ids));
}

store::StoreResult<std::optional<core::Payment>> PaymentByAlias(store::WriteTx& tx,
                                                                const std::string& merchant_id,
                                                                std::string_view kind,
                                                                const std::string& alias,
                                                                std::string_view dialect) {
  auto id = tx.FindAlias(merchant_id, std::string(kind), alias);
  if (!id.ok()) return Err(id.error());
  if (!id.value()) return std::optional<core::Payment>();
  auto payment = tx.LoadPaymentForUpdate(merchant_id, *id.value());
  if (!payment.ok()) return Err(payment.error());
  if (!payment.value() || payment.value()->dialect != dialect) {
    return std::optional<core::Payment>();
  }
  return payment;
}

store::StoreResult<std::optional<core::Refund>> RefundByAlias(store::WriteTx& tx,
                                                              const std::string& merchant_id,
                                                              std::string_view kind,
                                                              const std::string& alias,
                                                              std::string_view dialect) {
  auto id = tx.FindAlias(merchant_id, std::string(kind), alias);
  if (!id.ok()) return Err(id.error());
  if (!id.value()) return std::optional<core::Refund>();
  auto refund = tx.LoadRefund(merchant_id, *id.value());
  if (!refund.ok()) return Err(refund.error());
  if (!refund.value() || refund.value()->dialect != dialect) return std::optional<core::Refund>();
  return refund;
}

std::string ApprovalCode() { return RandomDigits(6); }

}  // namespace refundd::dialects::kushki
