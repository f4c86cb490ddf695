#include "dialects/kushki_online/routes.h"

#include "base/ids.h"
#include "core/rules.h"
#include "crypto/crypto.h"
#include "dialects/kushki_common/attrs.h"
#include "dialects/kushki_common/credentials.h"
#include "dialects/kushki_common/glue.h"
#include "dialects/kushki_common/time_rules.h"
#include "dialects/kushki_online/translate.h"
#include "service/payments.h"
#include "service/refunds.h"

namespace refundd::dialects::kushki_online {

namespace {

using kushki::Call;
using kushki::Error;
using kushki::KCode;

constexpr std::string_view kDialect = kushki::kOnlineDialect;
constexpr kushki::Auth kPrivate{"private-merchant-id", kushki::kOnlineDialect};
constexpr kushki::Auth kPublic{"public-merchant-id", kushki::kPublicDialect};
// Kushki's card tokens are single-use and short-lived.
constexpr int64_t kTokenTtlMs = 30 * 60 * 1000;
constexpr std::size_t kMaxIdempotencyKeyChars = 255;

const kushki::Style& TheStyle() {
  static const kushki::Style style = kushki::MakeStyle(StatusOf);
  return style;
}

http::Response Fail(const kushki::KError& error) { return kushki::Respond(TheStyle(), error); }
http::Response StoreFailed(bool& keep) { return kushki::StoreFailed(TheStyle(), keep); }
http::Response Created(std::string body) {
  return http::Response{201, "application/json", {}, std::move(body)};
}
http::Response Ok(std::string body) {
  return http::Response{200, "application/json", {}, std::move(body)};
}

// The request's Idempotency-Key, scoped to this dialect; "" when none. False when too long.
bool IdempotencyKey(Call& call, std::string& key) {
  std::string_view given = call.request.Header("idempotency-key");
  if (given.size() > kMaxIdempotencyKeyChars) {
    call.Fail(Error(KCode::kK001, "Idempotency-Key is longer than 255 characters"));
    return false;
  }
  key = given.empty() ? "" : "kushki_online:" + std::string(given);
  return true;
}

void Write(Call& call, kushki::Run run) {
  std::string key;
  if (!IdempotencyKey(call, key)) return;
  kushki::Write(call, std::move(key), std::move(run));
}

std::string RandomToken() {
  unsigned char bytes[16];
  RandomBytes(bytes, sizeof bytes);
  return crypto::HexLower(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

void CreateToken(Call& call) {
  auto parsed = ParseToken(call.body);
  if (!parsed.ok()) return call.Fail(parsed.error());
  kushki::Write(call, "",
                [merchant = call.merchant_id, in = std::move(parsed).value()](
                    store::WriteTx& tx, int64_t now, bool& keep) {
                  core::Payment p;
                  p.id = SortableId("kpy_", now);
                  p.merchant_id = merchant;
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
                  for (int attempt = 0; attempt < 4 && attrs.token.empty(); ++attempt) {
                    std::string token = RandomToken();
                    auto inserted = tx.InsertAlias(
                        store::Alias{merchant, std::string(kushki::kAliasToken), token, p.id});
                    if (!inserted.ok()) return StoreFailed(keep);
                    if (inserted.value()) attrs.token = std::move(token);
                  }
                  if (attrs.token.empty()) return StoreFailed(keep);
                  p.attrs = kushki::EncodePaymentAttrs(attrs);
                  auto created = service::CreatePayment(tx, std::move(p));
                  if (!created.ok()) return kushki::ErrorOf(TheStyle(), created.error(), keep);
                  return Ok(TokenJson(attrs.token));
                });
}

// A charge (capture_now) or a pre-authorization, with a token.
void Sell(Call& call, bool capture_now) {
  auto parsed = ParseCharge(call.body);
  if (!parsed.ok()) return call.Fail(parsed.error());
  Write(call, [merchant = call.merchant_id, in = std::move(parsed).value(), capture_now](
                  store::WriteTx& tx, int64_t now, bool& keep) {
    auto loaded = kushki::PaymentByAlias(tx, merchant, kushki::kAliasToken, in.token, kDialect);
    if (!loaded.ok()) return StoreFailed(keep);
    if (!loaded.value()) return Fail(Error(KCode::kK014, "unknown token"));
    core::Payment p = std::move(*loaded.value());
    kushki::PaymentAttrs attrs = kushki::DecodePaymentAttrs(p.attrs);
    if (p.status != core::PaymentStatus::kOpen) {
      return Fail(kushki::ErrorFor(core::Refusal::kPaymentNotConfirmable));
    }
    if (now - p.created_ms > kTokenTtlMs) return Fail(Error(KCode::kK005));
    if (!(in.amount.currency == p.currency)) return Fail(Error(KCode::kK042));
    if (in.amount.TotalMinor() != p.amount_minor) {
      return Fail(Error(KCode::kK006, "the amount differs from the token's totalAmount"));
    }
    for (const core::PartAmount& b : in.amount.NonZero()) {
      p.parts.push_back(core::Part{b.name, b.amount_minor, 0, 0, 0});
    }
    p.capture_method = capture_now ? "automatic" : "manual";
    CHECK(core::ConfirmPayment(p, capture_now, now).ok());  // open, checked above
    auto ids = kushki::AssignIds(tx, merchant, kushki::Owner::kPayment, p.id);
    if (!ids.ok()) return StoreFailed(keep);
    CHECK(ids.value().has_value());  // no preset reference
    attrs.kind = std::string(capture_now ? kushki::kKindSale : kushki::kKindPreauth);
    attrs.ticket_number = ids.value()->ticket_number;
    attrs.transaction_reference = ids.value()->transaction_reference;
    attrs.approved_ms = now;
    attrs.approval_code = kushki::ApprovalCode();
    attrs.given = in.given;
    p.attrs = kushki::EncodePaymentAttrs(attrs);
    auto saved = tx.UpdatePayment(p);
    if (!saved.ok() || !saved.value()) return StoreFailed(keep);
    return Ok(SaleJson(p, attrs, capture_now ? SaleType::kSale : SaleType::kPreauthorization,
                       attrs.ticket_number, attrs.transaction_reference, now, in.full_response));
  });
}

void Charge(Call& call) { Sell(call, /*capture_now=*/true); }
void PreAuthorize(Call& call) { Sell(call, /*capture_now=*/false); }

void Capture(Call& call) {
  auto parsed = ParseCapture(call.body);
  if (!parsed.ok()) return call.Fail(parsed.error());
  Write(call, [merchant = call.merchant_id, in = std::move(parsed).value()](
                  store::WriteTx& tx, int64_t now, bool& keep) {
    auto loaded =
        kushki::PaymentByAlias(tx, merchant, kushki::kAliasTicket, in.ticket_number, kDialect);
    if (!loaded.ok()) return StoreFailed(keep);
    if (!loaded.value()) return Fail(Error(KCode::kK010));
    core::Payment p = std::move(*loaded.value());
    if (in.amount && !(in.amount->currency == p.currency)) return Fail(Error(KCode::kK042));
    std::optional<int64_t> amount;
    if (in.amount) amount = in.amount->TotalMinor();
    auto captured = core::CapturePayment(p, amount, now);
    if (!captured.ok()) return Fail(kushki::ErrorFor(captured.error()));
    auto ids = kushki::AssignIds(tx, merchant, kushki::Owner::kPayment, p.id);
    if (!ids.ok()) return StoreFailed(keep);
    kushki::PaymentAttrs attrs = kushki::DecodePaymentAttrs(p.attrs);
    attrs.capture_ticket_number = ids.value()->ticket_number;
    attrs.capture_transaction_reference = ids.value()->transaction_reference;
    attrs.approved_ms = now;
    p.attrs = kushki::EncodePaymentAttrs(attrs);
    auto saved = tx.UpdatePayment(p);
    if (!saved.ok() || !saved.value()) return StoreFailed(keep);
    return Ok(SaleJson(p, attrs, SaleType::kCapture, attrs.capture_ticket_number,
                       attrs.capture_transaction_reference, now, in.full_response));
  });
}

// Voids a pre-authorization that was never captured: nothing was charged, so no refund.
http::Response VoidAuthorization(store::WriteTx& tx, const std::string& merchant, core::Payment p,
                                 const CancelInput& in, int64_t now, bool& keep) {
  if (in.amount && in.amount->TotalMinor() != p.amount_minor) {
    return Fail(Error(KCode::kK006, "a pre-authorization is voided in full"));
  }
  auto voided = core::VoidPayment(p, now);
  if (!voided.ok()) return Fail(kushki::ErrorFor(voided.error()));
  auto ids = kushki::AssignIds(tx, merchant, kushki::Owner::kPayment, p.id);
  if (!ids.ok()) return StoreFailed(keep);
  kushki::PaymentAttrs attrs = kushki::DecodePaymentAttrs(p.attrs);
  attrs.void_ticket_number = ids.value()->ticket_number;
  attrs.void_transaction_reference = ids.value()->transaction_reference;
  p.attrs = kushki::EncodePaymentAttrs(attrs);
  auto saved = tx.UpdatePayment(p);
  if (!saved.ok() || !saved.value()) return StoreFailed(keep);
  CancelView view;
  view.ticket_number = attrs.void_ticket_number;
  view.transaction_reference = attrs.void_transaction_reference;
  view.type = kushki::kRefundVoid;
  view.sale_ticket_number = attrs.ticket_number;
  view.sale_transaction_reference = attrs.transaction_reference;
  view.currency = p.currency;
  view.amount_minor = p.amount_minor;
  for (const core::Part& part : p.parts) view.buckets.push_back({part.name, part.amount_minor});
  view.created_ms = now;
  return Created(CancelJson(view, in.full_response));
}

// DELETE /v1/charges/{t} (void_endpoint) and DELETE /v1/refund/{t}: both give back a captured
// sale's money, as a void or a refund by the country's cut-off; only the void endpoint releases
// an uncaptured pre-authorization.
void Cancel(Call& call, bool void_endpoint) {
  std::string ticket(call.path.Get("ticketNumber"));
  if (!ValidTicketNumber(ticket)) return call.Fail(Error(KCode::kK010));
  auto parsed = ParseCancel(call.body);
  if (!parsed.ok()) return call.Fail(parsed.error());
  Write(call, [merchant = call.merchant_id, ticket, in = std::move(parsed).value(), void_endpoint](
                  store::WriteTx& tx, int64_t now, bool& keep) {
    auto loaded = kushki::PaymentByAlias(tx, merchant, kushki::kAliasTicket, ticket, kDialect);
    if (!loaded.ok()) return StoreFailed(keep);
    if (!loaded.value()) return Fail(Error(KCode::kK010));
    core::Payment p = std::move(*loaded.value());
    if (p.status == core::PaymentStatus::kAuthorized && void_endpoint) {
      return VoidAuthorization(tx, merchant, std::move(p), in, now, keep);
    }
    const kushki::PaymentAttrs sale = kushki::DecodePaymentAttrs(p.attrs);
    auto country = kushki::CountryForCurrency(p.currency);
    CHECK(country.has_value());  // a Kushki sale is in a Kushki currency
    const int64_t sale_ms = sale.approved_ms != 0 ? sale.approved_ms : p.created_ms;
    const bool is_void =
        kushki::DecideVoidOrRefund(sale_ms, now, *country) == kushki::Cancellation::kVoid;

    service::NewRefund r;
    r.merchant_id = merchant;
    r.payment_id = p.id;
    r.refund_id = SortableId("kre_", now);
    r.dialect = std::string(kDialect);
    if (in.amount) {
      if (!(in.amount->currency == p.currency)) return Fail(Error(KCode::kK042));
      if (!PartialRefundsAllowed(p.currency) && p.status == core::PaymentStatus::kCaptured &&
          in.amount->TotalMinor() != p.RefundableMinor()) {
        return Fail(Error(KCode::kK006, "partial refunds are available in Colombia only"));
      }
      r.request.currency = in.amount->currency;
      r.request.parts = in.amount->NonZero();
    }
    auto created = service::CreateRefund(tx, r, now);
    if (!created.ok()) return kushki::ErrorOf(TheStyle(), created.error(), keep);
    core::Refund refund = std::move(created.value().refund);
    auto ids = kushki::AssignIds(tx, merchant, kushki::Owner::kRefund, refund.id);
    if (!ids.ok()) return StoreFailed(keep);

    kushki::RefundAttrs attrs;
    attrs.kind = std::string(is_void ? kushki::kRefundVoid : kushki::kRefundRefund);
    attrs.ticket_number = ids.value()->ticket_number;
    attrs.transaction_reference = ids.value()->transaction_reference;
    attrs.sale_ticket_number = ticket;
    attrs.sale_transaction_reference = sale.transaction_reference;
    attrs.buckets = in.amount ? in.amount->buckets : refund.parts;
    attrs.given = in.given;
    refund.attrs = kushki::EncodeRefundAttrs(attrs);
    auto saved = tx.UpdateRefund(refund);
    if (!saved.ok() || !saved.value()) return StoreFailed(keep);

    CancelView view;
    view.ticket_number = attrs.ticket_number;
    view.transaction_reference = attrs.transaction_reference;
    view.type = is_void ? kushki::kRefundVoid : kushki::kRefundRefund;
    view.sale_ticket_number = ticket;
    view.sale_transaction_reference = sale.transaction_reference;
    view.currency = refund.currency;
    view.amount_minor = refund.amount_minor;
    view.buckets = refund.parts;
    view.partial = created.value().payment.RefundableMinor() > 0;
    view.created_ms = now;
    return Created(CancelJson(view, in.full_response));
  });
}

void Void(Call& call) { Cancel(call, /*void_endpoint=*/true); }
void Refund(Call& call) { Cancel(call, /*void_endpoint=*/false); }

}  // namespace

void RegisterRoutes(http::Router& router, service::Engine& engine) {
  struct Entry {
    const char* method;
    const char* pattern;
    kushki::Auth auth;
    bool fallback;  // only Kushki uses the path: answer K004 when the header is missing
    void (*handler)(Call&);
  };
  static constexpr Entry kRoutes[] = {
      {"POST", "/card/v1/tokens", kPublic, true, CreateToken},
      {"POST", "/card/v1/charges", kPrivate, true, Charge},
      {"POST", "/card/v1/preAuthorization", kPrivate, true, PreAuthorize},
      {"POST", "/card/v1/capture", kPrivate, true, Capture},
      {"DELETE", "/v1/charges/{ticketNumber}", kPrivate, false, Void},
      {"DELETE", "/v1/refund/{ticketNumber}", kPrivate, false, Refund},
  };
  for (const Entry& e : kRoutes) {
    router.Add(http::Route{e.method, e.pattern, std::string(kDialect),
                           kushki::Claims(e.auth.header), e.fallback,
                           kushki::Handle(engine, TheStyle(), e.auth, e.handler)});
  }
  // Unroutable requests: /card and /v1/refund are Kushki's alone; elsewhere under /v1 (shared
  // with the native API and Rapyd) a request is Kushki's when it carries a Kushki merchant id.
  auto render = [](const http::RequestError& u) {
    return kushki::Respond(TheStyle(), kushki::FromRequestError(u));
  };
  auto kushki_headers = [](const http::Request& r) {
    return r.HasHeader(kPrivate.header) || r.HasHeader(kPublic.header);
  };
  const std::string dialect(kDialect);
  router.AddErrorSpace({"/card", dialect, nullptr, render});
  router.AddErrorSpace({"/v1/refund", dialect, nullptr, render});
  router.AddErrorSpace({"/v1", dialect, kushki_headers, render});
}

}  // namespace refundd::dialects::kushki_online
