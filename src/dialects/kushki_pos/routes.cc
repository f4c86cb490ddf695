#include "dialects/kushki_pos/routes.h"

#include "base/ids.h"
#include "core/rules.h"
#include "dialects/common/uuid.h"
#include "dialects/kushki_common/attrs.h"
#include "dialects/kushki_common/credentials.h"
#include "dialects/kushki_common/glue.h"
#include "dialects/kushki_common/time_rules.h"
#include "dialects/kushki_pos/translate.h"
#include "service/payments.h"
#include "service/refunds.h"

namespace refundd::dialects::kushki_pos {

namespace {

using kushki::Call;
using kushki::Error;
using kushki::KCode;

constexpr std::string_view kDialect = kushki::kPosDialect;
constexpr kushki::Auth kAuth{"private-credential-id", kushki::kPosDialect};

const kushki::Style& TheStyle() {
  static const kushki::Style style = kushki::MakeStyle(StatusOf);
  return style;
}

http::Response Fail(const kushki::KError& error) { return kushki::Respond(TheStyle(), error); }
http::Response StoreFailed(bool& keep) { return kushki::StoreFailed(TheStyle(), keep); }
http::Response Ok(std::string body) {
  return http::Response{200, "application/json", {}, std::move(body)};
}

kushki::Country CountryOf(const core::Currency& currency) {
  auto country = kushki::CountryForCurrency(currency);
  CHECK(country.has_value());  // amounts are parsed into Kushki currencies only
  return *country;
}

std::string BrandOr(std::string_view brand) {
  return std::string(brand.empty() ? kDefaultBrand : brand);
}

// The idempotency key of an operation: its client_transaction_id. A reversal names the original
// by the original's client_transaction_id, so reversals have their own key space.
std::string KeyFor(const Request& in) {
  return (in.operation == Operation::kReverse ? "kushki_pos_reverse:" : "kushki_pos:") +
         in.client_transaction_id;
}

// client_transaction_id -> the payment or refund it created. It is looked up before an operation
// (so a reused id changes nothing) and recorded after it succeeded (so a reversal finds only
// what happened).
store::StoreResult<bool> ClientIdFree(store::WriteTx& tx, const std::string& merchant,
                                      const Request& in) {
  auto found = tx.FindAlias(merchant, std::string(kushki::kAliasClientTransaction),
                            in.client_transaction_id);
  if (!found.ok()) return Err(found.error());
  return !found.value().has_value();
}

store::StoreResult<bool> RecordClientId(store::WriteTx& tx, const std::string& merchant,
                                        const Request& in, const std::string& object_id) {
  return tx.InsertAlias(store::Alias{merchant, std::string(kushki::kAliasClientTransaction),
                                     in.client_transaction_id, object_id});
}

http::Response ClientIdTaken() {
  return Fail(kushki::KError{KCode::kK001, "client_transaction_id was already used",
                             kushki::KKind::kConflict});
}

// Runs `body` after checking that the client_transaction_id is free.
template <typename Body>
kushki::Run WithFreshClientId(const std::string& merchant, const Request& in, Body body) {
  return [merchant, in, body](store::WriteTx& tx, int64_t now, bool& keep) {
    auto free = ClientIdFree(tx, merchant, in);
    if (!free.ok()) return StoreFailed(keep);
    if (!free.value()) return ClientIdTaken();
    return body(tx, now, keep);
  };
}

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

// Gives a captured sale's money back as a refund of `kind` (VOID, REVERSE, REFUND).
http::Response RefundSale(store::WriteTx& tx, const std::string& merchant,
                          const core::Payment& sale, core::RefundRequest request,
                          std::string_view kind, std::string_view type, const Request& in,
                          bool record_client_id, int64_t now, bool& keep) {
  const kushki::PaymentAttrs sale_attrs = kushki::DecodePaymentAttrs(sale.attrs);
  service::NewRefund r;
  r.merchant_id = merchant;
  r.payment_id = sale.id;
  r.refund_id = SortableId("kre_", now);
  r.dialect = std::string(kDialect);
  r.request = std::move(request);
  auto created = service::CreateRefund(tx, r, now);
  if (!created.ok()) return kushki::ErrorOf(TheStyle(), created.error(), keep);
  core::Refund refund = std::move(created.value().refund);
  auto ids = kushki::AssignIds(tx, merchant, kushki::Owner::kRefund, refund.id);
  if (!ids.ok()) return StoreFailed(keep);
  kushki::RefundAttrs attrs;
  attrs.kind = std::string(kind);
  attrs.ticket_number = ids.value()->ticket_number;
  attrs.transaction_reference = ids.value()->transaction_reference;
  attrs.sale_ticket_number = sale_attrs.ticket_number;
  attrs.sale_transaction_reference = sale_attrs.transaction_reference;
  attrs.buckets = in.amount ? in.amount->buckets : refund.parts;
  attrs.client_transaction_id = in.client_transaction_id;
  attrs.approval_code = kushki::ApprovalCode();
  attrs.given = in.given;
  refund.attrs = kushki::EncodeRefundAttrs(attrs);
  auto saved = tx.UpdateRefund(refund);
  if (!saved.ok() || !saved.value()) return StoreFailed(keep);
  if (record_client_id) {
    auto recorded = RecordClientId(tx, merchant, in, refund.id);
    if (!recorded.ok() || !recorded.value()) return StoreFailed(keep);
  }
  View view{type,
            attrs.ticket_number,
            attrs.transaction_reference,
            refund.currency,
            refund.amount_minor,
            Franchise(BrandOr(sale_attrs.brand), CountryOf(refund.currency)),
            attrs.approval_code,
            refund.status};
  return Ok(ResponseJson(view));
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

// A refund naming its original sale (card read, or cardless with omit_card).
void ReferencedRefund(Call& call, const Request& in) {
  const std::string merchant = call.merchant_id;
  kushki::Write(
      call, KeyFor(in),
      WithFreshClientId(merchant, in, [=](store::WriteTx& tx, int64_t now, bool& keep) {
        auto loaded = kushki::PaymentByAlias(tx, merchant, kushki::kAliasReference,
                                             in.transaction_reference, kDialect);
        if (!loaded.ok()) return StoreFailed(keep);
        if (!loaded.value()) return Fail(Error(KCode::kK010, "unknown transaction_reference"));
        const core::Payment& p = *loaded.value();
        const kushki::PaymentAttrs attrs = kushki::DecodePaymentAttrs(p.attrs);
        const std::string brand = BrandOr(attrs.brand);
        if (in.omit_card && !CardlessAllowed(brand)) {
          return Ok(DeclinedJson("Refund", RandomDigits(18), common::RandomUuid(),
                                 Franchise(brand, CountryOf(p.currency))));
        }
        if (!kushki::PosRefundAllowed(attrs.approved_ms, now)) {
          return Fail(Error(KCode::kK020, "a refund is allowed within 120 days of the sale"));
        }
        core::RefundRequest request;
        if (in.amount) {
          request.currency = in.amount->currency;
          request.parts = in.amount->NonZero();
        }
        return RefundSale(tx, merchant, p, std::move(request), kushki::kRefundRefund, "Refund", in,
                          true, now, keep);
      }));
}

// Finds or creates the day's allowance: a synthetic captured payment of the daily limit that
// every unreferenced refund of that local day and currency is a refund of, so the core's own
// invariant (refunded <= captured) bounds the day's total in the same transaction.
store::StoreResult<core::Payment> Allowance(store::WriteTx& tx, const std::string& merchant,
                                            const core::Currency& currency, int64_t per_day_minor,
                                            int64_t now) {
  const std::string day = kushki::LocalDate(now, CountryOf(currency));
  const std::string alias = std::string(currency.code) + ":" + day;
  auto found = kushki::PaymentByAlias(tx, merchant, kushki::kAliasAllowance, alias, kDialect);
  if (!found.ok()) return Err(found.error());
  if (found.value()) return std::move(*found.value());
  core::Payment p;
  p.id = SortableId("kpy_", now);
  p.merchant_id = merchant;
  p.dialect = std::string(kDialect);
  p.currency = currency;
  p.amount_minor = per_day_minor;
  p.payment_method = "unreferenced";
  p.description = "unreferenced card-present refunds of " + day;
  p.created_ms = p.updated_ms = now;
  CHECK(core::ConfirmPayment(p, /*capture_now=*/true, now).ok());
  kushki::PaymentAttrs attrs;
  attrs.kind = std::string(kushki::kKindAllowance);
  attrs.day = day;
  attrs.approved_ms = now;
  p.attrs = kushki::EncodePaymentAttrs(attrs);
  auto inserted = tx.InsertPayment(p);
  if (!inserted.ok()) return Err(inserted.error());
  auto aliased =
      tx.InsertAlias(store::Alias{merchant, std::string(kushki::kAliasAllowance), alias, p.id});
  if (!aliased.ok()) return Err(aliased.error());
  if (!aliased.value()) {
    // Another writer made the day's allowance first (several writers, PostgreSQL): run again.
    return Err(store::StoreError{store::StoreErrorKind::kAborted, "allowance created meanwhile"});
  }
  return p;
}

// A refund to the presented card with no original sale, within the merchant's limits.
void UnreferencedRefund(Call& call, const Request& in) {
  const kushki::Amount& amount = *in.amount;
  store::Store& store = call.engine.store();
  auto enabled = store.GetMerchantSetting(call.merchant_id, std::string(kSettingUnreferenced));
  auto per_refund =
      store.GetMerchantSetting(call.merchant_id, LimitSettingName(amount.currency, "per_refund"));
  auto per_day =
      store.GetMerchantSetting(call.merchant_id, LimitSettingName(amount.currency, "per_day"));
  if (!enabled.ok() || !per_refund.ok() || !per_day.ok()) {
    return call.Fail(Error(KCode::kK002));
  }
  const UnreferencedLimits limits =
      LimitsFrom(amount.currency, enabled.value(), per_refund.value(), per_day.value());
  if (auto refused = CheckUnreferenced(limits, amount.TotalMinor())) return call.Fail(*refused);
  const std::string merchant = call.merchant_id;
  kushki::Write(call, KeyFor(in),
                WithFreshClientId(merchant, in, [=](store::WriteTx& tx, int64_t now, bool& keep) {
                  const kushki::Amount& a = *in.amount;
                  auto allowance = Allowance(tx, merchant, a.currency, limits.per_day_minor, now);
                  if (!allowance.ok()) return StoreFailed(keep);
                  service::NewRefund r;
                  r.merchant_id = merchant;
                  r.payment_id = allowance.value().id;
                  r.refund_id = SortableId("kre_", now);
                  r.dialect = std::string(kDialect);
                  r.request = core::RefundRequest{a.TotalMinor(), a.currency, {}};
                  auto created = service::CreateRefund(tx, r, now);
                  if (!created.ok()) {
                    const service::UseCaseError& e = created.error();
                    if (e.kind == service::UseCaseError::Kind::kRefused &&
                        (e.refusal == core::Refusal::kAmountExceedsRefundable ||
                         e.refusal == core::Refusal::kFullyRefunded)) {
                      return Fail(Error(KCode::kK020,
                                        "the daily limit of refunds without an original "
                                        "transaction is reached"));
                    }
                    return kushki::ErrorOf(TheStyle(), e, keep);
                  }
                  core::Refund refund = std::move(created.value().refund);
                  auto ids = kushki::AssignIds(tx, merchant, kushki::Owner::kRefund, refund.id);
                  if (!ids.ok()) return StoreFailed(keep);
                  kushki::RefundAttrs attrs;
                  attrs.kind = std::string(kushki::kRefundRefund);
                  attrs.ticket_number = ids.value()->ticket_number;
                  attrs.transaction_reference = ids.value()->transaction_reference;
                  attrs.unreferenced = true;
                  attrs.buckets = a.buckets;
                  attrs.client_transaction_id = in.client_transaction_id;
                  attrs.approval_code = kushki::ApprovalCode();
                  attrs.given = in.given;
                  refund.attrs = kushki::EncodeRefundAttrs(attrs);
                  auto saved = tx.UpdateRefund(refund);
                  if (!saved.ok() || !saved.value()) return StoreFailed(keep);
                  auto recorded = RecordClientId(tx, merchant, in, refund.id);
                  if (!recorded.ok() || !recorded.value()) return StoreFailed(keep);
                  View view{"Refund",
                            attrs.ticket_number,
                            attrs.transaction_reference,
                            refund.currency,
                            refund.amount_minor,
                            Franchise(BrandOr(in.brand_hint), CountryOf(refund.currency)),
                            attrs.approval_code,
                            refund.status};
                  return Ok(ResponseJson(view));
                }));
}

void Refund(Call& call) {
  auto parsed = ParseRequest(call.body, Operation::kRefund);
  if (!parsed.ok()) return call.Fail(parsed.error());
  const Request& in = parsed.value();
  if (in.transaction_reference.empty()) return UnreferencedRefund(call, in);
  ReferencedRefund(call, in);
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
