#include "dialects/d24/routes.h"

#include <boost/json.hpp>

#include "base/ids.h"
#include "dialects/common/kit.h"
#include "dialects/d24/auth.h"
#include "dialects/d24/errors.h"
#include "dialects/d24/translate.h"
#include "http/body.h"

namespace refundd::dialects::d24 {

namespace {

constexpr std::string_view kDialect = "d24";
// Random ids are 9 digits (below 2^31, for clients that read them into 32-bit integers); a
// collision with one of the merchant's own ids is retried with fresh ones (common::Write).
constexpr int kIdDigits = 9;

using common::Call;
using common::Translated;
using service::Outcome;
using service::Refusal;

http::Response Ok(std::string body) {
  return http::Response{200, "application/json", {}, std::move(body)};
}

http::Response Fail(const Error& e) { return ErrorResponse(e); }

// A D24 error a command's hook found, carried whole to the answer.
Refusal Refused(const Error& e) { return Refusal::Dialect(e.status, e.code, e.type, e.description); }

// The answer for a refused command.
http::Response RefusalAnswer(const Refusal& r) {
  switch (r.kind) {
    case Refusal::Kind::kRule:
      return Fail(ErrorFor(r.rule));
    case Refusal::Kind::kNotFound:
      return Fail(NotFound());
    case Refusal::Kind::kAliasTaken:  // only invoice ids are aliases a client chooses
      return Fail(InvalidBody("invoice_id has already been used"));
    case Refusal::Kind::kDialect:
      return Fail(Error{r.status, r.code, r.what, r.detail});
  }
  return Fail(Unavailable());
}

// Renders an Outcome with `ok`, or its refusal.
template <typename Answer>
std::function<http::Response(const Outcome&)> Render(Answer answer) {
  return [answer](const Outcome& o) { return o.ok() ? answer(o) : RefusalAnswer(*o.refusal); };
}

std::optional<http::Response> Authenticate(Call& call) {
  auto headers = ReadAuthHeaders(call.request);
  if (!headers.ok()) return Fail(headers.error());
  auto credential = call.engine.Authenticate(std::string(kDialect), headers.value().x_login);
  if (!credential) return Fail(InvalidCredentials());
  auto verified = Verify(headers.value(), credential->secret, call.request.body,
                         call.engine.clock().NowMs());
  if (!verified.ok()) return Fail(verified.error());
  call.merchant_id = credential->merchant_id;
  return std::nullopt;
}

std::optional<http::Response> Decode(Call& call) {
  if (call.request.method != "POST" || common::Blank(call.request.body)) return std::nullopt;
  auto decoded = http::DecodeJson(call.request.body);
  if (!decoded.ok()) return Fail(InvalidBody(decoded.error()));
  call.params = std::move(decoded).value();
  return std::nullopt;
}

http::Response Failure(service::WriteFailure f) {
  switch (f) {
    case service::WriteFailure::kInFlight:
      return Fail(IdempotencyKeyInUse());
    case service::WriteFailure::kKeyMismatch:
      return Fail(IdempotencyKeyReused());
    case service::WriteFailure::kUnavailable:
    case service::WriteFailure::kRetry:
      return Fail(Unavailable());
  }
  return Fail(Unavailable());
}

const common::DialectSpec& Spec() {
  static const common::DialectSpec spec{
      kDialect,
      Authenticate,
      Decode,
      "x-idempotency-key",
      255,
      [] { return Fail(MissingHeader("X-Idempotency-Key")); },
      Failure,
      nullptr,
  };
  return spec;
}

Translated CreateDepositCommand(Call& call) {
  auto parsed = ParseCreateDeposit(call.params);
  if (!parsed.ok()) return common::Refuse(Fail(parsed.error()));
  DepositInput in = std::move(parsed).value();
  const int64_t now = call.Now();
  DepositAttrs attrs = in.attrs;
  attrs.deposit_id = *ParseId(RandomDigits(kIdDigits));
  attrs.user_id = *ParseId(RandomDigits(8));

  core::Payment p;
  p.id = SortableId("d24dep_", now);
  p.merchant_id = call.merchant_id;
  p.dialect = std::string(kDialect);
  p.currency = in.currency;
  p.amount_minor = in.amount_minor;
  p.payment_method = in.payment_method;
  p.description = attrs.description;
  p.created_ms = p.updated_ms = now;
  p.attrs = EncodeDepositAttrs(attrs);
  // Card deposits complete at once; others wait for the payer (the sandbox's /complete).
  if (attrs.card) CHECK(core::ConfirmPayment(p, /*capture_now=*/true, now).ok());

  service::Command c;
  c.merchant_id = call.merchant_id;
  c.dialect = std::string(kDialect);
  c.op = service::CreatePayment{std::move(p)};
  c.aliases = {
      {std::string(kDepositAlias), std::to_string(attrs.deposit_id),
       service::AliasWrite::To::kPayment, "", /*minted=*/true},
      {std::string(kInvoiceAlias), attrs.invoice_id, service::AliasWrite::To::kPayment, ""},
  };
  return common::Translation{std::move(c), Render([](const Outcome& o) {
                               return Ok(DepositCreatedJson(*o.payment,
                                                            DecodeDepositAttrs(o.payment->attrs)));
                             })};
}

void CreateDeposit(Call& call) { common::Write(call, CreateDepositCommand); }

// A D24 integer id from the path, or the 404 answer.
std::optional<int64_t> PathId(Call& call, std::string_view param) {
  auto id = ParseId(call.path.Get(param));
  if (!id) call.Answer(Fail(NotFound()));
  return id;
}

void GetDeposit(Call& call) {
  auto id = PathId(call, "deposit_id");
  if (!id) return;
  auto deposit = call.engine.reads().PaymentByAlias(call.merchant_id, kDepositAlias,
                                                    std::to_string(*id), kDialect);
  if (!deposit.ok()) return call.Answer(Fail(Unavailable()));
  if (!deposit.value()) return call.Answer(Fail(NotFound()));
  const core::Payment& p = *deposit.value();
  call.Answer(Ok(DepositStatusJson(p, DecodeDepositAttrs(p.attrs))));
}

http::Response DepositStatusAnswer(const Outcome& o) {
  return Ok(DepositStatusJson(*o.payment, DecodeDepositAttrs(o.payment->attrs)));
}

// Sandbox only: the payer paid; a PENDING deposit becomes COMPLETED. Completing a COMPLETED
// deposit again answers its state.
void CompleteDeposit(Call& call) {
  auto id = PathId(call, "deposit_id");
  if (!id) return;
  common::Write(call, [id = *id](Call& req) -> Translated {
    service::Command c;
    c.merchant_id = req.merchant_id;
    c.dialect = std::string(kDialect);
    service::ConfirmPayment op;
    op.payment = service::Ref::Alias(kDepositAlias, std::to_string(id));
    op.capture_now = true;
    op.captured_is_done = true;
    c.op = std::move(op);
    return common::Translation{std::move(c), Render(DepositStatusAnswer)};
  });
}

Translated CreateRefundCommand(Call& call) {
  auto parsed = ParseCreateRefund(call.params);
  if (!parsed.ok()) return common::Refuse(Fail(parsed.error()));
  RefundInput in = std::move(parsed).value();
  const int64_t now = call.Now();
  const int64_t refund_id = *ParseId(RandomDigits(kIdDigits));

  service::CreateRefund op;
  op.payment = service::Ref::Alias(kDepositAlias, std::to_string(in.deposit_id));
  op.refund.id = SortableId("d24ref_", now);
  op.refund.reason = in.comments;
  service::Command c;
  c.merchant_id = call.merchant_id;
  c.dialect = std::string(kDialect);
  c.aliases = {{std::string(kRefundAlias), std::to_string(refund_id),
                service::AliasWrite::To::kRefund, "", /*minted=*/true}};
  // What D24 decides from the deposit: its invoice and country, card or bank, the amount.
  c.prepare = [in, refund_id](service::Draft& d) -> std::optional<Refusal> {
    const DepositAttrs attrs = DecodeDepositAttrs(d.payment->attrs);
    auto request = PlanRefund(in, *d.payment, attrs);
    if (!request.ok()) return Refused(request.error());
    *d.request = request.value();
    RefundAttrs ra{refund_id, attrs.card, in.comments, in.notification_url,
                   attrs.card ? "" : in.bank_account_json};
    d.refund->attrs = EncodeRefundAttrs(ra);
    d.refund->status = InitialStatus(attrs);  // without the lifecycle: tests, tools
    return std::nullopt;
  };
  c.op = std::move(op);
  return common::Translation{std::move(c), Render([](const Outcome& o) {
                               return Ok(RefundCreatedJson(*o.refund,
                                                           DecodeRefundAttrs(o.refund->attrs),
                                                           *o.payment,
                                                           DecodeDepositAttrs(o.payment->attrs)));
                             })};
}

void CreateRefund(Call& call) { common::Write(call, CreateRefundCommand); }

void GetRefund(Call& call) {
  auto id = PathId(call, "refund_id");
  if (!id) return;
  service::Reads& reads = call.engine.reads();
  auto refund = reads.RefundByAlias(call.merchant_id, kRefundAlias, std::to_string(*id), kDialect);
  if (!refund.ok()) return call.Answer(Fail(Unavailable()));
  if (!refund.value()) return call.Answer(Fail(NotFound()));
  auto deposit = reads.Payment(call.merchant_id, refund.value()->payment_id, kDialect);
  if (!deposit.ok() || !deposit.value()) return call.Answer(Fail(Unavailable()));
  call.Answer(Ok(RefundStatusJson(*refund.value(), DecodeDepositAttrs(deposit.value()->attrs))));
}

// Sandbox only (refundd's hook, like the deposits' one): a PENDING bank refund becomes COMPLETED.
void CompleteRefund(Call& call) {
  auto id = PathId(call, "refund_id");
  if (!id) return;
  common::Write(call, [id = *id](Call& req) -> Translated {
    service::Command c;
    c.merchant_id = req.merchant_id;
    c.dialect = std::string(kDialect);
    service::TransitionRefund op;
    op.refund = service::Ref::Alias(kRefundAlias, std::to_string(id));
    op.to = core::RefundStatus::kSucceeded;
    op.already_is_done = true;
    c.op = std::move(op);
    return common::Translation{std::move(c), Render([](const Outcome& o) {
                                 return Ok(RefundStatusJson(*o.refund,
                                                            DecodeDepositAttrs(o.payment->attrs)));
                               })};
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
                           /*fallback=*/true, common::Route(engine, Spec(), e.handler)});
  }
  router.AddErrorSpace({"/v3", std::string(kDialect), nullptr, [](const http::RequestError& u) {
                          return ErrorResponse(FromRequestError(u));
                        }});
}

}  // namespace refundd::dialects::d24
