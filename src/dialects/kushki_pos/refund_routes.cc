// POST /pos/v1/refund: a refund naming its original sale (card read, or cardless with omit_card),
// or an unreferenced refund within the merchant's allowance. See docs/dialects/kushki.md.
#include "base/ids.h"
#include "dialects/kushki_pos/route_glue.h"

namespace refundd::dialects::kushki_pos {

namespace {

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

}  // namespace

void Refund(Call& call) {
  auto parsed = ParseRequest(call.body, Operation::kRefund);
  if (!parsed.ok()) return call.Fail(parsed.error());
  const Request& in = parsed.value();
  if (in.transaction_reference.empty()) return UnreferencedRefund(call, in);
  ReferencedRefund(call, in);
}

}  // namespace refundd::dialects::kushki_pos
