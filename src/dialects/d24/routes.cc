#include "dialects/d24/routes.h"

#include <boost/json.hpp>

#include "base/ids.h"
#include "dialects/common/write.h"
#include "dialects/d24/auth.h"
#include "dialects/d24/errors.h"
#include "dialects/d24/translate.h"
#include "http/body.h"
#include "service/payments.h"
#include "service/refunds.h"

namespace refundd::dialects::d24 {

namespace {

constexpr std::string_view kDialect = "d24";
constexpr std::size_t kMaxIdempotencyKey = 255;
// Random ids are 9 digits (below 2^31, for clients that read them into 32-bit integers); a
// collision with one of the merchant's own ids is retried.
constexpr int kIdDigits = 9;
constexpr int kIdAttempts = 16;

http::Response Ok(std::string body) {
  return http::Response{200, "application/json", {}, std::move(body)};
}

http::Response Fail(const Error& e) { return ErrorResponse(e); }

const service::DialectAnswers& Answers() {
  static const service::DialectAnswers answers{
      [] { return Fail(IdempotencyKeyInUse()); },
      [] { return Fail(IdempotencyKeyReused()); },
      [] { return Fail(Unavailable()); },
  };
  return answers;
}

// One request in flight, after auth and decoding.
struct Call {
  service::Engine& engine;
  http::Request request;
  http::PathParams path;
  http::Reply reply;
  std::string merchant_id;
  boost::json::value body;  // the decoded JSON body; {} when there is none

