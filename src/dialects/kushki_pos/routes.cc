#include "dialects/kushki_pos/routes.h"

#include "base/ids.h"
#include "dialects/kushki_pos/commands.h"

namespace refundd::dialects::kushki_pos {

namespace {

using To = service::AliasWrite::To;

// Parses the request of `operation` (K001 before anything is claimed), then writes the command
// `translate` makes of it under the request's client_transaction_id.
template <typename Translate>
void WriteOperation(Call& call, Operation operation, Translate translate) {
  auto parsed = ParseRequest(call.params, operation);
  if (!parsed.ok()) return call.Answer(Fail(parsed.error()));
  Request in = std::move(parsed).value();
  std::string key = KeyFor(in);
  common::Write(call, std::move(key), [in = std::move(in), translate](Call& c) -> Translated {
    return translate(c, in);
  });
}

const KError& UnknownReference() {
  static const KError e = Error(KCode::kK010, "unknown transaction_reference");
  return e;
}

Translated SellCommand(const Call& call, const Request& in, bool capture_now) {
  const kushki::Amount& amount = *in.amount;
  const int64_t now = call.Now();
  const kushki::Ids ids = kushki::MintIds(call.extra);
  core::Payment p;
  p.id = SortableId("kpy_", now);
  p.merchant_id = call.merchant_id;
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
  kushki::PaymentAttrs attrs;
  attrs.kind = std::string(capture_now ? kushki::kKindSale : kushki::kKindPreauth);
  attrs.ticket_number = ids.ticket_number;
  attrs.transaction_reference = ids.transaction_reference;
  attrs.approved_ms = now;
  attrs.brand = p.payment_method;
  attrs.holder = in.holder;
  attrs.client_transaction_id = in.client_transaction_id;
  attrs.approval_code = kushki::ApprovalCode();
  attrs.given = in.given;
  p.attrs = kushki::EncodePaymentAttrs(attrs);

  service::Command c = kushki::NewCommand(call, kDialect);
  c.op = service::CreatePayment{std::move(p)};
  LookUpClientId(c, in);
  kushki::AddAliases(c.aliases, ids, kushki::Owner::kPayment,
                     /*preset_reference=*/!call.extra.empty());
  RecordClientId(c.aliases, in, To::kPayment);
  c.prepare = ClientIdTaken;
  auto ok = [type = capture_now ? "Sale" : "PreAuthorization"](const Outcome& o) {
    const core::Payment& sale = *o.payment;
    const kushki::PaymentAttrs a = kushki::DecodePaymentAttrs(sale.attrs);
    View view{type,           a.ticket_number,   a.transaction_reference,
              sale.currency,  sale.amount_minor, FranchiseOf(a.brand, sale.currency),
              a.approval_code};
    return kushki::Ok(ResponseJson(view));
  };
  return Translation{std::move(c), kushki::RenderWith(ok, [](const Refusal& r) {
                       return RefusalAnswer(r, UnknownReference());
                     })};
}

void Charge(Call& call) {
  WriteOperation(call, Operation::kCharge,
                 [](Call& c, const Request& in) { return SellCommand(c, in, true); });
}
void PreAuthorize(Call& call) {
  WriteOperation(call, Operation::kPreauthorization,
                 [](Call& c, const Request& in) { return SellCommand(c, in, false); });
}

Translated CaptureCommand(const Call& call, const Request& in) {
  const kushki::Ids ids = kushki::MintIds();
  service::CapturePayment op;
  op.payment = service::Ref::Alias(kushki::kAliasReference, in.transaction_reference);
  if (in.amount) op.amount_minor = in.amount->TotalMinor();
  service::Command c = kushki::NewCommand(call, kDialect);
  c.op = std::move(op);
  c.values = {kushki::ApprovalCode()};
  LookUpClientId(c, in);
  kushki::AddAliases(c.aliases, ids, kushki::Owner::kPayment);
  RecordClientId(c.aliases, in, To::kPayment);
  c.prepare = [in](service::Draft& d) -> std::optional<Refusal> {
    if (auto taken = ClientIdTaken(d)) return taken;
    if (in.amount && !(in.amount->currency == d.payment->currency)) {
      return Refused(Error(KCode::kK042));
    }
    return std::nullopt;
  };
  c.finish = kushki::RecordCapture(ids);
  auto ok = [](const Outcome& o) {
    const core::Payment& p = *o.payment;
    const kushki::PaymentAttrs a = kushki::DecodePaymentAttrs(p.attrs);
    View view{"Capture",    a.capture_ticket_number, a.capture_transaction_reference,
              p.currency,   p.captured_minor,        FranchiseOf(a.brand, p.currency),
              ValueOf(o, 0)};
    return kushki::Ok(ResponseJson(view));
  };
  return Translation{std::move(c), kushki::RenderWith(ok, [](const Refusal& r) {
                       return RefusalAnswer(r, UnknownReference());
                     })};
}

void Capture(Call& call) { WriteOperation(call, Operation::kCapture, CaptureCommand); }

// When the original sale was approved (its attrs).
int64_t ApprovedMs(const core::Payment& p) {
  return kushki::DecodePaymentAttrs(p.attrs).approved_ms;
}

Translated VoidCommand(const Call& call, const Request& in) {
  GiveBack back{
      kushki::kRefundVoid,
      "Void",
      /*record_client_id=*/true,
      /*release_authorized=*/true,
      {},
      UnknownReference(),
      [](const service::Draft& d) -> std::optional<Refusal> {
        auto country = kushki::CountryForCurrency(d.payment->currency);
        if (!country || !kushki::PosVoidAllowed(ApprovedMs(*d.payment), d.now_ms, *country)) {
          return Refused(Error(KCode::kK020,
                               "a void is allowed on the transaction's day before "
                               "23:59 local time; send a refund"));
        }
        return std::nullopt;
      }};
  return GiveBackCommand(call, in,
                         service::Ref::Alias(kushki::kAliasReference, in.transaction_reference),
                         std::move(back), kushki::MintIds(), kushki::ApprovalCode());
}

void Void(Call& call) { WriteOperation(call, Operation::kVoid, VoidCommand); }

KError TooLateToReverse() {
  return Error(KCode::kK020, "a reversal is allowed within 29 s of the original");
}

// Reverses a refund: it fails (its money is the sale's again) and gets ids of its own.
Translated ReverseRefundCommand(const Call& call, const core::Refund& refund) {
  const kushki::Ids ids = kushki::MintIds();
  service::TransitionRefund op;
  op.refund = service::Ref::Id(refund.id);
  op.to = core::RefundStatus::kFailed;
  op.failure_reason = "reversed";
  service::Command c = kushki::NewCommand(call, kDialect);
  c.op = std::move(op);
  c.values = {kushki::ApprovalCode(), ids.ticket_number, ids.transaction_reference};
  kushki::AddAliases(c.aliases, ids, kushki::Owner::kRefund);
  c.prepare = [](service::Draft& d) -> std::optional<Refusal> {
    if (!kushki::ReversalAllowed(d.refund->created_ms, d.now_ms)) {
      return Refused(TooLateToReverse());
    }
    return std::nullopt;
  };
  auto ok = [](const Outcome& o) {
    const core::Refund& r = *o.refund;
    const kushki::PaymentAttrs sale = kushki::DecodePaymentAttrs(o.payment->attrs);
    View view{"Reverse",    ValueOf(o, 1),  ValueOf(o, 2),
              r.currency,   r.amount_minor, FranchiseOf(sale.brand, r.currency),
              ValueOf(o, 0)};
    return kushki::Ok(ResponseJson(view));
  };
  const KError not_found = Error(KCode::kK010, "original not found");
  return Translation{std::move(c), kushki::RenderWith(ok, [not_found](const Refusal& r) {
                       return RefusalAnswer(r, not_found);
                     })};
}

// The original a reversal names: by transaction_reference, else by its client_transaction_id.
// Which kind of object an alias names never changes, so reading it before the command is safe;
// the command then runs on the object itself.
struct Original {
  std::optional<core::Payment> payment;
  std::optional<core::Refund> refund;
};
service::ReadResult<Original> FindOriginal(const Call& call, const Request& in) {
  service::Reads& reads = call.engine.reads();
  const std::string& merchant = call.merchant_id;
  Original out;
  if (!in.transaction_reference.empty()) {
    auto p =
        reads.PaymentByAlias(merchant, kushki::kAliasReference, in.transaction_reference, kDialect);
    if (!p.ok()) return Err(p.error());
    out.payment = std::move(p).value();
    if (out.payment) return out;
    auto r = reads.RefundByAlias(merchant, kushki::kAliasRefundReference, in.transaction_reference,
                                 kDialect);
    if (!r.ok()) return Err(r.error());
    out.refund = std::move(r).value();
    return out;
  }
  auto id = reads.Alias(merchant, kushki::kAliasClientTransaction, in.client_transaction_id);
  if (!id.ok()) return Err(id.error());
  if (!id.value()) return out;
  auto p = reads.Payment(merchant, *id.value(), kDialect);
  if (!p.ok()) return Err(p.error());
  out.payment = std::move(p).value();
  if (out.payment) return out;
  auto r = reads.Refund(merchant, *id.value(), kDialect);
  if (!r.ok()) return Err(r.error());
  out.refund = std::move(r).value();
  return out;
}

// An original not found is answered without claiming the key: the terminal may be reversing a
// sale whose own answer it never got, still being written; its retry must see the sale.
Translated ReverseCommand(const Call& call, const Request& in) {
  auto original = FindOriginal(call, in);
  if (!original.ok()) return common::Refuse(Fail(Error(KCode::kK002)));
  if (original.value().refund) return ReverseRefundCommand(call, *original.value().refund);
  if (!original.value().payment) {
    return common::Refuse(Fail(Error(KCode::kK010, "original not found")));
  }
  GiveBack back{kushki::kRefundReverse,
                "Reverse",
                /*record_client_id=*/false,
                /*release_authorized=*/true,
                {},
                Error(KCode::kK010, "original not found"),
                [](const service::Draft& d) -> std::optional<Refusal> {
                  if (!kushki::ReversalAllowed(ApprovedMs(*d.payment), d.now_ms)) {
                    return Refused(TooLateToReverse());
                  }
                  return std::nullopt;
                }};
  return GiveBackCommand(call, in, service::Ref::Id(original.value().payment->id), std::move(back),
                         kushki::MintIds(), kushki::ApprovalCode());
}

void Reverse(Call& call) { WriteOperation(call, Operation::kReverse, ReverseCommand); }

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
    router.Add(http::Route{"POST", e.pattern, std::string(kDialect),
                           kushki::Claims("private-credential-id"), /*fallback=*/true,
                           common::Route(engine, Spec(), e.handler)});
  }
  // /pos is the card-present API's alone: every unroutable request there is answered K404/K405.
  router.AddErrorSpace({"/pos", std::string(kDialect), nullptr, [](const http::RequestError& u) {
                          return Fail(kushki::FromRequestError(u));
                        }});
}

}  // namespace refundd::dialects::kushki_pos
