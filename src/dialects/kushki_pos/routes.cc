#include "dialects/kushki_pos/routes.h"

#include "base/ids.h"
#include "dialects/kushki_pos/route_glue.h"

namespace refundd::dialects::kushki_pos {

namespace {

void Sell(Call& call, bool capture_now) {
  auto parsed =
      ParseRequest(call.body, capture_now ? Operation::kCharge : Operation::kPreauthorization);
  if (!parsed.ok()) return call.Fail(parsed.error());
  const Request in = std::move(parsed).value();
  const std::string merchant = call.merchant_id;
  const std::string preset = call.sandbox.transaction_reference;
  kushki::Write(
      call, KeyFor(in),
      WithFreshClientId(merchant, in, [=](store::WriteTx& tx, int64_t now, bool& keep) {
        const kushki::Amount& amount = *in.amount;
        core::Payment p;
        p.id = SortableId("kpy_", now);
        p.merchant_id = merchant;
        p.dialect = std::string(kDialect);
        p.currency = amount.currency;
        p.amount_minor = amount.TotalMinor();
        for (const core::PartAmount& b : amount.NonZero()) {
          p.parts.push_back(core::Part{b.name, b.amount_minor, 0, 0, 0});
        }
        p.capture_method = capture_now ? "automatic" : "manual";
        p.payment_method = BrandOr(in.brand_hint);
        p.created_ms = p.updated_ms = now;
        CHECK(core::ConfirmPayment(p, capture_now, now).ok());  // a new payment is open
        auto ids = kushki::AssignIds(tx, merchant, kushki::Owner::kPayment, p.id, preset);
        if (!ids.ok()) return StoreFailed(keep);
        if (!ids.value()) {
          return Fail(kushki::KError{KCode::kK001, "the sandbox transaction reference is taken",
                                     kushki::KKind::kConflict});
        }
        kushki::PaymentAttrs attrs;
        attrs.kind = std::string(capture_now ? kushki::kKindSale : kushki::kKindPreauth);
        attrs.ticket_number = ids.value()->ticket_number;
        attrs.transaction_reference = ids.value()->transaction_reference;
        attrs.approved_ms = now;
        attrs.brand = p.payment_method;
        attrs.holder = in.holder;
        attrs.client_transaction_id = in.client_transaction_id;
        attrs.approval_code = kushki::ApprovalCode();
        attrs.given = in.given;
        p.attrs = kushki::EncodePaymentAttrs(attrs);
        auto created = service::CreatePayment(tx, p);
        if (!created.ok()) return kushki::ErrorOf(TheStyle(), created.error(), keep);
        auto recorded = RecordClientId(tx, merchant, in, p.id);
        if (!recorded.ok() || !recorded.value()) return StoreFailed(keep);
        View view{capture_now ? "Sale" : "PreAuthorization",
                  attrs.ticket_number,
                  attrs.transaction_reference,
                  p.currency,
                  p.amount_minor,
                  Franchise(attrs.brand, CountryOf(p.currency)),
                  attrs.approval_code};
        return Ok(ResponseJson(view));
      }));
}

void Charge(Call& call) { Sell(call, /*capture_now=*/true); }
void PreAuthorize(Call& call) { Sell(call, /*capture_now=*/false); }

void Capture(Call& call) {
  auto parsed = ParseRequest(call.body, Operation::kCapture);
  if (!parsed.ok()) return call.Fail(parsed.error());
  const Request in = std::move(parsed).value();
  const std::string merchant = call.merchant_id;
  kushki::Write(call, KeyFor(in),
                WithFreshClientId(merchant, in, [=](store::WriteTx& tx, int64_t now, bool& keep) {
                  auto loaded = kushki::PaymentByAlias(tx, merchant, kushki::kAliasReference,
                                                       in.transaction_reference, kDialect);
                  if (!loaded.ok()) return StoreFailed(keep);
                  if (!loaded.value())
                    return Fail(Error(KCode::kK010, "unknown transaction_reference"));
                  core::Payment p = std::move(*loaded.value());
                  if (in.amount && !(in.amount->currency == p.currency))
                    return Fail(Error(KCode::kK042));
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
                  auto recorded = RecordClientId(tx, merchant, in, p.id);
                  if (!recorded.ok() || !recorded.value()) return StoreFailed(keep);
                  View view{"Capture",
                            attrs.capture_ticket_number,
                            attrs.capture_transaction_reference,
                            p.currency,
                            p.captured_minor,
                            Franchise(BrandOr(attrs.brand), CountryOf(p.currency)),
                            kushki::ApprovalCode()};
                  return Ok(ResponseJson(view));
                }));
}

// Voids (or reverses) a pre-authorization that was never captured.
http::Response ReleaseAuthorization(store::WriteTx& tx, const std::string& merchant,
                                    core::Payment p, std::string_view type, const Request& in,
                                    bool record_client_id, int64_t now, bool& keep) {
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
  if (record_client_id) {
    auto recorded = RecordClientId(tx, merchant, in, p.id);
    if (!recorded.ok() || !recorded.value()) return StoreFailed(keep);
  }
  View view{type,
            attrs.void_ticket_number,
            attrs.void_transaction_reference,
            p.currency,
            p.amount_minor,
            Franchise(BrandOr(attrs.brand), CountryOf(p.currency)),
            kushki::ApprovalCode()};
  return Ok(ResponseJson(view));
}

void Void(Call& call) {
  auto parsed = ParseRequest(call.body, Operation::kVoid);
  if (!parsed.ok()) return call.Fail(parsed.error());
  const Request in = std::move(parsed).value();
  const std::string merchant = call.merchant_id;
  kushki::Write(
      call, KeyFor(in),
      WithFreshClientId(merchant, in, [=](store::WriteTx& tx, int64_t now, bool& keep) {
        auto loaded = kushki::PaymentByAlias(tx, merchant, kushki::kAliasReference,
                                             in.transaction_reference, kDialect);
        if (!loaded.ok()) return StoreFailed(keep);
        if (!loaded.value()) return Fail(Error(KCode::kK010, "unknown transaction_reference"));
        core::Payment p = std::move(*loaded.value());
        const kushki::PaymentAttrs attrs = kushki::DecodePaymentAttrs(p.attrs);
        if (!kushki::PosVoidAllowed(attrs.approved_ms, now, CountryOf(p.currency))) {
          return Fail(Error(KCode::kK020,
                            "a void is allowed on the transaction's day before 23:59 "
                            "local time; send a refund"));
        }
        if (p.status == core::PaymentStatus::kAuthorized) {
          return ReleaseAuthorization(tx, merchant, std::move(p), "Void", in, true, now, keep);
        }
        return RefundSale(tx, merchant, p, {}, kushki::kRefundVoid, "Void", in, true, now, keep);
      }));
}

// The original a reversal names: by transaction_reference, else by its client_transaction_id.
struct Original {
  std::optional<core::Payment> payment;
  std::optional<core::Refund> refund;
};
store::StoreResult<Original> FindOriginal(store::WriteTx& tx, const std::string& merchant,
                                          const Request& in) {
  Original out;
  if (!in.transaction_reference.empty()) {
    auto p = kushki::PaymentByAlias(tx, merchant, kushki::kAliasReference, in.transaction_reference,
                                    kDialect);
    if (!p.ok()) return Err(p.error());
    out.payment = std::move(p).value();
    if (out.payment) return out;
    auto r = kushki::RefundByAlias(tx, merchant, kushki::kAliasRefundReference,
                                   in.transaction_reference, kDialect);
    if (!r.ok()) return Err(r.error());
    out.refund = std::move(r).value();
    return out;
  }
  auto id = tx.FindAlias(merchant, std::string(kushki::kAliasClientTransaction),
                         in.client_transaction_id);
  if (!id.ok()) return Err(id.error());
  if (!id.value()) return out;
  auto p = tx.LoadPaymentForUpdate(merchant, *id.value());
  if (!p.ok()) return Err(p.error());
  if (p.value() && p.value()->dialect == kDialect) {
    out.payment = std::move(p).value();
    return out;
  }
  auto r = tx.LoadRefund(merchant, *id.value());
  if (!r.ok()) return Err(r.error());
  if (r.value() && r.value()->dialect == kDialect) out.refund = std::move(r).value();
  return out;
}

http::Response TooLateToReverse() {
  return Fail(Error(KCode::kK020, "a reversal is allowed within 29 s of the original"));
}

void Reverse(Call& call) {
  auto parsed = ParseRequest(call.body, Operation::kReverse);
  if (!parsed.ok()) return call.Fail(parsed.error());
  const Request in = std::move(parsed).value();
  const std::string merchant = call.merchant_id;
  kushki::Write(call, KeyFor(in), [=](store::WriteTx& tx, int64_t now, bool& keep) {
    auto original = FindOriginal(tx, merchant, in);
    if (!original.ok()) return StoreFailed(keep);
    if (original.value().payment) {
      core::Payment p = std::move(*original.value().payment);
      if (!kushki::ReversalAllowed(kushki::DecodePaymentAttrs(p.attrs).approved_ms, now)) {
        return TooLateToReverse();
      }
      if (p.status == core::PaymentStatus::kAuthorized) {
        return ReleaseAuthorization(tx, merchant, std::move(p), "Reverse", in, false, now, keep);
      }
      return RefundSale(tx, merchant, p, {}, kushki::kRefundReverse, "Reverse", in, false, now,
                        keep);
    }
    if (!original.value().refund) return Fail(Error(KCode::kK010, "original not found"));
    const core::Refund& refund = *original.value().refund;
    if (!kushki::ReversalAllowed(refund.created_ms, now)) return TooLateToReverse();
    auto reversed = service::TransitionRefund(tx, merchant, refund.id, core::RefundStatus::kFailed,
                                              "reversed", now);
    if (!reversed.ok()) return kushki::ErrorOf(TheStyle(), reversed.error(), keep);
    auto ids = kushki::AssignIds(tx, merchant, kushki::Owner::kRefund, refund.id);
    if (!ids.ok()) return StoreFailed(keep);
    const kushki::PaymentAttrs sale = kushki::DecodePaymentAttrs(reversed.value().payment.attrs);
    View view{"Reverse",
              ids.value()->ticket_number,
              ids.value()->transaction_reference,
              refund.currency,
              refund.amount_minor,
              Franchise(BrandOr(sale.brand), CountryOf(refund.currency)),
              kushki::ApprovalCode()};
    return Ok(ResponseJson(view));
  });
}

}  // namespace

void RegisterRoutes(http::Router& router, service::Engine& engine) {
  struct Entry {
    const char* pattern;
    void (*handler)(Call&);
  };
  static constexpr Entry kRoutes[] = {
      {"/pos/v1/charge", Charge},   {"/pos/v1/preauthorization", PreAuthorize},
      {"/pos/v1/capture", Capture}, {"/pos/v1/void", Void},
      {"/pos/v1/reverse", Reverse}, {"/pos/v1/refund", Refund},
  };
  for (const Entry& e : kRoutes) {
    router.Add(http::Route{"POST", e.pattern, std::string(kDialect), kushki::Claims(kAuth.header),
                           /*fallback=*/true,
                           kushki::Handle(engine, TheStyle(), kAuth, e.handler)});
  }
  // /pos is the card-present API's alone: every unroutable request there is answered K404/K405.
  router.AddErrorSpace({"/pos", std::string(kDialect), nullptr, [](const http::RequestError& u) {
                          return kushki::Respond(TheStyle(), kushki::FromRequestError(u));
                        }});
}

}  // namespace refundd::dialects::kushki_pos
