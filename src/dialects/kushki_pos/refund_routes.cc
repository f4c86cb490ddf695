// POST /pos/v1/refund: a refund naming its original sale (card read, or cardless with omit_card),
// or an unreferenced refund within the merchant's allowance. See docs/dialects/kushki.md.
#include "base/ids.h"
#include "dialects/kushki_pos/commands.h"

namespace refundd::dialects::kushki_pos {

namespace {

// A refund naming its original sale (card read, or cardless with omit_card).
Translated ReferencedRefundCommand(const Call& call, const Request& in) {
  GiveBack back{
      kushki::kRefundRefund,
      "Refund",
      /*record_client_id=*/true,
      /*release_authorized=*/false,
      {},
      Error(KCode::kK010, "unknown transaction_reference"),
      [in](const service::Draft& d) -> std::optional<Refusal> {
        const core::Payment& p = *d.payment;
        const kushki::PaymentAttrs attrs = kushki::DecodePaymentAttrs(p.attrs);
        if (in.omit_card && !CardlessAllowed(BrandOr(attrs.brand))) {
          return Declined(FranchiseOf(attrs.brand, p.currency));
        }
        if (!kushki::PosRefundAllowed(attrs.approved_ms, d.now_ms)) {
          return Refused(Error(KCode::kK020, "a refund is allowed within 120 days of the sale"));
        }
        return std::nullopt;
      }};
  if (in.amount) {
    back.request.currency = in.amount->currency;
    back.request.parts = in.amount->NonZero();
  }
  return GiveBackCommand(call, in,
                         service::Ref::Alias(kushki::kAliasReference, in.transaction_reference),
                         std::move(back), kushki::MintIds(), kushki::ApprovalCode());
}

// The day's allowance: a synthetic captured payment of the daily limit that every unreferenced
// refund of that local day and currency is a refund of, so the core's own invariant
// (refunded <= captured) bounds the day's total in the same transaction. The command creates it
// with the day's first refund.
core::Payment Allowance(const Call& call, const core::Currency& currency, int64_t per_day_minor,
                        const std::string& day, int64_t now) {
  core::Payment p;
  p.id = SortableId("kpy_", now);
  p.merchant_id = call.merchant_id;
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
  return p;
}

// A refund to the presented card with no original sale, within `limits`.
Translated UnreferencedRefundCommand(const Call& call, const Request& in,
                                     const UnreferencedLimits& limits) {
  const kushki::Amount& a = *in.amount;
  // The command runs at the instant its day was chosen at.
  const int64_t now = call.Now();
  auto country = kushki::CountryForCurrency(a.currency);
  CHECK(country.has_value());  // amounts are parsed into Kushki currencies only
  const std::string day = kushki::LocalDate(now, *country);
  const kushki::Ids ids = kushki::MintIds();
  const std::string approval_code = kushki::ApprovalCode();

  service::CreateRefund op;
  op.payment =
      service::Ref::Alias(kushki::kAliasAllowance, std::string(a.currency.code) + ":" + day);
  op.create_payment = Allowance(call, a.currency, limits.per_day_minor, day, now);
  op.refund.id = SortableId("kre_", now);
  op.request = core::RefundRequest{a.TotalMinor(), a.currency, {}};
  service::Command c = kushki::NewCommand(call, kDialect);
  c.now_ms = now;
  c.op = std::move(op);
  LookUpClientId(c, in);
  kushki::AddAliases(c.aliases, ids, kushki::Owner::kRefund);
  RecordClientId(c.aliases, in, service::AliasWrite::To::kRefund);
  c.prepare = ClientIdTaken;
  c.finish = [in, ids, approval_code](service::Draft& d) -> std::optional<Refusal> {
    kushki::RefundAttrs attrs;
    attrs.kind = std::string(kushki::kRefundRefund);
    attrs.ticket_number = ids.ticket_number;
    attrs.transaction_reference = ids.transaction_reference;
    attrs.unreferenced = true;
    attrs.buckets = in.amount->buckets;
    attrs.client_transaction_id = in.client_transaction_id;
    attrs.approval_code = approval_code;
    attrs.given = in.given;
    d.refund->attrs = kushki::EncodeRefundAttrs(attrs);
    return std::nullopt;
  };
  auto ok = [brand = in.brand_hint](const Outcome& o) {
    const core::Refund& r = *o.refund;
    const kushki::RefundAttrs attrs = kushki::DecodeRefundAttrs(r.attrs);
    View view{"Refund",
              attrs.ticket_number,
              attrs.transaction_reference,
              r.currency,
              r.amount_minor,
              FranchiseOf(brand, r.currency),
              attrs.approval_code,
              r.status};
    return kushki::Ok(ResponseJson(view));
  };
  auto refused = [](const Refusal& r) {
    if (r.kind == Refusal::Kind::kRule && (r.rule == core::Refusal::kAmountExceedsRefundable ||
                                           r.rule == core::Refusal::kFullyRefunded)) {
      return Fail(Error(KCode::kK020,
                        "the daily limit of refunds without an original transaction is reached"));
    }
    return RefusalAnswer(r, Error(KCode::kK010));
  };
  return Translation{std::move(c), kushki::RenderWith(ok, refused)};
}

// The merchant's limits on unreferenced refunds in `currency`, or the K002 answer.
service::ReadResult<UnreferencedLimits> ReadLimits(const Call& call,
                                                   const core::Currency& currency) {
  service::Reads& reads = call.engine.reads();
  auto enabled = reads.Setting(call.merchant_id, std::string(kSettingUnreferenced));
  auto per_refund = reads.Setting(call.merchant_id, LimitSettingName(currency, "per_refund"));
  auto per_day = reads.Setting(call.merchant_id, LimitSettingName(currency, "per_day"));
  if (!enabled.ok()) return Err(enabled.error());
  if (!per_refund.ok()) return Err(per_refund.error());
  if (!per_day.ok()) return Err(per_day.error());
  return LimitsFrom(currency, enabled.value(), per_refund.value(), per_day.value());
}

}  // namespace

void Refund(Call& call) {
  auto parsed = ParseRequest(call.params, Operation::kRefund);
  if (!parsed.ok()) return call.Answer(Fail(parsed.error()));
  Request in = std::move(parsed).value();
  std::string key = KeyFor(in);
  if (!in.transaction_reference.empty()) {
    return common::Write(call, std::move(key), [in = std::move(in)](Call& c) -> Translated {
      return ReferencedRefundCommand(c, in);
    });
  }
  // The merchant's limits are checked before the key is claimed; the day's total is checked
  // in the write transaction (the allowance).
  auto limits = ReadLimits(call, in.amount->currency);
  if (!limits.ok()) return call.Answer(Fail(Error(KCode::kK002)));
  if (auto refused = CheckUnreferenced(limits.value(), in.amount->TotalMinor())) {
    return call.Answer(Fail(*refused));
  }
  common::Write(call, std::move(key),
                [in = std::move(in), limits = limits.value()](Call& c) -> Translated {
                  return UnreferencedRefundCommand(c, in, limits);
                });
}

}  // namespace refundd::dialects::kushki_pos