  void Fail(const Error& e) { reply(ErrorResponse(e)); }
};

// Wraps a handler with D24's auth (101 → 100 → 102 → 103) and JSON decoding (202).
http::RouteHandler Handle(service::Engine& engine, void (*handler)(Call&)) {
  return [&engine, handler](http::Request&& request, http::PathParams path, http::Reply reply) {
    Call call{engine, std::move(request),   std::move(path), std::move(reply),
              "",     boost::json::object()};
    auto headers = ReadAuthHeaders(call.request);
    if (!headers.ok()) return call.Fail(headers.error());
    auto credential = engine.Authenticate(std::string(kDialect), headers.value().x_login);
    if (!credential) return call.Fail(InvalidCredentials());
    auto verified =
        Verify(headers.value(), credential->secret, call.request.body, engine.clock().NowMs());
    if (!verified.ok()) return call.Fail(verified.error());
    call.merchant_id = credential->merchant_id;
    if (call.request.method == "POST" && !common::Blank(call.request.body)) {
      auto decoded = http::DecodeJson(call.request.body);
      if (!decoded.ok()) return call.Fail(InvalidBody(decoded.error()));
      call.body = std::move(decoded).value();
    }
    handler(call);
  };
}

using common::Run;

// Runs `run` through the engine, once per X-Idempotency-Key.
void Write(Call& call, Run run) {
  std::string_view key = call.request.Header("x-idempotency-key");
  if (key.size() > kMaxIdempotencyKey) return call.Fail(MissingHeader("X-Idempotency-Key"));
  common::WriteOnce(call.engine, call.merchant_id, kDialect, key, call.request, call.body,
                    Answers(), std::move(call.reply), std::move(run));
}

http::Response StoreFailed(bool& keep) {
  keep = false;
  return Fail(Unavailable());
}

http::Response ErrorOf(const service::UseCaseError& e, bool& keep) {
  switch (e.kind) {
    case service::UseCaseError::Kind::kRefused:
      return Fail(ErrorFor(e.refusal));
    case service::UseCaseError::Kind::kNotFound:
      return Fail(NotFound());
    case service::UseCaseError::Kind::kStore:
      return StoreFailed(keep);
  }
  return StoreFailed(keep);
}

// A random id that `kind` does not yet map for this merchant.
store::StoreResult<int64_t> FreeId(store::WriteTx& tx, const std::string& merchant_id,
                                   std::string_view kind) {
  for (int i = 0; i < kIdAttempts; ++i) {
    std::string candidate = RandomDigits(kIdDigits);
    auto found = tx.FindAlias(merchant_id, std::string(kind), candidate);
    if (!found.ok()) return Err(found.error());
    if (!found.value()) return *ParseId(candidate);
  }
  return Err(store::StoreError{store::StoreErrorKind::kConstraint, "no free d24 id"});
}

// The internal id behind a D24 integer id, inside a write.
store::StoreResult<std::optional<std::string>> Resolve(store::WriteTx& tx,
                                                       const std::string& merchant_id,
                                                       std::string_view kind, int64_t id) {
  return tx.FindAlias(merchant_id, std::string(kind), std::to_string(id));
}

void CreateDeposit(Call& call) {
  auto parsed = ParseCreateDeposit(call.body);
  if (!parsed.ok()) return call.Fail(parsed.error());
  Write(call, [merchant = call.merchant_id, in = std::move(parsed).value()](
                  store::WriteTx& tx, int64_t now, bool& keep) {
    auto used = tx.FindAlias(merchant, std::string(kInvoiceAlias), in.attrs.invoice_id);
    if (!used.ok()) return StoreFailed(keep);
    if (used.value()) return Fail(InvalidBody("invoice_id has already been used"));
    auto deposit_id = FreeId(tx, merchant, kDepositAlias);
    if (!deposit_id.ok()) return StoreFailed(keep);
    DepositAttrs attrs = in.attrs;
    attrs.deposit_id = deposit_id.value();
    attrs.user_id = *ParseId(RandomDigits(8));

    core::Payment p;
    p.id = SortableId("d24dep_", now);
    p.merchant_id = merchant;
    p.dialect = std::string(kDialect);
    p.currency = in.currency;
    p.amount_minor = in.amount_minor;
    p.payment_method = in.payment_method;
    p.description = attrs.description;
    p.created_ms = p.updated_ms = now;
    p.attrs = EncodeDepositAttrs(attrs);
    // Card deposits complete at once; others wait for the payer (the sandbox's /complete).
    if (attrs.card) CHECK(core::ConfirmPayment(p, /*capture_now=*/true, now).ok());
    auto created = service::CreatePayment(tx, std::move(p));
    if (!created.ok()) return ErrorOf(created.error(), keep);
    const std::string& id = created.value().id;
    auto a1 = tx.InsertAlias(
        {merchant, std::string(kDepositAlias), std::to_string(attrs.deposit_id), id});
    auto a2 = tx.InsertAlias({merchant, std::string(kInvoiceAlias), attrs.invoice_id, id});
    if (!a1.ok() || !a2.ok() || !a1.value() || !a2.value()) return StoreFailed(keep);
    return Ok(DepositCreatedJson(created.value(), attrs));
  });
}

// Reads a D24 object of this merchant by its integer id; replies itself when there is none.
template <typename T, typename ReadFn>
std::optional<T> ReadByAlias(Call& call, std::string_view kind, std::string_view param,
                             ReadFn read) {
  auto id = ParseId(call.path.Get(param));
  if (!id) {
    call.Fail(NotFound());
    return std::nullopt;
  }
  store::Store& store = call.engine.store();
  auto internal = store.ReadAlias(call.merchant_id, std::string(kind), std::to_string(*id));
  if (!internal.ok()) {
    call.Fail(Unavailable());
    return std::nullopt;
  }
  if (!internal.value()) {
    call.Fail(NotFound());
    return std::nullopt;
  }
  auto object = read(store, *internal.value());
  if (!object.ok()) {
    call.Fail(Unavailable());
    return std::nullopt;
  }
  if (!object.value() || object.value()->dialect != kDialect) {
    call.Fail(NotFound());
    return std::nullopt;
  }
  return std::move(*object.value());
}

void GetDeposit(Call& call) {
  auto deposit = ReadByAlias<core::Payment>(
      call, kDepositAlias, "deposit_id",
      [&](store::Store& s, const std::string& id) { return s.ReadPayment(call.merchant_id, id); });
  if (deposit) call.reply(Ok(DepositStatusJson(*deposit, DecodeDepositAttrs(deposit->attrs))));
}

// Sandbox only: the payer paid; a PENDING deposit becomes COMPLETED. Completing a COMPLETED
// deposit again answers its state.
void CompleteDeposit(Call& call) {
  auto id = ParseId(call.path.Get("deposit_id"));
  if (!id) return call.Fail(NotFound());
  Write(call, [merchant = call.merchant_id, id = *id](store::WriteTx& tx, int64_t now, bool& keep) {
    auto internal = Resolve(tx, merchant, kDepositAlias, id);
    if (!internal.ok()) return StoreFailed(keep);
    if (!internal.value()) return Fail(NotFound());
    auto done = service::ConfirmPayment(tx, merchant, *internal.value(), true, "", now);
    if (!done.ok()) {
      if (done.error().kind != service::UseCaseError::Kind::kRefused) {
        return ErrorOf(done.error(), keep);
      }
      auto current = tx.LoadPaymentForUpdate(merchant, *internal.value());
      if (!current.ok() || !current.value()) return StoreFailed(keep);
      if (current.value()->status != core::PaymentStatus::kCaptured) {
        return ErrorOf(done.error(), keep);
      }
      done = std::move(*current.value());
    }
    return Ok(DepositStatusJson(done.value(), DecodeDepositAttrs(done.value().attrs)));
  });
}

void CreateRefund(Call& call) {
  auto parsed = ParseCreateRefund(call.body);
  if (!parsed.ok()) return call.Fail(parsed.error());
  Write(call, [merchant = call.merchant_id, in = std::move(parsed).value()](
                  store::WriteTx& tx, int64_t now, bool& keep) {
    auto internal = Resolve(tx, merchant, kDepositAlias, in.deposit_id);
    if (!internal.ok()) return StoreFailed(keep);
    if (!internal.value()) return Fail(NotFound());
    auto deposit = tx.LoadPaymentForUpdate(merchant, *internal.value());
    if (!deposit.ok()) return StoreFailed(keep);
    if (!deposit.value() || deposit.value()->dialect != kDialect) return Fail(NotFound());
    const DepositAttrs attrs = DecodeDepositAttrs(deposit.value()->attrs);
    auto request = PlanRefund(in, *deposit.value(), attrs);
    if (!request.ok()) return Fail(request.error());
    auto refund_id = FreeId(tx, merchant, kRefundAlias);
    if (!refund_id.ok()) return StoreFailed(keep);

    RefundAttrs ra{refund_id.value(), attrs.card, in.comments, in.notification_url,
                   attrs.card ? "" : in.bank_account_json};
    service::NewRefund r;
    r.merchant_id = merchant;
    r.payment_id = *internal.value();
    r.refund_id = SortableId("d24ref_", now);
    r.dialect = std::string(kDialect);
    r.request = request.value();
    r.reason = in.comments;
    r.attrs = EncodeRefundAttrs(ra);
    r.initial_status = InitialStatus(attrs);
    auto created = service::CreateRefund(tx, r, now);
    if (!created.ok()) return ErrorOf(created.error(), keep);
    auto alias = tx.InsertAlias(
        {merchant, std::string(kRefundAlias), std::to_string(ra.refund_id), r.refund_id});
    if (!alias.ok() || !alias.value()) return StoreFailed(keep);
    return Ok(RefundCreatedJson(created.value().refund, ra, created.value().payment, attrs));
  });
}

void GetRefund(Call& call) {
  auto refund = ReadByAlias<core::Refund>(
      call, kRefundAlias, "refund_id",
      [&](store::Store& s, const std::string& id) { return s.ReadRefund(call.merchant_id, id); });
  if (!refund) return;
  auto deposit = call.engine.store().ReadPayment(call.merchant_id, refund->payment_id);
  if (!deposit.ok() || !deposit.value()) return call.Fail(Unavailable());
  call.reply(Ok(RefundStatusJson(*refund, DecodeDepositAttrs(deposit.value()->attrs))));
}

// Sandbox only (refundd's hook, like the deposits' one): a PENDING bank refund becomes COMPLETED.
void CompleteRefund(Call& call) {
  auto id = ParseId(call.path.Get("refund_id"));
  if (!id) return call.Fail(NotFound());
  Write(call, [merchant = call.merchant_id, id = *id](store::WriteTx& tx, int64_t now, bool& keep) {
    auto internal = Resolve(tx, merchant, kRefundAlias, id);
    if (!internal.ok()) return StoreFailed(keep);
    if (!internal.value()) return Fail(NotFound());
    auto done = service::TransitionRefund(tx, merchant, *internal.value(),
                                          core::RefundStatus::kSucceeded, "", now);
    if (done.ok()) {
      return Ok(
          RefundStatusJson(done.value().refund, DecodeDepositAttrs(done.value().payment.attrs)));
    }
    if (done.error().kind != service::UseCaseError::Kind::kRefused) {
      return ErrorOf(done.error(), keep);
    }
    auto refund = tx.LoadRefund(merchant, *internal.value());
    if (!refund.ok() || !refund.value()) return StoreFailed(keep);
    if (refund.value()->status != core::RefundStatus::kSucceeded) {
      return ErrorOf(done.error(), keep);
    }
    auto deposit = tx.LoadPaymentForUpdate(merchant, refund.value()->payment_id);
    if (!deposit.ok() || !deposit.value()) return StoreFailed(keep);
    return Ok(RefundStatusJson(*refund.value(), DecodeDepositAttrs(deposit.value()->attrs)));
  });
}

}  // namespace

void NewCredentials(const std::string& merchant_id, std::vector<core::Credential>& out,
                    boost::json::object& shown) {
  const std::string x_login = RandomId("", 20);
  const std::string secret_key = RandomId("", 40);
  out.push_back({std::string(kDialect), x_login, merchant_id, secret_key});
  shown[kDialect] = boost::json::object{{"x_login", x_login}, {"secret_key", secret_key}};
}

void RegisterRoutes(http::Router& router, service::Engine& engine) {
  struct Entry {
    const char* method;
    const char* pattern;
    void (*handler)(Call&);
  };
  static constexpr Entry kRoutes[] = {
      {"POST", "/v3/deposits", CreateDeposit},
      {"GET", "/v3/deposits/{deposit_id}", GetDeposit},
      {"POST", "/v3/deposits/{deposit_id}/complete", CompleteDeposit},
      {"POST", "/v3/refunds", CreateRefund},
      {"GET", "/v3/refunds/{refund_id}", GetRefund},
      {"POST", "/v3/refunds/{refund_id}/complete", CompleteRefund},
  };
  // No other dialect serves /v3: these routes claim every request on their paths, and D24's
  // own auth answers those without its headers.
  for (const Entry& e : kRoutes) {
    router.Add(http::Route{e.method, e.pattern, std::string(kDialect), nullptr,
                           /*fallback=*/true, Handle(engine, e.handler)});
  }
  router.AddErrorSpace({"/v3", std::string(kDialect), nullptr, [](const http::RequestError& u) {
                          return ErrorResponse(FromRequestError(u));
                        }});
}

}  // namespace refundd::dialects::d24
