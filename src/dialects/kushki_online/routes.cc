#include "dialects/kushki_online/routes.h"

#include "base/ids.h"
#include "core/rules.h"
#include "crypto/crypto.h"
#include "dialects/common/kit.h"
#include "dialects/kushki_common/attrs.h"
#include "dialects/kushki_common/credentials.h"
#include "dialects/kushki_common/kit.h"
#include "dialects/kushki_common/time_rules.h"
#include "dialects/kushki_online/translate.h"

namespace refundd::dialects::kushki_online {

namespace {

using common::Call;
using common::Translated;
using kushki::Error;
using kushki::KCode;
using service::Outcome;
using service::Refusal;

constexpr std::string_view kDialect = kushki::kOnlineDialect;
constexpr kushki::Api kPrivate{kDialect, "private-merchant-id", kushki::kOnlineDialect, StatusOf,
                               "idempotency-key"};
// Tokens take no Idempotency-Key: each request is a new single-use token.
constexpr kushki::Api kPublic{kDialect, "public-merchant-id", kushki::kPublicDialect, StatusOf, ""};
// Kushki's card tokens are single-use and short-lived.
constexpr int64_t kTokenTtlMs = 30 * 60 * 1000;

const common::DialectSpec& PrivateSpec() {
  static const common::DialectSpec spec = kushki::MakeSpec(kPrivate);
  return spec;
}
const common::DialectSpec& PublicSpec() {
  static const common::DialectSpec spec = kushki::MakeSpec(kPublic);
  return spec;
}

http::Response Fail(const KError& error) { return kushki::Respond(StatusOf, error); }
Refusal Refused(const KError& error) { return kushki::Refused(StatusOf, error); }
http::Response Created(std::string body) {
  return http::Response{201, "application/json", {}, std::move(body)};
}

// Renders an Outcome with `ok`, or its refusal; `not_found` answers an unknown token or ticket.
template <typename OkFn>
kushki::Render RenderOr(KError not_found, OkFn ok) {
  return kushki::RenderWith(
      ok, [not_found](const Refusal& r) { return kushki::RefusalAnswer(StatusOf, r, not_found); });
}

std::string RandomToken() {
  unsigned char bytes[16];
  RandomBytes(bytes, sizeof bytes);
  return crypto::HexLower(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

Translated TokenCommand(Call& call) {
  auto parsed = ParseToken(call.params);
  if (!parsed.ok()) return common::Refuse(Fail(parsed.error()));
  const TokenInput in = std::move(parsed).value();
  const int64_t now = call.Now();
  core::Payment p;
  p.id = SortableId("kpy_", now);
  p.merchant_id = call.merchant_id;
  p.dialect = std::string(kDialect);
  p.currency = in.currency;
  p.amount_minor = in.total_minor;
  p.payment_method = in.card.brand;
  p.created_ms = p.updated_ms = now;
  kushki::PaymentAttrs attrs;
  attrs.kind = std::string(kushki::kKindToken);
  attrs.brand = in.card.brand;
  attrs.bin = in.card.bin;
  attrs.last4 = in.card.last4;
  attrs.holder = in.card.holder;
  attrs.token = RandomToken();
  p.attrs = kushki::EncodePaymentAttrs(attrs);
  service::Command c = kushki::NewCommand(call, kDialect);
  c.aliases = {{std::string(kushki::kAliasToken), attrs.token, service::AliasWrite::To::kPayment,
                "", /*minted=*/true}};
  c.op = service::CreatePayment{std::move(p)};
  return common::Translation{
      std::move(c), RenderOr(Error(KCode::kK002), [](const Outcome& o) {
        return kushki::Ok(TokenJson(kushki::DecodePaymentAttrs(o.payment->attrs).token));
      })};
}

void CreateToken(Call& call) { common::Write(call, TokenCommand); }

// A charge (capture_now) or a pre-authorization, with a token.
Translated SellCommand(Call& call, bool capture_now) {
  auto parsed = ParseCharge(call.params);
  if (!parsed.ok()) return common::Refuse(Fail(parsed.error()));
  const ChargeInput in = std::move(parsed).value();
  const kushki::Ids ids = kushki::MintIds();
  const std::string approval_code = kushki::ApprovalCode();
  service::ConfirmPayment op;
  op.payment = service::Ref::Alias(kushki::kAliasToken, in.token);
  op.capture_now = capture_now;
  service::Command c = kushki::NewCommand(call, kDialect);
  c.op = std::move(op);
  kushki::AddAliases(c.aliases, ids, kushki::Owner::kPayment);
  // What the token decides: it is unused, unexpired, and for this currency and amount.
  c.prepare = [in, capture_now](service::Draft& d) -> std::optional<Refusal> {
    core::Payment& p = *d.payment;
    if (p.status != core::PaymentStatus::kOpen) {
      return Refusal::Rule(core::Refusal::kPaymentNotConfirmable);
    }
    if (d.now_ms - p.created_ms > kTokenTtlMs) return Refused(Error(KCode::kK005));
    if (!(in.amount.currency == p.currency)) return Refused(Error(KCode::kK042));
    if (in.amount.TotalMinor() != p.amount_minor) {
      return Refused(Error(KCode::kK006, "the amount differs from the token's totalAmount"));
    }
    for (const core::PartAmount& b : in.amount.NonZero()) {
      p.parts.push_back(core::Part{b.name, b.amount_minor, 0, 0, 0});
    }
    p.capture_method = capture_now ? "automatic" : "manual";
    return std::nullopt;
  };
  c.finish = [in, capture_now, ids, approval_code](service::Draft& d) -> std::optional<Refusal> {
    kushki::PaymentAttrs attrs = kushki::DecodePaymentAttrs(d.payment->attrs);
    attrs.kind = std::string(capture_now ? kushki::kKindSale : kushki::kKindPreauth);
    attrs.ticket_number = ids.ticket_number;
    attrs.transaction_reference = ids.transaction_reference;
    attrs.approved_ms = d.now_ms;
    attrs.approval_code = approval_code;
    attrs.given = in.given;
    d.payment->attrs = kushki::EncodePaymentAttrs(attrs);
    return std::nullopt;
  };
  auto ok = [capture_now, full = in.full_response](const Outcome& o) {
    const kushki::PaymentAttrs a = kushki::DecodePaymentAttrs(o.payment->attrs);
    return kushki::Ok(SaleJson(*o.payment, a,
                               capture_now ? SaleType::kSale : SaleType::kPreauthorization,
                               a.ticket_number, a.transaction_reference, o.now_ms, full));
  };
  return common::Translation{std::move(c), RenderOr(Error(KCode::kK014, "unknown token"), ok)};
}

void Charge(Call& call) {
  common::Write(call, [](Call& c) { return SellCommand(c, /*capture_now=*/true); });
}
void PreAuthorize(Call& call) {
  common::Write(call, [](Call& c) { return SellCommand(c, /*capture_now=*/false); });
}

Translated CaptureCommand(Call& call) {
  auto parsed = ParseCapture(call.params);
  if (!parsed.ok()) return common::Refuse(Fail(parsed.error()));
  const CaptureInput in = std::move(parsed).value();
  const kushki::Ids ids = kushki::MintIds();
  service::CapturePayment op;
  op.payment = service::Ref::Alias(kushki::kAliasTicket, in.ticket_number);
  if (in.amount) op.amount_minor = in.amount->TotalMinor();
  service::Command c = kushki::NewCommand(call, kDialect);
  c.op = std::move(op);
  kushki::AddAliases(c.aliases, ids, kushki::Owner::kPayment);
  c.prepare = [in](service::Draft& d) -> std::optional<Refusal> {
    if (in.amount && !(in.amount->currency == d.payment->currency)) {
      return Refused(Error(KCode::kK042));
    }
    return std::nullopt;
  };
  c.finish = kushki::RecordCapture(ids);
  auto ok = [full = in.full_response](const Outcome& o) {
    const kushki::PaymentAttrs a = kushki::DecodePaymentAttrs(o.payment->attrs);
    return kushki::Ok(SaleJson(*o.payment, a, SaleType::kCapture, a.capture_ticket_number,
                               a.capture_transaction_reference, o.now_ms, full));
  };
  return common::Translation{std::move(c), RenderOr(Error(KCode::kK010), ok)};
}

void Capture(Call& call) { common::Write(call, CaptureCommand); }

// A released pre-authorization as the client sees it: nothing was charged, so no refund.
http::Response VoidedAnswer(const Outcome& o, bool full_response) {
  const core::Payment& p = *o.payment;
  const kushki::PaymentAttrs attrs = kushki::DecodePaymentAttrs(p.attrs);
  CancelView view;
  view.ticket_number = attrs.void_ticket_number;
  view.transaction_reference = attrs.void_transaction_reference;
  view.type = kushki::kRefundVoid;
  view.sale_ticket_number = attrs.ticket_number;
  view.sale_transaction_reference = attrs.transaction_reference;
  view.currency = p.currency;
  view.amount_minor = p.amount_minor;
  for (const core::Part& part : p.parts) view.buckets.push_back({part.name, part.amount_minor});
  view.created_ms = o.now_ms;
  return Created(CancelJson(view, full_response));
}

http::Response RefundedAnswer(const Outcome& o, const std::string& sale_ticket,
                              bool full_response) {
  const core::Refund& refund = *o.refund;
  const kushki::RefundAttrs attrs = kushki::DecodeRefundAttrs(refund.attrs);
  CancelView view;
  view.ticket_number = attrs.ticket_number;
  view.transaction_reference = attrs.transaction_reference;
  view.type = attrs.kind == kushki::kRefundVoid ? kushki::kRefundVoid : kushki::kRefundRefund;
  view.sale_ticket_number = sale_ticket;
  view.sale_transaction_reference = attrs.sale_transaction_reference;
  view.currency = refund.currency;
  view.amount_minor = refund.amount_minor;
  view.buckets = refund.parts;
  view.partial = o.payment->RefundableMinor() > 0;
  view.created_ms = o.now_ms;
  return Created(CancelJson(view, full_response));
}

// What the sale decides before the core's rule: a pre-authorization is voided in full; a refund
// is in the sale's currency, and partial only where Kushki allows it.
std::optional<Refusal> CheckCancel(const CancelInput& in, const service::Draft& d) {
  const core::Payment& p = *d.payment;
  if (d.refund == nullptr) {
    if (in.amount && in.amount->TotalMinor() != p.amount_minor) {
      return Refused(Error(KCode::kK006, "a pre-authorization is voided in full"));
    }
    return std::nullopt;
  }
  if (!in.amount) return std::nullopt;
  if (!(in.amount->currency == p.currency)) return Refused(Error(KCode::kK042));
  if (!PartialRefundsAllowed(p.currency) && p.status == core::PaymentStatus::kCaptured &&
      in.amount->TotalMinor() != p.RefundableMinor()) {
    return Refused(Error(KCode::kK006, "partial refunds are available in Colombia only"));
  }
  return std::nullopt;
}

// DELETE /v1/charges/{t} (void_endpoint) and DELETE /v1/refund/{t}: both give back a captured
// sale's money, as a void or a refund by the country's cut-off; only the void endpoint releases
// an uncaptured pre-authorization.
Translated CancelCommand(Call& call, bool void_endpoint) {
  std::string ticket(call.path.Get("ticketNumber"));
  if (!ValidTicketNumber(ticket)) return common::Refuse(Fail(Error(KCode::kK010)));
  auto parsed = ParseCancel(call.params);
  if (!parsed.ok()) return common::Refuse(Fail(parsed.error()));
  const CancelInput in = std::move(parsed).value();
  const kushki::Ids ids = kushki::MintIds();
  service::CreateRefund op;
  op.payment = service::Ref::Alias(kushki::kAliasTicket, ticket);
  op.refund.id = SortableId("kre_", call.Now());
  op.void_uncaptured = void_endpoint;
  if (in.amount) {
    op.request.currency = in.amount->currency;
    op.request.parts = in.amount->NonZero();
  }
  service::Command c = kushki::NewCommand(call, kDialect);
  c.op = std::move(op);
  c.prepare = [in, ids](service::Draft& d) -> std::optional<Refusal> {
    if (auto refused = CheckCancel(in, d)) return refused;
    // A released pre-authorization's ids are its payment's; a refund's are the refund's.
    kushki::AddAliases(*d.aliases, ids,
                       d.refund ? kushki::Owner::kRefund : kushki::Owner::kPayment);
    return std::nullopt;
  };
  c.finish = [in, ids, ticket](service::Draft& d) -> std::optional<Refusal> {
    if (d.refund == nullptr) {
      kushki::RecordRelease(*d.payment, ids);
      return std::nullopt;
    }
    const kushki::PaymentAttrs sale = kushki::DecodePaymentAttrs(d.payment->attrs);
    auto country = kushki::CountryForCurrency(d.payment->currency);
    if (!country) return Refused(Error(KCode::kK055));  // not a Kushki sale: damaged data
    const int64_t sale_ms = sale.approved_ms != 0 ? sale.approved_ms : d.payment->created_ms;
    const bool is_void =
        kushki::DecideVoidOrRefund(sale_ms, d.now_ms, *country) == kushki::Cancellation::kVoid;
    kushki::RefundAttrs attrs;
    attrs.kind = std::string(is_void ? kushki::kRefundVoid : kushki::kRefundRefund);
    attrs.ticket_number = ids.ticket_number;
    attrs.transaction_reference = ids.transaction_reference;
    attrs.sale_ticket_number = ticket;
    attrs.sale_transaction_reference = sale.transaction_reference;
    attrs.buckets = in.amount ? in.amount->buckets : d.refund->parts;
    attrs.given = in.given;
    d.refund->attrs = kushki::EncodeRefundAttrs(attrs);
    return std::nullopt;
  };
  auto ok = [ticket, full = in.full_response](const Outcome& o) {
    return o.refund ? RefundedAnswer(o, ticket, full) : VoidedAnswer(o, full);
  };
  return common::Translation{std::move(c), RenderOr(Error(KCode::kK010), ok)};
}

void Void(Call& call) {
  common::Write(call, [](Call& c) { return CancelCommand(c, /*void_endpoint=*/true); });
}
void Refund(Call& call) {
  common::Write(call, [](Call& c) { return CancelCommand(c, /*void_endpoint=*/false); });
}

}  // namespace

void RegisterRoutes(http::Router& router, service::Engine& engine) {
  struct Entry {
    const char* method;
    const char* pattern;
    const kushki::Api* api;
    bool fallback;  // only Kushki uses the path: answer K004 when the header is missing
    void (*handler)(Call&);
  };
  static const Entry kRoutes[] = {
      {"POST", "/card/v1/tokens", &kPublic, true, CreateToken},
      {"POST", "/card/v1/charges", &kPrivate, true, Charge},
      {"POST", "/card/v1/preAuthorization", &kPrivate, true, PreAuthorize},
      {"POST", "/card/v1/capture", &kPrivate, true, Capture},
      {"DELETE", "/v1/charges/{ticketNumber}", &kPrivate, false, Void},
      {"DELETE", "/v1/refund/{ticketNumber}", &kPrivate, false, Refund},
  };
  for (const Entry& e : kRoutes) {
    const common::DialectSpec& spec = e.api == &kPublic ? PublicSpec() : PrivateSpec();
    router.Add(http::Route{e.method, e.pattern, std::string(kDialect),
                           kushki::Claims(e.api->header), e.fallback,
                           common::Route(engine, spec, e.handler)});
  }
  // Unroutable requests: /card and /v1/refund are Kushki's alone; elsewhere under /v1 (shared
  // with the native API and Rapyd) a request is Kushki's when it carries a Kushki merchant id.
  auto render = [](const http::RequestError& u) { return Fail(kushki::FromRequestError(u)); };
  auto kushki_headers = [](const http::Request& r) {
    return r.HasHeader(kPrivate.header) || r.HasHeader(kPublic.header);
  };
  const std::string dialect(kDialect);
  router.AddErrorSpace({"/card", dialect, nullptr, render});
  router.AddErrorSpace({"/v1/refund", dialect, nullptr, render});
  router.AddErrorSpace({"/v1", dialect, kushki_headers, render});
}

}  // namespace refundd::dialects::kushki_online
